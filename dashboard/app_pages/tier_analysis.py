"""Tier analysis: the segment views, per business tier."""

from __future__ import annotations

import streamlit as st

import charts
import summaries
import views

context = views.context()
summary = summaries.tier_summary(context.mart("segment_tier_matrix"))
style = views.group_filter(charts.tier_style(list(summary["group_key"])), key="tier_analysis_tiers")

st.title("Tier analysis")
st.caption("The bank's business-rule tiers, in its own order (lowest first), seen as the segments are.")
views.group_analysis(context, summary, style)
