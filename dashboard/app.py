"""The segmentation dashboard: `make dashboard`, or `streamlit run dashboard/app.py`.

Six pages over the marts (see README.md here). This entry point only wires them: it checks
that the marts can be read, so that every page can assume they can, and turns any
DashboardError into a message that says what to do.
"""

from __future__ import annotations

import streamlit as st

import data
import views


def pages() -> list[st.Page]:
    # The folder is not named `pages`: Streamlit would then run a page opened by its URL
    # directly, without this entry point, on a server's first run.
    return [
        st.Page("app_pages/model_analysis.py", title="Model analysis", icon=":material/model_training:", default=True),
        st.Page("app_pages/model_health.py", title="Model health", icon=":material/health_and_safety:"),
        st.Page("app_pages/segment_analysis.py", title="Segment analysis", icon=":material/donut_small:"),
        st.Page("app_pages/tier_analysis.py", title="Tier analysis", icon=":material/workspace_premium:"),
        st.Page("app_pages/segment_vs_tier.py", title="Segment vs tier", icon=":material/grid_on:"),
        st.Page("app_pages/segment_evolution.py", title="Segment evolution", icon=":material/timeline:"),
    ]


def main() -> None:
    st.set_page_config(page_title="Customer segmentation", page_icon=":material/donut_small:", layout="wide")
    page = st.navigation(pages())
    try:
        source = data.source_from_env()
        views.sidebar_source(source)
        data.require_marts(source)
        page.run()
    except data.DashboardError as error:
        views.show_unavailable(error)


main()
