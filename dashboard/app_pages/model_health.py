"""Model health: is the model still valid (drift and refit advice), which customers sit on a
boundary or far from their segment, and which k the diagnostics recommend."""

from __future__ import annotations

import streamlit as st

import charts
import formatting as fmt
import summaries
import views

context = views.context()
drift = context.mart("segment_drift")
diagnostics = context.mart("segment_k_diagnostics")
profiles = context.mart("segment_profiles")
style = views.group_filter(charts.segment_style(profiles), key="health_segments")
health = summaries.health_summary(drift, diagnostics, profiles)

st.title("Model health")
columns = st.columns(5)
advice = {True: "Refit", False: "Keep the model", None: "Nothing to compare"}[health.refit_recommended]
columns[0].metric(f"Advice for {fmt.month(health.latest_month)}", advice, help=health.reason)
columns[1].metric(
    "Segment-mix PSI", fmt.number(health.segment_mix_psi, 3), help="Against the reference month; 0.1 watch, 0.25 act"
)
columns[2].metric(
    "Borderline customers",
    fmt.count(health.borderline),
    help=f"At the reference month; {fmt.percent(health.share_borderline)} in the latest month",
)
columns[3].metric("Outliers", fmt.count(health.outliers), help="Farther from their segment's centre than 99% of it")
columns[4].metric("Recommended k", health.recommended_k, help=health.recommendation_note)
if health.refit_recommended:
    st.warning(health.reason, icon=":material/warning:")
else:
    st.caption(health.reason)

st.subheader("Is the model still valid?")
views.show_chart(charts.drift_chart(drift))
st.caption(
    "PSI of the segment mix and of the feature that moved most, against the reference month (dotted line). "
    "Age and tenure drift by construction and never drive the advice. Advice applies to the months scored "
    "after the reference month."
)
advice_rows = drift.loc[drift["is_after_reference"].astype(bool)].sort_values("month_date")
if not advice_rows.empty:
    st.dataframe(
        advice_rows,
        hide_index=True,
        column_order=["month_date", "refit_recommended", "segment_mix_psi", "largest_feature_psi", "reason"],
        column_config={
            "month_date": st.column_config.DateColumn("Month", format="MMM YYYY"),
            "refit_recommended": st.column_config.CheckboxColumn("Refit"),
            "segment_mix_psi": st.column_config.NumberColumn("Segment-mix PSI", format="%.3f"),
            "largest_feature_psi": st.column_config.NumberColumn("Largest feature PSI", format="%.3f"),
            "reason": st.column_config.TextColumn("Why", width="large"),
        },
    )

st.subheader("Customers on a boundary")
views.show_chart(charts.borderline_chart(profiles, style))
st.caption(
    "Borderline: nearly as close to another segment (assignment margin below the var borderline_margin). "
    "Outliers: farther from the segment's centre than 99% of its customers at the fit. "
    "Look a customer up on the Segment analysis page to see why they are where they are."
)

st.subheader("How many segments?")
st.markdown(f"**k = {health.recommended_k}** is recommended. {health.recommendation_note}.")
st.dataframe(
    diagnostics.sort_values("k"),
    hide_index=True,
    column_order=[
        "k",
        "is_recommended",
        "is_chosen_k",
        "silhouette",
        "davies_bouldin",
        "stability",
        "smallest_segment_share",
        "recommendation_note",
    ],
    column_config={
        "k": st.column_config.NumberColumn("k"),
        "is_recommended": st.column_config.CheckboxColumn("Recommended"),
        "is_chosen_k": st.column_config.CheckboxColumn("In use"),
        "silhouette": st.column_config.NumberColumn("Silhouette", format="%.3f"),
        "davies_bouldin": st.column_config.NumberColumn("Davies-Bouldin", format="%.3f"),
        "stability": st.column_config.NumberColumn("Stability (ARI)", format="%.3f"),
        "smallest_segment_share": st.column_config.NumberColumn("Smallest segment", format="percent"),
        "recommendation_note": st.column_config.TextColumn("Why", width="large"),
    },
)
st.caption(
    "A report: the var n_clusters decides the segmentation. Stability is the adjusted Rand index between "
    "the segments of the best two KMeans restarts."
)
