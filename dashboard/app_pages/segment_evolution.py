"""Segment evolution: sizes, revenue and stability over the months, and the moves between two
months as a Sankey (new and churned customers included)."""

from __future__ import annotations

import streamlit as st

import charts
import formatting as fmt
import summaries
import views

context = views.context()
history = context.mart("segment_history")
transitions = context.mart("segment_transitions")
drivers = context.mart("segment_transition_drivers")
all_segments = charts.segment_style(context.mart("segment_profiles"))
segments = views.group_filter(all_segments, key="evolution_segments")

months = sorted(history["month_date"].unique())
first, last = st.sidebar.select_slider(
    "Months", options=months, value=(months[0], months[-1]), format_func=fmt.month, key="evolution_months"
)
shown = history.loc[history["month_date"].between(first, last)]

st.title("Segment evolution")
st.caption("Every month is scored with the current model, so sizes move because customers change, not the model.")
views.show_chart(charts.history_chart(shown, segments, "customers", context.currency))
views.show_chart(charts.history_chart(shown, segments, "total_revenue", context.currency))
money = st.radio(
    "Balances",
    options=["total_assets", "total_liabilities"],
    format_func={"total_assets": "Assets held", "total_liabilities": "Liabilities (owed)"}.get,
    horizontal=True,
)
views.show_chart(charts.history_chart(shown, segments, money, context.currency))
views.show_chart(charts.stability_chart(shown, segments))

st.subheader("Moves between two months")
comparable = summaries.comparable_months(transitions)
# Default: the widest comparison into the latest month, where most movement shows.
latest = max(month for later in comparable.values() for month in later)
default_from = min(month for month, later in comparable.items() if latest in later)
left, right = st.columns(2)
from_options = list(comparable)
from_month = left.selectbox(
    "From month", from_options, index=from_options.index(default_from), format_func=fmt.month, key="sankey_from"
)
to_options = comparable[from_month]
to_month = right.selectbox("To month", to_options, index=len(to_options) - 1, format_func=fmt.month, key="sankey_to")

flows = summaries.flows_between(transitions, from_month, to_month)
# The segment filter keeps the flows that start or end in a selected segment.
flows = flows.loc[flows["from_state"].isin(segments.keys) | flows["to_state"].isin(segments.keys)]
totals = summaries.flow_totals(flows)
columns = st.columns(4)
columns[0].metric(
    "Kept their segment",
    fmt.count(totals.stayed),
    help=f"{fmt.percent(totals.stayed_share)} of the customers active in both months",
)
columns[1].metric("Moved to another segment", fmt.count(totals.moved))
columns[2].metric("New customers", fmt.count(totals.new), help="Became active between the two months")
columns[3].metric("Churned", fmt.count(totals.churned), help="Stopped being active between the two months")
views.show_chart(charts.transitions_sankey(flows, all_segments, from_month, to_month))
st.caption(
    "The marts compare every month with the next, and the reference month with 3, 6 and 12 months "
    "before it (dbt var transition_comparison_months)."
)

st.subheader("Why customers moved")
moves = summaries.moves_between(drivers, from_month, to_month)
moves = moves.loc[
    moves["from_segment_id"].astype(str).isin(segments.keys) | moves["to_segment_id"].astype(str).isin(segments.keys)
]
if moves.empty:
    st.caption("No move between two segments in these months reaches the var transition_driver_min_customers (10).")
else:
    labels = {
        index: f"{row.from_label} → {row.to_label} ({fmt.count(row.customers)} customers)"
        for index, row in moves.iterrows()
    }
    chosen = st.selectbox("Move", list(labels), format_func=labels.get, key="driver_move")
    move = moves.loc[chosen]
    views.show_chart(
        charts.drivers_chart(
            summaries.move_drivers(drivers, from_month, to_month, move["from_segment_id"], move["to_segment_id"])
        )
    )
    st.dataframe(
        moves,
        hide_index=True,
        column_order=["from_label", "to_label", "customers", "stayers", "top_drivers"],
        column_config={
            "from_label": st.column_config.TextColumn("From segment"),
            "to_label": st.column_config.TextColumn("To segment"),
            "customers": st.column_config.NumberColumn("Movers", format="%,d"),
            "stayers": st.column_config.NumberColumn("Stayed", format="%,d"),
            "top_drivers": st.column_config.TextColumn("Top drivers (movers less stayers, std. dev.)", width="large"),
        },
    )
    st.caption(
        "A driver is how much more a feature changed for the movers than for the customers who stayed in the "
        "from segment over the same months, in standard deviations of the model's features."
    )
