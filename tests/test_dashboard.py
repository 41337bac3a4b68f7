"""The dashboard (dashboard/): every page renders on the demo marts with Streamlit's AppTest,
a missing or empty database shows the build message, and the chart, summary, formatting and
connection functions do what they say. The pages as the read-only role on Postgres are tested in
test_postgres.py, beside the Postgres build they read."""

from __future__ import annotations

import importlib
import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, DuckdbBuild

DASHBOARD = ROOT / "dashboard"
APP = DASHBOARD / "app.py"
# Page file -> the chart titles it must show (each title starts with these words).
PAGES = {
    "app_pages/model_analysis.py": ["Elbow", "Fit quality", "Standardized centroids", "Feature importance"],
    "app_pages/model_health.py": [
        "Drift against the reference month",
        "Borderline and outlier customers",
        "Customers on the first two principal components",
    ],
    "app_pages/segment_analysis.py": ["Segments at a glance", "Demographics", "Holding rate", "Cross-sell"],
    "app_pages/tier_analysis.py": ["Tiers at a glance", "Demographics", "Holding rate", "Cross-sell"],
    "app_pages/segment_vs_tier.py": [
        "Customers by segment and tier",
        "Revenue by segment and tier",
        "Assets held by segment and tier",
        "Tier mix",
        "Segment mix",
    ],
    "app_pages/segment_evolution.py": [
        "Customers per segment",
        "Revenue per segment",
        "Assets held per segment",
        "Monthly stability",
        "Moves between",
        "What the movers changed",
    ],
}


def dashboard_module(name: str) -> ModuleType:
    """A dashboard module, imported as Streamlit imports it: by name, from dashboard/."""
    if str(DASHBOARD) not in sys.path:
        sys.path.insert(0, str(DASHBOARD))
    return importlib.import_module(name)


@pytest.fixture(scope="module")
def charts() -> ModuleType:
    return dashboard_module("charts")


@pytest.fixture(scope="module")
def summaries() -> ModuleType:
    return dashboard_module("summaries")


@pytest.fixture(scope="module")
def data() -> ModuleType:
    return dashboard_module("data")


@pytest.fixture(scope="module")
def fmt() -> ModuleType:
    return dashboard_module("formatting")


@pytest.fixture
def on_duckdb(duckdb_build: DuckdbBuild, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The dashboard's environment pointing at the demo build."""
    monkeypatch.delenv("DASHBOARD_DATABASE_URL", raising=False)
    monkeypatch.setenv("DBT_SCHEMA_PREFIX", "")
    monkeypatch.setenv("DBT_DUCKDB_PATH", str(duckdb_build.path))
    return duckdb_build.path


@pytest.fixture(scope="module")
def marts(duckdb_build: DuckdbBuild, data: ModuleType) -> dict[str, pd.DataFrame]:
    """Every mart the dashboard reads, read by the dashboard's own data layer."""
    source = data.Source("duckdb", str(duckdb_build.path), "marts")
    return {mart: data.read_mart(source, mart) for mart in data.MART_COLUMNS}


def run_page(page: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60).run()
    if page != "app_pages/model_analysis.py":  # the default page
        app.switch_page(page).run()
    return app


def chart_titles(app: AppTest) -> list[str]:
    return [json.loads(chart.proto.spec)["layout"]["title"]["text"] for chart in app.get("plotly_chart")]


def assert_rendered_without_error(app: AppTest) -> None:
    assert [exception.value for exception in app.exception] == []
    assert [error.value for error in app.error] == []


# Every page, through Streamlit -------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_its_charts_on_the_demo_marts(on_duckdb: Path, page: str) -> None:
    app = run_page(page)
    assert_rendered_without_error(app)
    titles = chart_titles(app)
    for expected in PAGES[page]:
        assert any(title.startswith(expected) for title in titles), (expected, titles)
    # Every chart names its axes (a Sankey has none: the months label its sides).
    for chart in app.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if spec["data"][0]["type"] != "sankey":
            titled = {key[0] for key, axis in spec["layout"].items() if key[1:5] == "axis" and axis.get("title")}
            assert titled == {"x", "y"}, spec["layout"]["title"]["text"]


def test_model_page_shows_the_model_summary(on_duckdb: Path) -> None:
    app = run_page("app_pages/model_analysis.py")
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Reference month"] == "Dec 2025"
    assert metrics["Segments (k)"] == "5"
    assert metrics["Training customers"] == "2,365"
    assert metrics["Inertia"] == "21,232"
    assert metrics["Random seed"] == "42"


def test_segment_page_tables_are_formatted_for_people(on_duckdb: Path) -> None:
    app = run_page("app_pages/segment_analysis.py")
    summary = app.table[0].value
    assert list(summary.columns[:3]) == ["Segment", "Customers", "Share of customers"]
    assert summary["Customers"].str.fullmatch(r"\d{1,3}(,\d{3})*").all()
    assert summary["Share of customers"].str.fullmatch(r"\d+\.\d%").all()
    assert summary["Revenue (month)"].str.fullmatch(r"-?€[\d,]+(\.\d\d)?").all()
    names = app.table[1].value
    assert names["Description"].str.len().gt(0).all()


def test_segment_filter_keeps_the_chosen_segments_and_their_colours(on_duckdb: Path, charts: ModuleType) -> None:
    app = run_page("app_pages/segment_analysis.py")
    app.sidebar.multiselect[0].set_value(["3"]).run()
    assert_rendered_without_error(app)
    cross_sell = next(
        c for c in app.get("plotly_chart") if "Cross-sell" in json.loads(c.proto.spec)["layout"]["title"]["text"]
    )
    traces = json.loads(cross_sell.proto.spec)["data"]
    assert [trace["marker"]["color"] for trace in traces] == [charts.segment_colour(3)]


def test_sankey_follows_the_months_picked(on_duckdb: Path) -> None:
    app = run_page("app_pages/segment_evolution.py")
    app.selectbox(key="sankey_from").set_value(pd.Timestamp("2025-11-30")).run()
    app.selectbox(key="sankey_to").set_value(pd.Timestamp("2025-12-31")).run()
    assert_rendered_without_error(app)
    assert "Moves between segments, Nov 2025 → Dec 2025" in chart_titles(app)


def test_model_health_page_gives_the_advice_and_the_recommended_k(on_duckdb: Path) -> None:
    app = run_page("app_pages/model_health.py")
    assert_rendered_without_error(app)
    metrics = {metric.label: metric.value for metric in app.metric}
    # the demo is fitted on its latest month: no month after it to advise on
    assert metrics["Advice for Dec 2025"] == "Not yet"
    assert metrics["Recommended k"] == "5"
    assert int(metrics["Borderline customers"].replace(",", "")) > 0
    tables = {frame.value.columns[0]: frame.value for frame in app.dataframe}
    assert tables["k"]["is_recommended"].sum() == 1
    assert set(tables["clustering_method"]["clustering_method"]) == {"kmeans", "ward", "gaussian_mixture"}
    assert tables["feature"]["would_drop"].any()
    # the stepwise screening's drops first, with why; reported only, as the demo builds
    dropped = tables["feature"].loc[tables["feature"]["screening_drops"]]
    assert len(dropped) == 2 and list(tables["feature"].index[:2]) == list(dropped.index)
    assert dropped["screening_reason"].notna().all() and not tables["feature"]["is_dropped"].any()


def test_customer_reasons_are_found_by_id(on_duckdb: Path, duckdb_build: DuckdbBuild) -> None:
    with duckdb_build.connect() as connection:
        customer = connection.execute(
            "select customer_id, top_reasons from marts.customer_segments order by customer_id limit 1"
        ).fetchone()
    app = run_page("app_pages/segment_analysis.py")
    app.text_input(key="reasons_customer_id").input(f" {customer[0]} ").run()
    assert_rendered_without_error(app)
    assert any(customer[1] in markdown.value for markdown in app.markdown)
    assert {metric.label for metric in app.metric} >= {"Segment", "Next nearest segment", "Assignment margin"}
    app.text_input(key="reasons_customer_id").input("no-such-customer").run()
    assert_rendered_without_error(app)
    assert any("No active customer no-such-customer" in info.value for info in app.info)


def test_transition_drivers_follow_the_move_picked(on_duckdb: Path) -> None:
    app = run_page("app_pages/segment_evolution.py")
    moves = app.selectbox(key="driver_move")
    assert len(moves.options) > 1
    moves.set_value(1).run()  # the second largest move (values are row positions)
    assert_rendered_without_error(app)
    titles = [title for title in chart_titles(app) if title.startswith("What the movers changed: ")]
    assert len(titles) == 1 and " → " in titles[0]


def test_segment_vs_tier_shares_switch(on_duckdb: Path) -> None:
    app = run_page("app_pages/segment_vs_tier.py")
    app.radio[0].set_value("tier").run()
    assert_rendered_without_error(app)
    assert "Customers by segment and tier, with the share of the tier" in chart_titles(app)


# No marts: a message, not a stack trace ---------------------------------------------------


def assert_build_message(app: AppTest) -> None:
    assert [exception.value for exception in app.exception] == []
    assert len(app.error) == 1
    assert "make build" in app.error[0].value
    assert app.get("plotly_chart") == []


@pytest.mark.parametrize("page", PAGES)
def test_missing_database_shows_the_build_message_on_every_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    monkeypatch.delenv("DASHBOARD_DATABASE_URL", raising=False)
    monkeypatch.setenv("DBT_DUCKDB_PATH", str(tmp_path / "never_built.duckdb"))
    app = run_page(page)
    assert_build_message(app)
    assert "no DuckDB database" in app.error[0].value


def test_database_without_marts_shows_the_build_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()
    monkeypatch.delenv("DASHBOARD_DATABASE_URL", raising=False)
    monkeypatch.setenv("DBT_DUCKDB_PATH", str(path))
    app = run_page("app_pages/model_analysis.py")
    assert_build_message(app)
    assert "is missing" in app.error[0].value


def test_empty_mart_shows_the_build_message(
    duckdb_build: DuckdbBuild, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "emptied.duckdb"
    shutil.copy(duckdb_build.path, path)
    with duckdb.connect(str(path)) as connection:
        connection.execute("delete from marts.segment_history")
    monkeypatch.delenv("DASHBOARD_DATABASE_URL", raising=False)
    monkeypatch.setenv("DBT_DUCKDB_PATH", str(path))
    app = run_page("app_pages/segment_evolution.py")
    assert_build_message(app)
    assert "segment_history` is empty" in app.error[0].value


# Snowflake, emulated offline by fakesnow ----------------------------------------------------


@pytest.fixture
def on_fakesnow(marts: dict[str, pd.DataFrame], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The demo marts in a Snowflake emulated by fakesnow (DuckDB underneath, no account), and
    the dashboard's environment pointing at it, as a user would point it at Snowflake."""
    import fakesnow
    import snowflake.connector
    import snowflake.connector.pandas_tools

    types = {"i": "integer", "f": "double", "b": "boolean", "M": "date"}
    with fakesnow.patch():
        connection = snowflake.connector.connect(
            account="bank", user="bi", password="pw", database="DW", schema="MARTS"
        )
        for mart, frame in marts.items():
            columns = ", ".join(f"{name} {types.get(frame[name].dtype.kind, 'varchar')}" for name in frame.columns)
            connection.cursor().execute(f"create table marts.{mart} ({columns})")
            # Snowflake's upper-case names, and dates as ISO text that the date columns take.
            upper = frame.rename(columns=str.upper).apply(
                lambda column: column.dt.strftime("%Y-%m-%d") if column.dtype.kind == "M" else column
            )
            snowflake.connector.pandas_tools.write_pandas(
                connection, upper, mart.upper(), database="DW", schema="MARTS"
            )
        monkeypatch.setenv("DASHBOARD_DATABASE_URL", "snowflake://bi:pw@bank/DW?warehouse=BI_WH&role=BI_READER")
        monkeypatch.setenv("DBT_SCHEMA_PREFIX", "")
        yield "snowflake://bi:pw@bank/DW"


@pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result")
def test_every_page_renders_on_snowflake_emulated_by_fakesnow(on_fakesnow: str, data: ModuleType, marts: dict) -> None:
    source = data.source_from_env()
    assert source.engine == "snowflake"
    for mart, duck in marts.items():
        snow = data.read_mart(source, mart)
        assert list(snow.columns) == list(duck.columns), mart
        assert len(snow) == len(duck), mart
    for page in PAGES:
        app = run_page(page)
        assert_rendered_without_error(app)
        assert len(app.get("plotly_chart")) >= len(PAGES[page]), page


# Data layer -------------------------------------------------------------------------------


def test_source_defaults_to_the_duckdb_file_at_the_root(data: ModuleType) -> None:
    source = data.source_from_env({})
    assert source == data.Source("duckdb", str(ROOT / "segmentation.duckdb"), "marts")


def test_source_from_urls_and_prefix(data: ModuleType) -> None:
    postgres = data.source_from_env(
        {"DASHBOARD_DATABASE_URL": "postgresql://bi:secret@db.bank:5433/dw", "DBT_SCHEMA_PREFIX": "dev_"}
    )
    assert (postgres.engine, postgres.schema) == ("postgres", "dev_marts")
    assert "secret" not in postgres.label
    assert "db.bank:5433/dw" in postgres.label
    snowflake = data.source_from_env({"DASHBOARD_DATABASE_URL": "snowflake://bi:pw@xy12345/BANK?warehouse=WH"})
    assert snowflake.engine == "snowflake"
    assert data.snowflake_parameters(snowflake.location) == {
        "account": "xy12345",
        "user": "bi",
        "password": "pw",
        "database": "BANK",
        "warehouse": "WH",
    }


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"DASHBOARD_DATABASE_URL": "mysql://x@y/z"}, "scheme `mysql`"),
        ({"DBT_SCHEMA_PREFIX": "x; drop table y; --"}, "not a plain identifier"),
    ],
)
def test_bad_settings_are_refused_with_a_message(data: ModuleType, environment: dict[str, str], message: str) -> None:
    with pytest.raises(data.DashboardError, match=message):
        data.source_from_env(environment)


def test_every_query_reads_only_the_marts_schema(data: ModuleType, marts: dict[str, pd.DataFrame]) -> None:
    assert set(marts) == set(data.MART_COLUMNS)
    for mart, frame in marts.items():
        assert list(frame.columns) == list(data.MART_COLUMNS[mart])
        assert not frame.empty, mart


def test_postgres_values_are_normalised(data: ModuleType) -> None:
    from decimal import Decimal

    raw = pd.DataFrame({"MONTH_DATE": [pd.Timestamp("2025-01-31").date()], "TOTAL_REVENUE": [Decimal("1.50")]})
    frame = data.normalise(raw)
    assert list(frame.columns) == ["month_date", "total_revenue"]
    assert pd.api.types.is_datetime64_any_dtype(frame["month_date"])
    assert frame["total_revenue"].dtype == float


# Formatting -------------------------------------------------------------------------------


def test_numbers_are_formatted_for_people(fmt: ModuleType) -> None:
    assert fmt.count(2365) == "2,365"
    assert fmt.money(12107.8, "€") == "€12,108"
    assert fmt.money(20.4537, "€") == "€20.45"
    assert fmt.money(-89421825.83, "€") == "-€89,421,826"
    assert fmt.money_compact(93306763.69, "€") == "€93.3M"
    assert fmt.money_compact(-1669.3, "$") == "-$1.7k"
    assert fmt.money_compact(950, "€") == "€950"
    assert fmt.percent(0.25031) == "25.0%"
    assert fmt.month(pd.Timestamp("2025-12-31")) == "Dec 2025"
    assert fmt.count(float("nan")) == fmt.NOTHING
    assert fmt.product_label("current_account") == "Current account"
    assert fmt.product_label("Crédit / Card") == "Crédit / Card"


# Charts and summaries, on the demo marts ----------------------------------------------------


def test_segment_colours_are_fixed_by_id(charts: ModuleType, marts: dict[str, pd.DataFrame]) -> None:
    style = charts.segment_style(marts["segment_profiles"])
    assert style.keys == ("1", "2", "3", "4", "5")
    assert [style.colour(key) for key in style.keys] == list(charts.SEGMENT_PALETTE[:5])
    shuffled = charts.segment_style(marts["segment_profiles"].sample(frac=1, random_state=1))
    assert shuffled == style
    assert style.subset(["4", "2"]).keys == ("2", "4")
    assert style.subset(["4"]).colour("4") == style.colour("4")
    # New and churned customers never look like a segment.
    assert {charts.NEW_COLOUR, charts.CHURNED_COLOUR}.isdisjoint(charts.SEGMENT_PALETTE)


def test_duplicate_segment_names_are_told_apart(charts: ModuleType) -> None:
    profiles = pd.DataFrame({"segment_id": [1, 2, 3], "segment_name": ["Savers", "Savers", "Borrowers"]})
    style = charts.segment_style(profiles)
    assert [style.label(key) for key in style.keys] == ["Savers (#1)", "Savers (#2)", "Borrowers"]


def test_overview_bars_use_the_segment_colours(charts: ModuleType, summaries: ModuleType, marts: dict) -> None:
    style = charts.segment_style(marts["segment_profiles"])
    figure = charts.overview_chart(summaries.segment_summary(marts["segment_profiles"]), style, "€")
    assert len(figure.data) == 4
    for bar in figure.data:
        assert list(bar.marker.color) == [style.colour(key) for key in style.keys]
    assert list(figure.data[0].x) == list(marts["segment_profiles"].sort_values("segment_id")["customers"])


def test_every_figure_has_a_title_and_axis_titles(charts: ModuleType, summaries: ModuleType, marts: dict) -> None:
    segments = charts.segment_style(marts["segment_profiles"])
    tier_summary = summaries.tier_summary(marts["segment_tier_matrix"])
    tiers = charts.tier_style(list(tier_summary["group_key"]))
    matrix = marts["segment_tier_matrix"]
    by_segment = {mart: marts[mart].loc[marts[mart]["grouping"] == "segment"] for mart in ("product_mix", "cross_sell")}
    figures = [
        charts.elbow_chart(marts["segment_k_diagnostics"]),
        charts.quality_chart(marts["segment_k_diagnostics"]),
        charts.centroid_heatmap(marts["segment_feature_heatmap"], marts["segment_feature_importance"], segments),
        charts.importance_chart(marts["segment_feature_importance"]),
        charts.overview_chart(tier_summary, tiers, "€"),
        charts.quintile_chart(marts["segment_demographics"].query("grouping == 'tier'"), tiers, "€"),
        charts.cross_sell_chart(by_segment["cross_sell"], segments),
        charts.product_mix_chart(by_segment["product_mix"], segments, "total_revenue", "€"),
        charts.matrix_heatmap(matrix, segments, tiers, "total_revenue", "tier", "€"),
        charts.composition_chart(matrix, tiers, segments),
        charts.history_chart(marts["segment_history"], segments, "customers", "€"),
        charts.stability_chart(marts["segment_history"], segments),
    ]
    for figure in figures:
        assert figure.layout.title.text
        for axis in (figure.layout.xaxis, figure.layout.yaxis):
            assert axis.title.text, figure.layout.title.text


def test_chosen_k_is_marked(charts: ModuleType, marts: dict) -> None:
    figure = charts.elbow_chart(marts["segment_k_diagnostics"])
    chosen = next(trace for trace in figure.data if trace.name == "Chosen k")
    assert list(chosen.x) == [5]
    quality = charts.quality_chart(marts["segment_k_diagnostics"])
    assert [list(trace.x) for trace in quality.data if trace.name == "Chosen k"] == [[5], [5], [5]]


def test_heatmap_is_the_standardized_centroids(charts: ModuleType, marts: dict) -> None:
    segments = charts.segment_style(marts["segment_profiles"])
    heatmap, importance = marts["segment_feature_heatmap"], marts["segment_feature_importance"]
    figure = charts.centroid_heatmap(heatmap, importance, segments)
    top = importance.sort_values("importance_rank")["feature"].iloc[0]
    expected = heatmap.loc[heatmap["feature"] == top].sort_values("segment_id")["standardized_value"]
    assert [row[0] for row in figure.data[0].z] == pytest.approx(list(expected))
    assert figure.data[0].zmid == 0


def test_sankey_carries_every_flow_with_new_and_churned(charts: ModuleType, summaries: ModuleType, marts: dict) -> None:
    segments = charts.segment_style(marts["segment_profiles"])
    transitions = marts["segment_transitions"]
    months = summaries.comparable_months(transitions)
    to_month = max(month for later in months.values() for month in later)
    from_month = min(month for month, later in months.items() if to_month in later)
    flows = summaries.flows_between(transitions, from_month, to_month)
    figure = charts.transitions_sankey(flows, segments, from_month, to_month)
    sankey = figure.data[0]
    assert sum(sankey.link.value) == flows["customers"].sum()
    labels = list(sankey.node.label)
    assert any(label.startswith("New customers") for label in labels)
    assert any(label.startswith("Churned") for label in labels)
    totals = summaries.flow_totals(flows)
    history = marts["segment_history"]
    active_at_end = history.loc[history["month_date"] == to_month, "customers"].sum()
    assert totals.stayed + totals.moved + totals.new == active_at_end


def test_tier_summary_adds_up(summaries: ModuleType, marts: dict) -> None:
    summary = summaries.tier_summary(marts["segment_tier_matrix"])
    profiles = marts["segment_profiles"]
    assert summary["customers"].sum() == profiles["customers"].sum()
    assert summary["total_revenue"].sum() == pytest.approx(profiles["total_revenue"].sum())
    assert summary["customer_share"].sum() == pytest.approx(1.0)
    # The bank's order (seed tiers: mass 1, affluent 2, private 3), not the alphabet's.
    assert list(summary["group_key"]) == ["mass", "affluent", "private"]


def test_model_summary(summaries: ModuleType, marts: dict) -> None:
    summary = summaries.model_summary(marts["segment_k_diagnostics"], marts["segment_profiles"])
    assert (summary.k, summary.training_customers) == (5, 2365)
    assert summary.reference_month == pd.Timestamp("2025-12-31")
    assert summary.inertia == pytest.approx(21231.79, abs=0.01)


def test_drift_chart_starts_a_year_before_the_reference_month(summaries: ModuleType, marts: dict) -> None:
    shown = summaries.drift_window(marts["segment_drift"])
    assert shown["month_date"].min() == pd.Timestamp("2024-12-31") and len(shown) == 13
