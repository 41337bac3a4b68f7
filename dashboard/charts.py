"""Plotly figures built from mart DataFrames: pure functions, no Streamlit, unit-tested.

Every figure has a title, axis titles, and a legend wherever colour carries a meaning the axes
do not. Segments take their colour from their id (`segment_colour`), so a segment looks the
same on every page and keeps its colour when a refit keeps its id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import hex_to_rgb, sample_colorscale
from plotly.subplots import make_subplots

import formatting as fmt

# Tableau 10 without its grey (kept for new and churned customers), then its lighter twins.
SEGMENT_PALETTE = (
    "#4E79A7",
    "#F28E2B",
    "#E15759",
    "#76B7B2",
    "#59A14F",
    "#EDC948",
    "#B07AA1",
    "#FF9DA7",
    "#9C755F",
    "#A0CBE8",
    "#FFBE7D",
    "#FF9D9A",
    "#86BCB6",
    "#8CD17D",
    "#F1CE63",
    "#D4A6C8",
    "#FABFD2",
    "#D7B5A6",
)
NEW_COLOUR = "#BAB0AC"
CHURNED_COLOUR = "#79706E"
CHOSEN_COLOUR = "#E15759"
LINE_COLOUR = "#4E79A7"
DIMENSION_TITLES = {"income": "Income", "age": "Age", "tenure": "Tenure"}
DIMENSION_UNITS = {"age": " y", "tenure": " mo"}

ProductMeasure = Literal["holding_rate", "total_revenue", "total_assets", "total_liabilities"]
HistoryMeasure = Literal["customers", "total_revenue", "total_assets", "total_liabilities"]

# Hover text ending: the customers behind a share, which a share alone hides.
_CUSTOMERS_HOVER = " (%{customdata:,.0f} customers)<extra></extra>"
# Short legends (a line and a marker) go under the plot.
_BOTTOM_LEGEND = {"orientation": "h", "yanchor": "top", "y": -0.22, "xanchor": "left", "x": 0}
# Segment names are long: a vertical legend on the right never overlaps axis titles, and
# wrapped names keep it narrow. Trace order is group order, stacked traces included.
_RIGHT_LEGEND = {"orientation": "v", "traceorder": "normal", "yanchor": "top", "y": 1, "x": 1.02}


def segment_colour(segment_id: int) -> str:
    """The colour of a segment on every page: fixed by its stable id."""
    return SEGMENT_PALETTE[(int(segment_id) - 1) % len(SEGMENT_PALETTE)]


@dataclass(frozen=True)
class GroupStyle:
    """How the groups of one grouping (segments or business tiers) look on every chart."""

    noun: str  # "segment" or "tier"
    keys: tuple[str, ...]  # group keys in display order: segment ids as text, or tier names
    labels: Mapping[str, str]
    colours: Mapping[str, str]

    def label(self, key: object) -> str:
        return self.labels[str(key)]

    def colour(self, key: object) -> str:
        return self.colours[str(key)]

    def subset(self, keys: Sequence[str]) -> GroupStyle:
        """The same look for fewer groups, in the same order: what a filter leaves."""
        wanted = set(keys)
        return GroupStyle(self.noun, tuple(key for key in self.keys if key in wanted), self.labels, self.colours)

    def ticktext(self, key: object) -> str:
        """The label followed by a square of the group's colour, for heatmap axes."""
        return f"{self.label(key)} <span style='color:{self.colour(key)}'>■</span>"


def segment_style(profiles: pd.DataFrame) -> GroupStyle:
    """Segments in id order, named as in the marts; a name two segments share gets the id."""
    ordered = profiles.sort_values("segment_id")
    repeated = set(ordered.loc[ordered["segment_name"].duplicated(), "segment_name"])
    labels = {
        str(segment_id): f"{name} (#{segment_id})" if name in repeated else name
        for segment_id, name in zip(ordered["segment_id"], ordered["segment_name"], strict=True)
    }
    colours = {str(segment_id): segment_colour(segment_id) for segment_id in ordered["segment_id"]}
    return GroupStyle("segment", tuple(labels), labels, colours)


def tier_style(tiers: Sequence[str]) -> GroupStyle:
    """Tiers in the given order (the bank's, lowest first), from light to dark purple,
    so the shade reads as the rank and never looks like a segment's colour."""
    positions = [0.65] if len(tiers) == 1 else [0.4 + 0.55 * i / (len(tiers) - 1) for i in range(len(tiers))]
    colours = sample_colorscale("Purples", positions, colortype="rgb")
    labels = {tier: tier[:1].upper() + tier[1:] for tier in tiers}
    return GroupStyle("tier", tuple(tiers), labels, dict(zip(tiers, colours, strict=True)))


# Model analysis ---------------------------------------------------------------------------


def elbow_chart(diagnostics: pd.DataFrame) -> go.Figure:
    """Inertia by k, the chosen k marked: look for where adding a segment stops paying."""
    ordered = diagnostics.sort_values("k")
    figure = go.Figure(
        go.Scatter(
            x=ordered["k"],
            y=ordered["inertia"],
            mode="lines+markers",
            name="Inertia",
            line={"color": LINE_COLOUR},
            hovertemplate="k = %{x}<br>inertia %{y:,.0f}<extra></extra>",
        )
    )
    figure.add_trace(_chosen_k_marker(ordered, "inertia", ",.0f"))
    chosen = ordered.loc[ordered["is_chosen_k"].astype(bool), "k"]
    if not chosen.empty:
        figure.add_vline(x=int(chosen.iloc[0]), line={"color": CHOSEN_COLOUR, "dash": "dot", "width": 1})
    figure.update_xaxes(dtick=1)
    figure.update_yaxes(tickformat=",.0f")
    return _finish(figure, "Elbow: inertia by number of segments", "Number of segments (k)", "Inertia")


def quality_chart(diagnostics: pd.DataFrame) -> go.Figure:
    """Silhouette, Davies-Bouldin and Calinski-Harabasz by k, side by side, the chosen k marked."""
    ordered = diagnostics.sort_values("k")
    metrics = {
        "silhouette": ("Silhouette", "higher is better", ".2f"),
        "davies_bouldin": ("Davies-Bouldin", "lower is better", ".2f"),
        "calinski_harabasz": ("Calinski-Harabasz", "higher is better", ",.0f"),
    }
    figure = make_subplots(
        rows=1, cols=3, horizontal_spacing=0.11, subplot_titles=[better for _, better, _ in metrics.values()]
    )
    for column, (metric, (title, _, number_format)) in enumerate(metrics.items(), start=1):
        figure.add_trace(
            go.Scatter(
                x=ordered["k"],
                y=ordered[metric],
                mode="lines+markers",
                name="Score",
                legendgroup="score",
                showlegend=column == 1,
                line={"color": LINE_COLOUR},
                hovertemplate=f"k = %{{x}}<br>{title} %{{y:{number_format}}}<extra></extra>",
            ),
            row=1,
            col=column,
        )
        marker = _chosen_k_marker(ordered, metric, number_format)
        marker.update(legendgroup="chosen", showlegend=column == 1)
        figure.add_trace(marker, row=1, col=column)
        figure.update_xaxes(title_text="k", dtick=1, row=1, col=column)
        figure.update_yaxes(title_text=title, tickformat=number_format, row=1, col=column)
    figure.update_annotations(font={"size": 12})  # the subplot titles
    figure.update_layout(title={"text": "Fit quality by number of segments (k)"}, legend=_BOTTOM_LEGEND, height=420)
    return figure


def centroid_heatmap(heatmap: pd.DataFrame, importance: pd.DataFrame, style: GroupStyle) -> go.Figure:
    """Segment x feature on the model's scale: numeric features in standard deviations (0 is the
    average customer), red above and blue below; one-hot levels as the segment's share at the
    level (value_unit). Features ordered by importance, most separating first."""
    present = set(heatmap["feature"])
    features = [feature for feature in importance.sort_values("importance_rank")["feature"] if feature in present]
    grid = heatmap.pivot_table(index="segment_id", columns="feature", values="standardized_value").reindex(
        index=[int(key) for key in style.keys], columns=features
    )
    units = heatmap.pivot_table(index="segment_id", columns="feature", values="value_unit", aggfunc="first").reindex(
        index=grid.index, columns=features
    )
    labels = heatmap.drop_duplicates("feature").set_index("feature")["feature_label"]
    # A symmetric scale, so that white is exactly the average customer.
    limit = max(1.0, float(grid.abs().max().max()))
    figure = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=[labels[feature] for feature in features],
            y=[style.ticktext(segment_id) for segment_id in grid.index],
            zmid=0,
            zmin=-limit,
            zmax=limit,
            colorscale="RdBu_r",
            text=grid.map(lambda value: f"{round(value, 1) + 0.0:+.1f}").to_numpy(),  # never "-0.0"
            texttemplate="%{text}",
            colorbar={"title": {"text": "Std. units or share"}},
            customdata=units.to_numpy(),
            hovertemplate="%{y}<br>%{x}: %{z:+.2f} %{customdata}<extra></extra>",
        )
    )
    figure.update_yaxes(autorange="reversed")
    figure.update_xaxes(tickangle=-40)
    return _finish(
        figure,
        "Standardized centroids: how each segment differs from the average customer",
        "Model feature (most separating first)",
        "Segment",
        height=260 + 55 * len(style.keys),
    )


def importance_chart(importance: pd.DataFrame) -> go.Figure:
    """How much of each feature's variance lies between segments, ranked."""
    ordered = importance.sort_values("importance_rank")
    figure = go.Figure()
    for kind, colour, name in (("numeric", LINE_COLOUR, "Numeric feature"), ("one_hot", "#F28E2B", "Category level")):
        rows = ordered.loc[ordered["feature_kind"] == kind]
        figure.add_trace(
            go.Bar(
                x=rows["importance"],
                y=rows["feature_label"],
                orientation="h",
                name=name,
                marker={"color": colour},
                text=[fmt.percent(value, 0) for value in rows["importance"]],
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{y}: %{x:.1%} of its variance between segments<extra></extra>",
            )
        )
    figure.update_yaxes(categoryorder="array", categoryarray=list(ordered["feature_label"])[::-1])
    figure.update_xaxes(tickformat=".0%", range=[0, min(1.0, float(ordered["importance"].max()) * 1.12)])
    return _finish(
        figure,
        "Feature importance: share of each feature's variance between segments",
        "Between-segment share of variance",
        "Model feature",
        height=160 + 24 * len(ordered),
    )


# Model health -----------------------------------------------------------------------------


def drift_chart(drift: pd.DataFrame) -> go.Figure:
    """PSI of the segment mix and the largest feature PSI per month against the reference month;
    months whose advice is a refit marked."""
    ordered = drift.sort_values("month_date")
    figure = go.Figure()
    for column, name, colour in (
        ("segment_mix_psi", "Segment mix", LINE_COLOUR),
        ("largest_feature_psi", "Largest feature", "#F28E2B"),
    ):
        figure.add_trace(
            go.Scatter(
                x=ordered["month_date"],
                y=ordered[column],
                customdata=ordered["largest_feature"],
                mode="lines+markers",
                name=name,
                line={"color": colour},
                hovertemplate=f"{name}<br>%{{x|%b %Y}}: PSI %{{y:.3f}}"
                + ("<br>%{customdata}" if column == "largest_feature_psi" else "")
                + "<extra></extra>",
            )
        )
    refit = ordered.loc[ordered["refit_recommended"].eq(True).to_numpy(dtype=bool, na_value=False)]
    figure.add_trace(
        go.Scatter(
            x=refit["month_date"],
            y=refit[["segment_mix_psi", "largest_feature_psi"]].max(axis=1),
            mode="markers",
            name="Refit recommended",
            marker={"color": CHOSEN_COLOUR, "size": 14, "symbol": "x"},
            hovertemplate="%{x|%b %Y}: refit recommended<extra></extra>",
        )
    )
    reference = ordered.loc[ordered["is_reference_month"].astype(bool), "month_date"]
    if not reference.empty:
        figure.add_vline(x=reference.iloc[0], line={"color": "#333333", "dash": "dot", "width": 1})
    figure.update_xaxes(tickformat="%b %Y")
    # three decimals: a stable model's PSI stays in the hundredths
    figure.update_yaxes(tickformat=".3f", rangemode="tozero")
    return _finish(figure, "Drift against the reference month (PSI)", "Month", "Population stability index")


def pca_chart(sample: pd.DataFrame, style: GroupStyle) -> go.Figure:
    """A sample of customers on the first two principal components, coloured by segment: how far
    apart the segments lie in the model's space (two axes of many: overlap here may be
    separation in another direction)."""
    figure = go.Figure()
    for key in style.keys:
        rows = sample.loc[sample["segment_id"].astype(str) == key]
        figure.add_trace(
            go.Scattergl(
                x=rows["pc1"],
                y=rows["pc2"],
                mode="markers",
                name=_wrap(style.label(key)),
                marker={"color": style.colour(key), "size": 5, "opacity": 0.6},
                customdata=rows["customer_id"],
                hovertemplate=f"{style.label(key)}<br>customer %{{customdata}}<extra></extra>",
            )
        )
    first = sample.iloc[0]
    return _finish(
        figure,
        f"Customers on the first two principal components ({fmt.count(len(sample))} sampled)",
        f"First component ({fmt.percent(first['pc1_variance_share'], 0)} of the variance)",
        f"Second component ({fmt.percent(first['pc2_variance_share'], 0)})",
        legend_title="Segment",
        height=520,
    )


def borderline_chart(profiles: pd.DataFrame, style: GroupStyle) -> go.Figure:
    """Per segment, the share of its customers on a boundary (borderline) and far from its
    centre (outliers) at the reference month."""
    ordered = profiles.assign(key=profiles["segment_id"].astype(str)).set_index("key").loc[list(style.keys)]
    labels = [_wrap(style.label(key)) for key in ordered.index]
    figure = go.Figure()
    for column, name, colour in (
        ("share_borderline", "Borderline", "#F1CE63"),
        ("share_outlier", "Outliers", "#79706E"),
    ):
        figure.add_trace(
            go.Bar(
                x=labels,
                y=ordered[column],
                name=name,
                marker={"color": colour},
                customdata=(ordered[column] * ordered["customers"]).round(),
                text=[fmt.percent(value) for value in ordered[column]],
                textposition="outside",
                cliponaxis=False,
                hovertemplate=f"{name}: %{{y:.1%}}" + _CUSTOMERS_HOVER,
            )
        )
    figure.update_yaxes(tickformat=".0%", rangemode="tozero")
    return _finish(figure, "Borderline and outlier customers per segment", "Segment", "Share of the segment")


def drivers_chart(move: pd.DataFrame, top: int = 8) -> go.Figure:
    """One move's features ranked by how much more the movers changed than those who stayed
    (standardized units): what set the movers apart."""
    shown = move.sort_values("driver_rank").head(top)
    colours = [LINE_COLOUR if value >= 0 else CHOSEN_COLOUR for value in shown["relative_change"]]
    figure = go.Figure(
        go.Bar(
            x=shown["relative_change"],
            y=shown["feature_label"],
            orientation="h",
            marker={"color": colours},
            customdata=shown[["mover_change", "stayer_change"]].fillna(0).to_numpy(),
            hovertemplate="%{y}<br>movers %{customdata[0]:+.2f}, stayers %{customdata[1]:+.2f}"
            "<br>difference %{x:+.2f}<extra></extra>",
        )
    )
    figure.update_yaxes(categoryorder="array", categoryarray=list(shown["feature_label"])[::-1])
    first = shown.iloc[0] if not shown.empty else None
    title = "What the movers changed" + (f": {first['from_label']} → {first['to_label']}" if first is not None else "")
    return _finish(
        figure,
        title,
        "Movers' change less stayers' change (standard deviations)",
        "Model feature",
        height=160 + 34 * len(shown),
    )


# Segments and tiers -----------------------------------------------------------------------


def overview_chart(summary: pd.DataFrame, style: GroupStyle, currency: str) -> go.Figure:
    """Customers, revenue, assets and liabilities of each group, side by side on one axis of groups."""
    ordered = summary.set_index("group_key").loc[[key for key in style.keys if key in set(summary["group_key"])]]
    counts = zip(ordered["customers"], ordered["customer_share"], strict=True)
    shares = [f"{fmt.count(customers)} ({fmt.percent(share)})" for customers, share in counts]
    panels = (
        ("customers", "Customers", shares, ""),
        ("total_revenue", "Revenue", [fmt.money_compact(v, currency) for v in ordered["total_revenue"]], currency),
        ("total_assets", "Assets", [fmt.money_compact(v, currency) for v in ordered["total_assets"]], currency),
        (
            "total_liabilities",
            "Liabilities",
            [fmt.money_compact(v, currency) for v in ordered["total_liabilities"]],
            currency,
        ),
    )
    figure = make_subplots(
        rows=1,
        cols=4,
        shared_yaxes=True,
        horizontal_spacing=0.04,
        subplot_titles=["Customers (share)", "Revenue (month)", "Assets (held)", "Liabilities (owed)"],
    )
    for column_number, (column, title, text, prefix) in enumerate(panels, start=1):
        figure.add_trace(
            go.Bar(
                x=ordered[column],
                y=[_wrap(style.label(key)) for key in ordered.index],
                orientation="h",
                marker={"color": [style.colour(key) for key in ordered.index]},
                text=text,
                textposition="outside",
                textangle=0,
                cliponaxis=False,
                name=title,
                showlegend=False,
                hovertemplate="%{y}<br>%{text}<extra></extra>",
            ),
            row=1,
            col=column_number,
        )
        figure.update_xaxes(
            title_text=f"{title} ({currency})" if prefix else title,
            tickformat=",.0f" if column == "customers" else "~s",
            tickprefix=prefix,
            range=_padded_range(ordered[column]),
            row=1,
            col=column_number,
        )
    figure.update_yaxes(autorange="reversed", title_text=style.noun.capitalize(), row=1, col=1)
    figure.update_annotations(font={"size": 12})  # the subplot titles
    figure.update_layout(
        title={"text": f"{style.noun.capitalize()}s at a glance: customers, revenue, assets and liabilities"},
        height=160 + 70 * len(ordered),
    )
    return figure


def quintile_chart(demographics: pd.DataFrame, style: GroupStyle, currency: str) -> go.Figure:
    """Per income, age and tenure quintile of all active customers, the share of each group's
    customers: a group leaning to Q5 is richer, older or longer-standing than the bank."""
    dimensions = [dimension for dimension in DIMENSION_TITLES if dimension in set(demographics["dimension"])]
    figure = make_subplots(
        rows=len(dimensions), cols=1, subplot_titles=[DIMENSION_TITLES[d] for d in dimensions], vertical_spacing=0.14
    )
    for row_number, dimension in enumerate(dimensions, start=1):
        rows = demographics.loc[demographics["dimension"] == dimension]
        buckets = rows.drop_duplicates("quintile_label").sort_values("quintile", na_position="last")
        ticks = {
            label: _quintile_tick(label, lower, upper, dimension, currency)
            for label, lower, upper in buckets[["quintile_label", "lower_bound", "upper_bound"]].itertuples(index=False)
        }
        for key in style.keys:
            group = rows.loc[rows["group_key"] == key].set_index("quintile_label").reindex(list(ticks))
            figure.add_trace(
                go.Bar(
                    x=list(ticks.values()),
                    y=group["share_of_group"].fillna(0),
                    name=_wrap(style.label(key)),
                    legendgroup=key,
                    showlegend=row_number == 1,
                    marker={"color": style.colour(key)},
                    customdata=group["customers"].fillna(0),
                    hovertemplate=f"{style.label(key)}<br>%{{x}}<br>%{{y:.1%}}{_CUSTOMERS_HOVER}",
                ),
                row=row_number,
                col=1,
            )
        figure.update_xaxes(title_text=f"{DIMENSION_TITLES[dimension]} quintile", row=row_number, col=1)
        figure.update_yaxes(title_text="Share", tickformat=".0%", row=row_number, col=1)
    figure.update_layout(
        title={"text": f"Demographics: each {style.noun}'s customers per quintile of all active customers"},
        barmode="group",
        legend=_RIGHT_LEGEND | {"title": {"text": style.noun.capitalize()}},
        height=150 + 250 * len(dimensions),
    )
    return figure


def cross_sell_chart(cross_sell: pd.DataFrame, style: GroupStyle) -> go.Figure:
    """How many product types the customers of each group hold."""
    figure = go.Figure()
    for key in style.keys:
        rows = cross_sell.loc[cross_sell["group_key"] == key].sort_values("product_types_held")
        if rows.empty:
            continue
        average = float(rows["avg_product_types_held"].iloc[0])
        figure.add_trace(
            go.Bar(
                x=rows["product_types_held"],
                y=rows["share_of_group"],
                name=_wrap(f"{style.label(key)} (avg {average:.1f})"),
                marker={"color": style.colour(key)},
                customdata=rows["customers"],
                hovertemplate=f"{style.label(key)}<br>%{{x}} types: %{{y:.1%}}{_CUSTOMERS_HOVER}",
            )
        )
    figure.update_xaxes(dtick=1)
    figure.update_yaxes(tickformat=".0%")
    figure.update_layout(barmode="group")
    return _finish(
        figure,
        f"Cross-sell: number of product types held, per {style.noun}",
        "Product types held",
        f"Share of the {style.noun}'s customers",
        legend_title=style.noun.capitalize(),
    )


def product_mix_chart(
    product_mix: pd.DataFrame, style: GroupStyle, measure: ProductMeasure, currency: str
) -> go.Figure:
    """One product measure per product type and group."""
    title, y_title, number_format, prefix = {
        "holding_rate": ("Holding rate by product type", f"Share of the {style.noun}'s customers", ".0%", ""),
        "total_revenue": ("Revenue by product type (reference month)", f"Revenue ({currency})", ",.3~s", currency),
        "total_assets": ("Assets by product type (reference month)", f"Assets held ({currency})", ",.3~s", currency),
        "total_liabilities": (
            "Liabilities by product type (reference month)",
            f"Owed ({currency})",
            ",.3~s",
            currency,
        ),
    }[measure]
    product_labels = product_mix.drop_duplicates("product_type").set_index("product_type")["product_label"]
    product_types = sorted(product_mix["product_type"].unique())
    if measure in ("total_assets", "total_liabilities"):
        kept = product_mix.loc[product_mix["is_liability"].astype(bool) == (measure == "total_liabilities")]
        product_types = sorted(kept["product_type"].unique())
    figure = go.Figure()
    for key in style.keys:
        rows = product_mix.loc[product_mix["group_key"] == key].set_index("product_type").reindex(product_types)
        figure.add_trace(
            go.Bar(
                x=[fmt.product_label(product_labels[product]) for product in product_types],
                y=rows[measure].fillna(0),
                name=_wrap(style.label(key)),
                marker={"color": style.colour(key)},
                customdata=rows["holders"].fillna(0),
                hovertemplate=f"{style.label(key)}<br>%{{x}}: {prefix}%{{y:{number_format}}}"
                " (%{customdata:,.0f} holders)<extra></extra>",
            )
        )
    figure.update_yaxes(tickformat=number_format, tickprefix=prefix)
    figure.update_layout(barmode="group")
    return _finish(figure, title, "Product type", y_title, legend_title=style.noun.capitalize())


# Segment vs tier --------------------------------------------------------------------------


def matrix_heatmap(
    matrix: pd.DataFrame,
    segments: GroupStyle,
    tiers: GroupStyle,
    measure: Literal["customers", "total_revenue", "total_assets"],
    share_of: Literal["segment", "tier"],
    currency: str,
) -> go.Figure:
    """Segment x tier: the colour and first line are the measure, the second line its share of
    the segment (rows add to 100%) or of the tier (columns add to 100%)."""
    is_customers = measure == "customers"
    share_prefix, name, title = {
        "customers": ("", "Customers", "Customers by segment and tier"),
        "total_revenue": ("revenue_", f"Revenue ({currency})", "Revenue by segment and tier (reference month)"),
        "total_assets": ("asset_", f"Assets ({currency})", "Assets held by segment and tier (reference month)"),
    }[measure]
    share = f"{share_prefix}share_of_{share_of}"
    index, columns = [int(key) for key in segments.keys], list(tiers.keys)

    def grid(column: str) -> pd.DataFrame:
        return matrix.pivot_table(index="segment_id", columns="tier", values=column, aggfunc="sum").reindex(
            index=index, columns=columns
        )

    values, shares = grid(measure), grid(share)
    as_text = fmt.count if is_customers else (lambda number: fmt.money_compact(number, currency))
    text = [
        [f"{as_text(v)}<br>{fmt.percent(s)}" if pd.notna(v) else fmt.NOTHING for v, s in zip(*row, strict=True)]
        for row in zip(values.to_numpy(), shares.to_numpy(), strict=True)
    ]
    figure = go.Figure(
        go.Heatmap(
            z=values.to_numpy(),
            x=[tiers.label(tier) for tier in columns],
            y=[segments.ticktext(segment_id) for segment_id in index],
            text=text,
            texttemplate="%{text}",
            colorscale="Blues",
            colorbar={"title": {"text": name}},
            hovertemplate=f"%{{y}}<br>tier %{{x}}<br>%{{text}} of the {share_of}<extra></extra>",
        )
    )
    figure.update_yaxes(autorange="reversed")
    return _finish(
        figure, f"{title}, with the share of the {share_of}", "Business tier", "Segment", height=200 + 70 * len(index)
    )


def composition_chart(matrix: pd.DataFrame, rows: GroupStyle, colours: GroupStyle) -> go.Figure:
    """100% bars: each group of `rows` split into the groups of `colours` (the tiers within
    each segment, or the segments within each tier)."""
    by_segment = rows.noun == "segment"
    row_column, colour_column = ("segment_id", "tier") if by_segment else ("tier", "segment_id")
    share = "share_of_segment" if by_segment else "share_of_tier"
    keyed = matrix.assign(row_key=matrix[row_column].astype(str), colour_key=matrix[colour_column].astype(str))
    figure = go.Figure()
    for key in colours.keys:
        part = keyed.loc[keyed["colour_key"] == key].set_index("row_key").reindex(list(rows.keys)).fillna(0)
        figure.add_trace(
            go.Bar(
                x=part[share],
                y=[_wrap(rows.label(row_key)) for row_key in rows.keys],
                orientation="h",
                name=_wrap(colours.label(key)),
                marker={"color": colours.colour(key)},
                text=[fmt.percent(value, 0) for value in part[share]],
                textposition="inside",
                textangle=0,
                customdata=part["customers"],
                hovertemplate=f"%{{y}}<br>{colours.label(key)}: %{{x:.1%}}{_CUSTOMERS_HOVER}",
            )
        )
    figure.update_xaxes(tickformat=".0%", range=[0, 1])
    figure.update_yaxes(autorange="reversed")
    # Labels only where they fit, never squeezed or turned.
    figure.update_layout(barmode="stack", uniformtext={"minsize": 11, "mode": "hide"})
    return _finish(
        figure,
        f"{colours.noun.capitalize()} mix of each {rows.noun}",
        f"Share of the {rows.noun}'s customers",
        rows.noun.capitalize(),
        legend_title=colours.noun.capitalize(),
        # Tall enough for the bars and for a legend of two-line segment names.
        height=max(220 + 60 * len(rows.keys), 180 + 45 * len(colours.keys)),
    )


# Segment evolution ------------------------------------------------------------------------


def history_chart(history: pd.DataFrame, style: GroupStyle, measure: HistoryMeasure, currency: str) -> go.Figure:
    """Customers per segment and month as stacked areas (they add up to the active
    customers), or revenue, assets or liabilities per segment and month as lines."""
    is_customers = measure == "customers"
    number_format, prefix = (",.0f", "") if is_customers else (",.3~s", currency)
    figure = go.Figure()
    for key in style.keys:
        rows = history.loc[history["segment_id"].astype(str) == key].sort_values("month_date")
        figure.add_trace(
            go.Scatter(
                x=rows["month_date"],
                y=rows[measure],
                name=_wrap(style.label(key)),
                mode="lines",
                stackgroup="all" if is_customers else None,
                line={"color": style.colour(key), "width": 2},
                hovertemplate=f"{style.label(key)}<br>%{{x|%b %Y}}: {prefix}%{{y:{number_format}}}<extra></extra>",
            )
        )
    figure.update_xaxes(tickformat="%b %Y")
    figure.update_yaxes(tickformat=number_format, tickprefix=prefix)
    title, y_title = {
        "customers": ("Customers per segment", "Active customers"),
        "total_revenue": ("Revenue per segment", f"Revenue ({currency})"),
        "total_assets": ("Assets held per segment", f"Assets ({currency})"),
        "total_liabilities": ("Liabilities (owed) per segment", f"Owed ({currency})"),
    }[measure]
    return _finish(figure, title, "Month", y_title, legend_title="Segment")


def stability_chart(history: pd.DataFrame, style: GroupStyle) -> go.Figure:
    """Of the customers active in a month and the month before, the share who kept their
    segment: overall (thick) and per segment (its retention, dotted)."""
    months = history.drop_duplicates("month_date").sort_values("month_date").dropna(subset=["month_stability"])
    figure = go.Figure(
        go.Scatter(
            x=months["month_date"],
            y=months["month_stability"],
            name="All customers",
            mode="lines+markers",
            line={"color": "#333333", "width": 3},
            hovertemplate="All customers<br>%{x|%b %Y}: %{y:.1%} kept their segment<extra></extra>",
        )
    )
    for key in style.keys:
        segment = history.loc[history["segment_id"].astype(str) == key].sort_values("month_date")
        rows = segment.dropna(subset=["segment_retention"])
        figure.add_trace(
            go.Scatter(
                x=rows["month_date"],
                y=rows["segment_retention"],
                name=_wrap(style.label(key)),
                mode="lines",
                line={"color": style.colour(key), "width": 1.5, "dash": "dot"},
                hovertemplate=f"{style.label(key)}<br>%{{x|%b %Y}}: %{{y:.1%}} stayed<extra></extra>",
            )
        )
    figure.update_xaxes(tickformat="%b %Y")
    figure.update_yaxes(tickformat=".0%")
    return _finish(
        figure,
        "Monthly stability: share of customers keeping their segment",
        "Month",
        "Kept their segment",
        legend_title="Customers",
    )


def transitions_sankey(
    flows: pd.DataFrame, style: GroupStyle, from_month: pd.Timestamp, to_month: pd.Timestamp
) -> go.Figure:
    """Customers moving between segments from one month to another: segments and new
    customers on the left, segments and churned customers on the right."""
    nodes = _sankey_nodes(flows, "from", style) + _sankey_nodes(flows, "to", style)
    index = {(side, state): position for position, (side, state, _, _) in enumerate(nodes)}
    figure = go.Figure(
        go.Sankey(
            arrangement="snap",
            valueformat=",.0f",
            valuesuffix=" customers",
            node={
                "label": [label for _, _, label, _ in nodes],
                "color": [colour for _, _, _, colour in nodes],
                "pad": 14,
                "thickness": 18,
                "line": {"width": 0},
                "hovertemplate": "%{label}<extra></extra>",
            },
            link={
                "source": [index[("from", state)] for state in flows["from_state"]],
                "target": [index[("to", state)] for state in flows["to_state"]],
                "value": flows["customers"],
                "color": [_transparent(_state_colour(state, style), 0.45) for state in flows["from_state"]],
                "hovertemplate": "%{source.label} → %{target.label}<extra></extra>",
            },
            textfont={"size": 13, "color": "#262730", "shadow": "none"},
        )
    )
    # A Sankey has no axes: the two months label its two sides.
    for x, anchor, month in ((0, "left", from_month), (1, "right", to_month)):
        figure.add_annotation(
            x=x, y=1.06, xref="paper", yref="paper", text=f"<b>{fmt.month(month)}</b>", showarrow=False, xanchor=anchor
        )
    figure.update_layout(
        title={"text": f"Moves between segments, {fmt.month(from_month)} → {fmt.month(to_month)}"},
        height=max(460, 90 * len(style.keys)),
        margin={"t": 90},
    )
    return figure


# Helpers ----------------------------------------------------------------------------------


def _finish(
    figure: go.Figure, title: str, x_title: str, y_title: str, legend_title: str | None = None, height: int = 430
) -> go.Figure:
    """Title, axis titles and legend: groups (with a legend title) on the right, others below."""
    legend = _RIGHT_LEGEND if legend_title else _BOTTOM_LEGEND
    figure.update_layout(
        title={"text": title},
        xaxis_title=x_title,
        yaxis_title=y_title,
        legend=legend | {"title": {"text": legend_title or ""}},
        height=height,
    )
    return figure


def _chosen_k_marker(ordered: pd.DataFrame, metric: str, number_format: str) -> go.Scatter:
    chosen = ordered.loc[ordered["is_chosen_k"].astype(bool)]
    return go.Scatter(
        x=chosen["k"],
        y=chosen[metric],
        mode="markers",
        name="Chosen k",
        marker={"color": CHOSEN_COLOUR, "size": 16, "symbol": "star"},
        hovertemplate=f"chosen k = %{{x}}<br>%{{y:{number_format}}}<extra></extra>",
    )


def _quintile_tick(label: str, lower: float, upper: float, dimension: str, currency: str) -> str:
    if label == "unknown":
        return "Unknown"
    if dimension == "income":
        bounds = f"{fmt.money_compact(lower, currency)}{fmt.RANGE}{fmt.money_compact(upper, currency)}"
    else:
        bounds = f"{lower:,.0f}{fmt.RANGE}{upper:,.0f}{DIMENSION_UNITS.get(dimension, '')}"
    return f"Q{label}<br>{bounds}"


def _sankey_nodes(flows: pd.DataFrame, side: str, style: GroupStyle) -> list[tuple[str, str, str, str]]:
    """(side, state, label, colour) per state present on that side: segments in style order,
    then new or churned customers, each labelled with its customers."""
    totals = flows.groupby(f"{side}_state")["customers"].sum()
    states = [key for key in style.keys if key in totals.index] + [s for s in ("new", "churned") if s in totals.index]
    names = {"new": "New customers", "churned": "Churned"}
    return [
        (
            side,
            state,
            f"{names.get(state) or style.label(state)} ({fmt.count(totals[state])})",
            _state_colour(state, style),
        )
        for state in states
    ]


def _state_colour(state: str, style: GroupStyle) -> str:
    return {"new": NEW_COLOUR, "churned": CHURNED_COLOUR}.get(state) or style.colour(state)


def _transparent(colour: str, alpha: float) -> str:
    """#4E79A7 or rgb(78, 121, 167) -> rgba(78, 121, 167, alpha), for Sankey links."""
    if colour.startswith("#"):
        red, green, blue = hex_to_rgb(colour)
    else:
        red, green, blue = (int(float(part)) for part in colour[colour.index("(") + 1 : -1].split(",")[:3])
    return f"rgba({red}, {green}, {blue}, {alpha})"


def _padded_range(values: pd.Series) -> list[float]:
    """An axis range from zero with room for the labels outside the bars."""
    low, high = min(0.0, float(values.min())), max(0.0, float(values.max()))
    return [low * 1.35, high * 1.35]


def _wrap(label: str, width: int = 28) -> str:
    """Long segment names over lines, cut at their ' · ' separators, so axes and legends stay narrow."""
    lines: list[str] = []
    for part in label.split(" · "):
        if lines and len(lines[-1]) + 3 + len(part) <= width:
            lines[-1] = f"{lines[-1]} · {part}"
        else:
            lines.append(part)
    return "<br>".join(lines)
