"""The DuckDB build: every dbt test passes, and the features agree with an independent
computation from the raw demo files."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from conftest import SEEDS, DuckdbBuild

FEATURES = "intermediate.int_customer_month_features"


@pytest.fixture(scope="module")
def features(duckdb_build: DuckdbBuild) -> pd.DataFrame:
    with duckdb_build.connect() as connection:
        return connection.execute(f"select * from {FEATURES}").df()


def test_every_node_of_the_build_succeeded(duckdb_build: DuckdbBuild) -> None:
    results = duckdb_build.project.run_results()
    # Exposures are listed with status no-op: nothing to run for them.
    failed = [r["unique_id"] for r in results if r["status"] not in {"success", "pass", "no-op"}]
    assert failed == []
    unique_ids = [r["unique_id"] for r in results]
    assert sum(uid.startswith("unit_test.") for uid in unique_ids) >= 5
    assert any(uid.startswith("test.bank_segmentation.assert_features_reconcile_with_inputs") for uid in unique_ids)


def test_one_row_per_customer_and_month_since_joining(duckdb_build: DuckdbBuild, features: pd.DataFrame) -> None:
    with duckdb.connect() as raw:
        expected = raw.execute(
            f"""
            with months as (
                select distinct last_day(month_date) as month_date from read_csv_auto('{SEEDS}/balances.csv')
            )
            select count(*) from read_csv_auto('{SEEDS}/customers.csv') c
            join months m on c.customer_since <= m.month_date
            """
        ).fetchone()[0]
    assert len(features) == expected
    assert not features.duplicated(["customer_id", "month_date"]).any()


def test_columns_are_generated_from_the_data(features: pd.DataFrame) -> None:
    product_types = pd.read_csv(SEEDS / "products.csv")["product_type"].unique()
    activity_columns = [c for c in pd.read_csv(SEEDS / "customer_activity.csv", nrows=1).columns][2:]
    for product_type in product_types:
        for column in (f"products_held_{product_type}", f"balance_{product_type}", f"revenue_{product_type}_avg"):
            assert column in features.columns
    for column in activity_columns:
        assert f"activity_{column}" in features.columns
        assert f"activity_{column}_avg" in features.columns


def independent_balance_features(lookback_months: int) -> pd.DataFrame:
    """balance_net and its lookback average recomputed with pandas from the raw files: the demo
    stores what customers owe as negative balances, so the net balance is the plain sum."""
    customers = pd.read_csv(SEEDS / "customers.csv", parse_dates=["customer_since"])
    balances = pd.read_csv(SEEDS / "balances.csv", parse_dates=["month_date"])
    months = pd.Series(sorted(balances["month_date"].unique()), name="month_date")
    spine = customers[["customer_id", "customer_since"]].merge(months, how="cross")
    spine = spine[spine["customer_since"] <= spine["month_date"]]
    totals = balances.groupby(["customer_id", "month_date"], as_index=False)["balance"].sum()
    frame = spine.merge(totals, on=["customer_id", "month_date"], how="left").fillna({"balance": 0.0})
    frame = frame.sort_values(["customer_id", "month_date"])
    frame["balance_avg"] = (
        frame.groupby("customer_id")["balance"]
        .rolling(lookback_months, min_periods=1)
        .mean()
        .reset_index(drop=True)
        .to_numpy()
    )
    return frame[["customer_id", "month_date", "balance", "balance_avg"]]


def test_balances_and_lookback_averages_match_pandas(features: pd.DataFrame) -> None:
    expected = independent_balance_features(lookback_months=12)
    actual = features[["customer_id", "month_date", "balance_net", "balance_net_avg"]].copy()
    actual["month_date"] = pd.to_datetime(actual["month_date"])
    merged = expected.merge(actual, on=["customer_id", "month_date"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()
    assert (merged["balance"] - merged["balance_net"].astype(float)).abs().max() < 1e-6
    assert (merged["balance_avg"] - merged["balance_net_avg"].astype(float)).abs().max() < 1e-6


def test_active_means_an_open_product(features: pd.DataFrame) -> None:
    assert (features["is_active"] == (features["products_held_total"] > 0)).all()
    per_type = features.filter(regex=r"^products_held_(?!total$|before_window$)").sum(axis=1)
    assert (per_type == features["products_held_total"]).all()


def test_reference_month_defaults_to_the_latest(duckdb_build: DuckdbBuild) -> None:
    with duckdb_build.connect() as connection:
        row = connection.execute("select * from intermediate.int_reference_month").df().iloc[0]
    assert str(row["reference_month"])[:10] == "2025-12-31"
    assert str(row["lookback_start"])[:10] == "2025-01-01"
    assert row["lookback_months"] == 12
