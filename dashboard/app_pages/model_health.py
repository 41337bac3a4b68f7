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
methods = context.mart("segment_method_comparison")
screening = context.mart("segment_feature_screening")
pca = context.mart("segment_pca_sample")
style = views.group_filter(charts.segment_style(profiles), key="health_segments")
health = summaries.health_summary(drift, diagnostics, profiles)

st.title("Model health")
columns = st.columns(5)
advice = {True: "Refit", False: "Keep", None: "Not yet"}[health.refit_recommended]
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
views.show_chart(charts.drift_chart(summaries.drift_window(drift)))
st.caption(
    "PSI of the segment mix and of the feature that moved most, against the reference month (dotted line), "
    "from 12 months before it (earlier months, whose lookback windows are not full yet, are in segment_drift). "
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

st.subheader("Is KMeans the right method?")
if methods["note"].notna().all():
    st.info(methods["note"].iloc[0], icon=":material/info:")
else:
    st.dataframe(
        methods.sort_values("is_in_use", ascending=False),
        hide_index=True,
        column_order=[
            "clustering_method",
            "silhouette",
            "davies_bouldin",
            "calinski_harabasz",
            "smallest_segment_share",
            "agreement_with_kmeans",
            "evaluated_customers",
        ],
        column_config={
            "clustering_method": st.column_config.TextColumn("Method"),
            "silhouette": st.column_config.NumberColumn("Silhouette", format="%.3f"),
            "davies_bouldin": st.column_config.NumberColumn("Davies-Bouldin", format="%.3f"),
            "calinski_harabasz": st.column_config.NumberColumn("Calinski-Harabasz", format="%,.0f"),
            "smallest_segment_share": st.column_config.NumberColumn("Smallest segment", format="percent"),
            "agreement_with_kmeans": st.column_config.NumberColumn("Agreement with KMeans (ARI)", format="%.2f"),
            "evaluated_customers": st.column_config.NumberColumn("Customers scored", format="%,d"),
        },
    )
    st.caption(
        "At the model's k, on one sample of customers (Ward agglomerative clustering is fitted on it alone: it "
        "needs memory in the square of the customers)."
    )

st.subheader("The segments in two dimensions")
if pca["note"].notna().all():
    st.info(pca["note"].iloc[0], icon=":material/info:")
else:
    views.show_chart(charts.pca_chart(pca.loc[pca["segment_id"].astype(str).isin(style.keys)], style))
    st.caption(
        "Two axes of many: segments that overlap here may be apart along another direction. "
        "A sample of customers (dbt var method_sample)."
    )

st.subheader("Are the features fit to use?")
if screening["note"].notna().all():
    st.info(screening["note"].iloc[0], icon=":material/info:")
else:
    st.dataframe(
        screening.sort_values(["screening_drops", "would_drop", "vif"], ascending=False),
        hide_index=True,
        column_order=[
            "feature_label",
            "would_drop",
            "screening_drops",
            "is_dropped",
            "screening_reason",
            "variance_before_scaling",
            "max_abs_correlation",
            "most_correlated_label",
            "vif",
        ],
        column_config={
            "feature_label": st.column_config.TextColumn("Feature"),
            "would_drop": st.column_config.CheckboxColumn("Flagged"),
            "screening_drops": st.column_config.CheckboxColumn("Screening drops it"),
            "is_dropped": st.column_config.CheckboxColumn("Left out of the model"),
            "screening_reason": st.column_config.TextColumn("Why"),
            "variance_before_scaling": st.column_config.NumberColumn("Variance", format="%.3f"),
            "max_abs_correlation": st.column_config.NumberColumn("Largest |correlation|", format="%.2f"),
            "most_correlated_label": st.column_config.TextColumn("With"),
            "vif": st.column_config.NumberColumn("VIF", format="%.1f"),
        },
    )
    st.caption(
        "Flagged where the usual thresholds say so: variance below 0.01, a correlation above 0.8 with another "
        "feature, or a variance inflation factor above 10. The stepwise screening drops one feature at a time and "
        "looks again (of a correlated pair only one goes); the model leaves those out only with the dbt var "
        "feature_screening: apply."
    )
