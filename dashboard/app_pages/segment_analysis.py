"""Segment analysis: size, value, demographics, products and cross-sell of each segment."""

from __future__ import annotations

import streamlit as st

import charts
import data
import formatting as fmt
import summaries
import views

context = views.context()
profiles = context.mart("segment_profiles")
all_segments = charts.segment_style(profiles)
style = views.group_filter(all_segments, key="segment_analysis_segments")
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

st.subheader("Why is a customer in their segment?")
customer_id = st.text_input("Customer id", placeholder="e.g. 3", key="reasons_customer_id")
if customer_id.strip():
    found = data.read_customer(context.source, customer_id)
    if found.empty:
        st.info(f"No active customer {customer_id.strip()} at the reference month.", icon=":material/search_off:")
    else:
        customer = found.iloc[0]
        second = all_segments.label(customer["second_segment_id"])
        columns = st.columns(3)
        columns[0].metric("Segment", all_segments.label(customer["segment_id"]))
        columns[1].metric("Next nearest segment", second)
        columns[2].metric(
            "Assignment margin",
            fmt.percent(customer["assignment_margin"]),
            help="1 - distance to the own segment / distance to the next nearest: near 0 is on the boundary",
        )
        flags = [
            "on the boundary (borderline)" if customer["is_borderline"] else "",
            "far from its segment's centre (outlier)" if customer["is_outlier"] else "",
        ]
        flags_text = " and ".join(flag for flag in flags if flag)
        st.markdown(
            f"Closer to this segment than to *{second}* mostly because of: **{customer['top_reasons']}**."
            + (f" The customer is {flags_text}." if flags_text else "")
        )
