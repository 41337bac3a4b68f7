"""Streamlit pieces the pages share: where the data comes from, filters, tables, charts, and
the segment and tier analysis, which are the same views over a different grouping."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import charts
import data
import formatting as fmt
from charts import GroupStyle


@dataclass(frozen=True)
class Context:
    """What every page needs: where the marts are and how to write amounts."""

    source: data.Source
    currency: str

    def mart(self, name: str) -> pd.DataFrame:
        return data.load_mart(self.source, name)


def context() -> Context:
    return Context(data.source_from_env(), fmt.currency_from_env())


def show_chart(figure: go.Figure) -> None:
    st.plotly_chart(figure, width="stretch", config={"displaylogo": False})


def show_unavailable(error: data.DashboardError) -> None:
    """The marts cannot be read: say why and what to do, never a stack trace."""
    st.title("Customer segmentation")
    st.error(f"**The segmentation marts cannot be read.** {error.message}\n\n{error.hint}", icon=":material/error:")


def sidebar_source(source: data.Source) -> None:
    with st.sidebar:
        st.caption(f"Data: {source.label}")
        # Marts are cached for ten minutes; after a rebuild, this shows the new figures now.
        if st.button("Reload data", icon=":material/refresh:", help="Read the marts again after a rebuild"):
            st.cache_data.clear()


def group_filter(style: GroupStyle, key: str) -> GroupStyle:
    """A sidebar multiselect of segments or tiers; none selected means all, as in BI tools."""
    chosen = st.sidebar.multiselect(
        f"{style.noun.capitalize()}s",
        options=list(style.keys),
        format_func=style.label,
        placeholder=f"All {style.noun}s",
        key=key,
    )
    return style.subset(chosen) if chosen else style


def summary_table(summary: pd.DataFrame, style: GroupStyle, currency: str) -> None:
    """Size, share, revenue, assets and liabilities per group, formatted for people. A static
    table, so long names wrap and no column is cut off."""
    rows = summary.set_index("group_key").loc[[key for key in style.keys if key in set(summary["group_key"])]]
    table = pd.DataFrame(
        {
            style.noun.capitalize(): [style.label(key) for key in rows.index],
            "Customers": rows["customers"].map(fmt.count),
            "Share of customers": rows["customer_share"].map(fmt.percent),
            "Share of revenue": rows["revenue_share"].map(fmt.percent),
            "Revenue (month)": rows["total_revenue"].map(lambda value: fmt.money(value, currency)),
            "Revenue per customer": rows["avg_revenue"].map(lambda value: fmt.money(value, currency)),
            "Share of assets": rows["asset_share"].map(fmt.percent),
            "Assets": rows["total_assets"].map(lambda value: fmt.money(value, currency)),
            "Liabilities (owed)": rows["total_liabilities"].map(lambda value: fmt.money(value, currency)),
            "Net balance": rows["net_balance"].map(lambda value: fmt.money(value, currency)),
        }
    )
    st.table(table, hide_index=True)


def totals_row(summary: pd.DataFrame, style: GroupStyle, currency: str) -> None:
    """Headline figures of the selected groups."""
    rows = summary.loc[summary["group_key"].isin(style.keys)]
    customers, revenue, assets, liabilities = (
        rows[column].sum() for column in ("customers", "total_revenue", "total_assets", "total_liabilities")
    )
    columns = st.columns(5)
    columns[0].metric(f"{style.noun.capitalize()}s", fmt.count(len(rows)))
    columns[1].metric("Customers", fmt.count(customers), help="Active customers at the reference month")
    columns[2].metric("Revenue (reference month)", fmt.money(revenue, currency))
    columns[3].metric("Assets", fmt.money_compact(assets, currency), help="What the customers hold with the bank")
    columns[4].metric("Liabilities", fmt.money_compact(liabilities, currency), help="What the customers owe the bank")


def group_analysis(context: Context, summary: pd.DataFrame, style: GroupStyle) -> None:
    """Size, demographics, product mix and cross-sell of the groups in `style`, segments or tiers."""
    grouping = style.noun

    def of_grouping(mart: str) -> pd.DataFrame:
        frame = context.mart(mart)
        return frame.loc[(frame["grouping"] == grouping) & frame["group_key"].isin(style.keys)]

    totals_row(summary, style, context.currency)
    show_chart(charts.overview_chart(summary, style, context.currency))
    summary_table(summary, style, context.currency)

    st.subheader("Demographics")
    show_chart(charts.quintile_chart(of_grouping("segment_demographics"), style, context.currency))
    st.caption(
        "Quintile edges are those of all active customers at the reference month, so a "
        f"{grouping} leaning to Q5 is richer, older or longer-standing than the bank as a whole."
    )

    st.subheader("Product mix")
    measure = st.radio(
        "Measure",
        options=["holding_rate", "total_revenue", "total_assets", "total_liabilities"],
        format_func={
            "holding_rate": "Holding rate",
            "total_revenue": "Revenue",
            "total_assets": "Assets",
            "total_liabilities": "Liabilities (owed)",
        }.get,
        horizontal=True,
        key=f"{grouping}_product_measure",
    )
    show_chart(charts.product_mix_chart(of_grouping("product_mix"), style, measure, context.currency))

    st.subheader("Cross-sell")
    show_chart(charts.cross_sell_chart(of_grouping("cross_sell"), style))
