"""The analysis marts on the DuckDB demo build: they exist, are non-empty and reconcile with
the active customers."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from conftest import ALL_MARTS, DuckdbBuild


def query(build: DuckdbBuild, sql: str) -> pd.DataFrame:
    with build.connect() as connection:
        return connection.execute(sql).df()


@pytest.fixture(scope="module")
def active_by_month(duckdb_build: DuckdbBuild) -> pd.Series:
    frame = query(
        duckdb_build,
        """
        select month_date, count(*) as customers from intermediate.int_customer_month_features
        where is_active group by month_date
        """,
    )
    return frame.set_index(pd.to_datetime(frame["month_date"]))["customers"]


@pytest.fixture(scope="module")
def active_at_reference(duckdb_build: DuckdbBuild, active_by_month: pd.Series) -> int:
    reference = query(duckdb_build, "select reference_month from intermediate.int_reference_month").iloc[0, 0]
    return int(active_by_month.loc[pd.Timestamp(reference)])


@pytest.mark.parametrize("mart", ALL_MARTS)
def test_every_mart_exists_and_is_filled(duckdb_build: DuckdbBuild, mart: str) -> None:
    assert query(duckdb_build, f"select count(*) from marts.{mart}").iloc[0, 0] > 0


def test_tier_matrix_adds_up_to_the_active_customers(duckdb_build: DuckdbBuild, active_at_reference: int) -> None:
    matrix = query(duckdb_build, "select * from marts.segment_tier_matrix")
    assert matrix["customers"].sum() == active_at_reference
    assert matrix.groupby("segment_id")["share_of_segment"].sum().round(12).eq(1).all()
    assert matrix.groupby("tier")["share_of_tier"].sum().round(12).eq(1).all()


@pytest.mark.parametrize(
    ("mart", "share", "whole"),
    [
        ("segment_profiles", "customer_share", None),
        ("segment_profiles", "revenue_share", None),
        ("segment_tier_matrix", "revenue_share_of_segment", "segment_id"),
        ("segment_tier_matrix", "revenue_share_of_tier", "tier"),
        ("segment_history", "share_of_active", "month_date"),
        ("segment_history", "revenue_share", "month_date"),
        ("segment_profiles", "asset_share", None),
        ("segment_tier_matrix", "asset_share_of_segment", "segment_id"),
        ("segment_tier_matrix", "asset_share_of_tier", "tier"),
        ("segment_history", "asset_share", "month_date"),
    ],
)
def test_shares_add_up_to_one(duckdb_build: DuckdbBuild, mart: str, share: str, whole: str | None) -> None:
    frame = query(duckdb_build, f"select * from marts.{mart}")
    sums = frame.groupby(whole)[share].sum() if whole else pd.Series([frame[share].sum()])
    assert (sums - 1).abs().max() < 1e-9, sums


def test_every_customer_falls_in_one_quintile_per_dimension(
    duckdb_build: DuckdbBuild, active_at_reference: int
) -> None:
    demographics = query(duckdb_build, "select * from marts.segment_demographics")
    totals = demographics.groupby(["grouping", "dimension"])["customers"].sum()
    assert (totals == active_at_reference).all(), totals
    assert set(demographics["quintile_label"]) == {"1", "2", "3", "4", "5", "unknown"}
    edges = demographics.dropna(subset=["quintile"]).groupby(["dimension", "quintile"])[["lower_bound", "upper_bound"]]
    assert (edges.nunique() == 1).all().all(), "a quintile has different bounds in different groups"


def test_tiers_carry_the_bank_s_rank(duckdb_build: DuckdbBuild) -> None:
    matrix = query(duckdb_build, "select distinct tier, tier_rank from marts.segment_tier_matrix order by tier_rank")
    assert list(matrix["tier"]) == ["mass", "affluent", "private"] and list(matrix["tier_rank"]) == [1, 2, 3]
    for mart in ["segment_demographics", "cross_sell", "product_mix"]:
        groups = query(
            duckdb_build,
            f"select distinct grouping, group_key, group_rank from marts.{mart} order by grouping, group_rank",
        )
        tiers = groups[groups["grouping"] == "tier"]
        assert list(tiers["group_key"]) == ["mass", "affluent", "private"], mart
        segments = groups[groups["grouping"] == "segment"]
        assert (segments["group_key"] == segments["group_rank"].astype(str)).all(), mart


def test_every_group_has_all_five_quintiles_zeros_included(duckdb_build: DuckdbBuild) -> None:
    demographics = query(duckdb_build, "select * from marts.segment_demographics where quintile is not null")
    quintiles = demographics.groupby(["grouping", "group_key", "dimension"])["quintile"].apply(sorted)
    assert quintiles.map(lambda found: found == [1, 2, 3, 4, 5]).all(), quintiles
    assert (demographics["customers"] == 0).any()  # the demo has empty quintiles; they are kept


def test_cross_sell_and_product_mix_cover_every_customer(duckdb_build: DuckdbBuild, active_at_reference: int) -> None:
    cross_sell = query(duckdb_build, "select * from marts.cross_sell")
    assert (cross_sell.groupby("grouping")["customers"].sum() == active_at_reference).all()
    mix = query(duckdb_build, "select * from marts.product_mix")
    per_type = mix.groupby(["grouping", "product_type"])["customers"].sum()
    assert (per_type == active_at_reference).all()
    assert mix["holding_rate"].between(0, 1).all()


def test_transition_flows_add_up_on_both_sides(duckdb_build: DuckdbBuild, active_by_month: pd.Series) -> None:
    transitions = query(duckdb_build, "select * from marts.segment_transitions")
    pairs = transitions.groupby(["from_month", "to_month"])
    assert pairs.ngroups == 23 + 3  # consecutive months, and the reference month against 3, 6 and 12 before
    for (from_month, to_month), flows in pairs:
        active_from = active_by_month.loc[pd.Timestamp(from_month)]
        active_to = active_by_month.loc[pd.Timestamp(to_month)]
        new = flows.loc[flows["from_state"] == "new", "customers"].sum()
        churned = flows.loc[flows["to_state"] == "churned", "customers"].sum()
        assert flows["customers"].sum() == active_from + new == active_to + churned
        assert flows.loc[flows["from_state"] != "new", "customers"].sum() == active_from
        assert flows.loc[flows["to_state"] != "churned", "customers"].sum() == active_to


def test_transition_drivers_reconcile_and_recompute(duckdb_build: DuckdbBuild) -> None:
    drivers = query(duckdb_build, "select * from marts.segment_transition_drivers")
    transitions = query(duckdb_build, "select * from marts.segment_transitions")
    move = ["from_month", "to_month", "from_segment_id", "to_segment_id"]
    moves = transitions.dropna(subset=["from_segment_id", "to_segment_id"])
    moves = moves[(moves["from_segment_id"] != moves["to_segment_id"]) & (moves["customers"] >= 10)]
    per_move = drivers.groupby(move)["customers"].agg(["min", "max"]).reset_index()
    assert (per_move["min"] == per_move["max"]).all()
    joined = moves.merge(per_move, on=move, how="outer", validate="one_to_one")
    assert len(joined) == len(moves) > 0
    assert (joined["customers"] == joined["min"]).all()
    assert (drivers.groupby(move)["driver_rank"].min() == 1).all()
    # the largest move's top driver, recomputed from the standardized rows
    top = drivers[drivers["driver_rank"] == 1].sort_values(["customers", "from_month"], ascending=[False, True]).iloc[0]
    feature = top["feature"]
    changes = query(
        duckdb_build,
        f"""
        select later.segment_id = {top["to_segment_id"]} as moved,
            after_values.{feature} - before_values.{feature} as change
        from marts.customer_segment_history as earlier
        inner join marts.customer_segment_history as later
            on earlier.customer_id = later.customer_id and later.month_date = date '{top["to_month"]}'
        inner join segment_model.seg_customer_months_standardized as before_values
            on earlier.customer_id = before_values.customer_id and earlier.month_date = before_values.month_date
        inner join segment_model.seg_customer_months_standardized as after_values
            on later.customer_id = after_values.customer_id and later.month_date = after_values.month_date
        where earlier.month_date = date '{top["from_month"]}' and earlier.segment_id = {top["from_segment_id"]}
            and later.segment_id in ({top["from_segment_id"]}, {top["to_segment_id"]})
        """,
    )
    movers = changes[changes["moved"]]["change"]
    stayers = changes[~changes["moved"]]["change"]
    assert len(movers) == top["customers"] and len(stayers) == top["stayers"]
    assert top["relative_change"] == pytest.approx(movers.mean() - stayers.mean(), abs=1e-9)


def test_segment_history_counts_the_active_customers(duckdb_build: DuckdbBuild, active_by_month: pd.Series) -> None:
    history = query(duckdb_build, "select * from marts.segment_history")
    per_month = history.groupby(pd.to_datetime(history["month_date"]))["customers"].sum()
    pd.testing.assert_series_equal(per_month, active_by_month.sort_index(), check_names=False, check_dtype=False)
    later = history[history["month_stability"].notna()]
    assert later["month_stability"].between(0.9, 1).all()


def test_nbo_input_version_1_has_one_row_per_active_customer(
    duckdb_build: DuckdbBuild, active_at_reference: int
) -> None:
    nbo = query(duckdb_build, "select * from marts.nbo_customer_input")
    assert len(nbo) == active_at_reference and nbo["customer_id"].is_unique
    assert nbo["segment_name"].notna().all()


def test_nbo_input_version_2_has_every_valid_customer(duckdb_build: DuckdbBuild, active_at_reference: int) -> None:
    nbo = query(duckdb_build, "select * from marts.nbo_customer_input_v2")
    valid = query(duckdb_build, "select count(*) from staging.stg_bank__customers").iloc[0, 0]
    assert len(nbo) == valid == 2500 and nbo["customer_id"].is_unique
    assert nbo["is_active"].sum() == active_at_reference
    assert nbo.loc[~nbo["is_active"], ["segment_id", "segment_name"]].isna().all().all()
    assert nbo.loc[nbo["is_active"], "segment_id"].notna().all()
    holdings = [column for column in nbo.columns if column.startswith("products_held_")]
    assert {"products_held_mortgage", "products_held_savings", "products_held_total"} <= set(holdings)


def test_docs_generate(duckdb_copy: DuckdbBuild) -> None:
    duckdb_copy.project.run("docs", "generate")
    catalog = json.loads((duckdb_copy.project.work_dir / "target" / "catalog.json").read_text())
    documented = {node["metadata"]["name"] for node in catalog["nodes"].values()}
    assert set(ALL_MARTS) <= documented
