"""Segment vs tier: how the data-driven segments map onto the bank's business tiers."""

from __future__ import annotations

import streamlit as st

import charts
import formatting as fmt
import summaries
import views

context = views.context()
matrix = context.mart("segment_tier_matrix")
segments = views.group_filter(charts.segment_style(context.mart("segment_profiles")), key="matrix_segments")
tiers = views.group_filter(charts.tier_style(list(summaries.tier_summary(matrix)["group_key"])), key="matrix_tiers")
shown = matrix.loc[matrix["segment_id"].astype(str).isin(segments.keys) & matrix["tier"].isin(tiers.keys)]

st.title("Segment vs tier")
share_of = st.radio(
    "Shares in the cells",
    options=["segment", "tier"],
    format_func={"segment": "of the segment (rows add to 100%)", "tier": "of the tier (columns add to 100%)"}.get,
    horizontal=True,
)
for measure in ("customers", "total_revenue", "total_assets"):
    views.show_chart(charts.matrix_heatmap(shown, segments, tiers, measure, share_of, context.currency))

views.show_chart(charts.composition_chart(shown, segments, tiers))
views.show_chart(charts.composition_chart(shown, tiers, segments))

with st.expander("The matrix as a table"):
    rows = shown.sort_values(["segment_id", "tier"])
    st.table(
        {
            "Segment": rows["segment_id"].map(segments.label),
            "Tier": rows["tier"].map(tiers.label),
            "Customers": rows["customers"].map(fmt.count),
            "Share of segment": rows["share_of_segment"].map(fmt.percent),
            "Share of tier": rows["share_of_tier"].map(fmt.percent),
            "Revenue (month)": rows["total_revenue"].map(lambda value: fmt.money(value, context.currency)),
            "Revenue share of segment": rows["revenue_share_of_segment"].map(fmt.percent),
            "Revenue share of tier": rows["revenue_share_of_tier"].map(fmt.percent),
            "Assets": rows["total_assets"].map(lambda value: fmt.money(value, context.currency)),
            "Asset share of segment": rows["asset_share_of_segment"].map(fmt.percent),
            "Asset share of tier": rows["asset_share_of_tier"].map(fmt.percent),
            "Liabilities (owed)": rows["total_liabilities"].map(lambda value: fmt.money(value, context.currency)),
        },
        hide_index=True,
    )
