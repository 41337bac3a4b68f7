"""Segment analysis: size, value, demographics, products and cross-sell of each segment."""

from __future__ import annotations

import streamlit as st

import charts
import formatting as fmt
import summaries
import views

context = views.context()
profiles = context.mart("segment_profiles")
style = views.group_filter(charts.segment_style(profiles), key="segment_analysis_segments")
summary = summaries.segment_summary(profiles)

st.title("Segment analysis")
views.group_analysis(context, summary, style)

st.subheader("Segment names and descriptions")
st.caption(
    "Activity falling: the share of the segment's customers whose activity over the last 3 months "
    "is at least 20% below their lookback average (the churn-risk view). Borderline: nearly as close to "
    "another segment (assignment margin below 0.1). Outliers: farther from the segment's centre than 99% of it."
)
names = profiles.loc[profiles["segment_id"].astype(str).isin(style.keys)].sort_values("segment_id")
st.table(
    {
        "Id": names["segment_id"],
        "Name": names["segment_name"],
        "Description": names["segment_description"],
        "Activity falling": names["share_activity_falling"].map(fmt.percent),
        "Borderline": names["share_borderline"].map(fmt.percent),
        "Outliers": names["share_outlier"].map(fmt.percent),
        "Named by": names["is_user_named"].map({True: "you (segment_names.csv)", False: "the model"}),
    },
    hide_index=True,
)
