"""Monthly incremental update: the demo built without its last month, then that month added
and built incrementally (the stored model reused) while a month already built is restated and a
customer is removed from the input, equals a --full-refresh build of the whole data with the
same reference month, exactly: every mart and every month-grain table."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from conftest import ALL_MARTS, SEEDS, copy_project, duckdb_project

LAST_MONTH = "2025-12-31"
CUTOFF = "2025-11-30"
RESTATED = (17, "2025-12-31")  # customer and month (the last stored) whose balances are restated
REMOVED_CUSTOMER = 23
QUARANTINED_CUSTOMER = 31  # still in customers, but its row now breaks a rule (no tier)
MONTHLY_TABLES = [
    "staging.base_bank__balances",
    "staging.base_bank__revenues",
    "staging.base_bank__customer_activity",
    "intermediate.int_balances_revenues_monthly",
    "intermediate.int_holdings_monthly",
    "intermediate.int_customer_month_features",
    "segment_model.seg_customer_month_segments",
]
COMPARED = [f"marts.{mart}" for mart in ALL_MARTS] + MONTHLY_TABLES
# A lighter fit than the defaults keeps the builds quick; the incremental logic is the same.
# diagnostics_sample below the demo's active customers: the diagnostics fit a sample here.
DIAGNOSTICS_SAMPLE = 200
FAST = f"{{n_init: 2, diagnostics_k_min: 4, diagnostics_k_max: 6, diagnostics_sample: {DIAGNOSTICS_SAMPLE}"
# Data tests scoped to the rows a build wrote (built_by_this_run in macros/incremental.sql).
RUN_SCOPED_TESTS = [
    "unique_combination_of_columns_stg_bank__balances_customer_id__product_id__month_date",
    "unique_combination_of_columns_int_customer_month_features_customer_id__month_date",
    "assert_features_reconcile_with_inputs",
]


def write_seeds_known_at(cutoff: str, seeds: Path) -> None:
    """The demo bank as it was known at the cutoff: no later facts, customers or holdings,
    later closings still open."""
    day = pd.Timestamp(cutoff)
    for table in ("balances", "revenues", "customer_activity"):
        frame = pd.read_csv(SEEDS / f"{table}.csv", dtype=str)
        frame[pd.to_datetime(frame["month_date"]) <= day].to_csv(seeds / f"{table}.csv", index=False)
    customers = pd.read_csv(SEEDS / "customers.csv", dtype=str)
    customers[pd.to_datetime(customers["customer_since"]) <= day].to_csv(seeds / "customers.csv", index=False)
    holdings = pd.read_csv(SEEDS / "product_holdings.csv", dtype=str)
    holdings = holdings[pd.to_datetime(holdings["opened_on"]) <= day].copy()
    holdings.loc[pd.to_datetime(holdings["closed_on"]) > day, "closed_on"] = None
    holdings.to_csv(seeds / "product_holdings.csv", index=False)


def read(db_path: Path) -> dict[str, pd.DataFrame]:
    """Every compared table in a canonical order, without the run's own columns."""
    with duckdb.connect(str(db_path), read_only=True) as connection:
        return {
            table: connection.execute(f"select * exclude (built_at) from {table} order by all").df()
            if "built_at" in [row[0] for row in connection.execute(f"describe {table}").fetchall()]
            else connection.execute(f"select * from {table} order by all").df()
            for table in COMPARED
        }


def balance_of_the_restated_customer() -> str:
    customer, month = RESTATED
    return (
        "select balance_net from intermediate.int_customer_month_features"
        f" where customer_id = {customer} and month_date = '{month}'"
    )


def restate_and_remove(seeds: Path) -> None:
    """A month already built restated (one customer's balances doubled), a customer removed
    from every input table and another quarantined (its customers row loses its tier)."""
    customer, month = RESTATED
    balances = pd.read_csv(seeds / "balances.csv", dtype=str)
    restated = (balances["customer_id"] == str(customer)) & (balances["month_date"].str[:7] == month[:7])
    assert restated.any()
    balances.loc[restated, "balance"] = (balances.loc[restated, "balance"].astype(float) * 2).map(repr)
    balances.to_csv(seeds / "balances.csv", index=False)
    for table in ("balances", "revenues", "customer_activity", "customers", "product_holdings"):
        frame = pd.read_csv(seeds / f"{table}.csv", dtype=str)
        frame[frame["customer_id"] != str(REMOVED_CUSTOMER)].to_csv(seeds / f"{table}.csv", index=False)
    customers = pd.read_csv(seeds / "customers.csv", dtype=str)
    customers.loc[customers["customer_id"] == str(QUARANTINED_CUSTOMER), "tier"] = None
    customers.to_csv(seeds / "customers.csv", index=False)


def compiled(results: list[dict], kind: str) -> dict[str, str]:
    """The compiled SQL of each node of a kind ('model', 'test') in run_results, by name."""
    nodes = [result for result in results if result["unique_id"].startswith(f"{kind}.")]
    return {result["unique_id"].split(".")[2]: result["compiled_code"] for result in nodes}


def assert_tests_scoped(results: list[dict], condition: str) -> None:
    tests = compiled(results, "test")
    for name in RUN_SCOPED_TESTS:
        assert condition in tests[name], f"{name} checks only: {condition}"


def months_written_by_the_last_run(db_path: Path, table: str) -> list[str]:
    with duckdb.connect(str(db_path), read_only=True) as connection:
        rows = connection.execute(
            f"select distinct month_date from {table} where built_at = (select max(built_at) from {table}) order by 1"
        ).fetchall()
    return [str(month) for (month,) in rows]


@pytest.mark.slow
def test_adding_a_month_incrementally_equals_a_full_refresh(tmp_path: Path) -> None:
    project_dir = copy_project(tmp_path / "project")
    seeds = project_dir / "seeds" / "demo"
    write_seeds_known_at(CUTOFF, seeds)
    db_path = tmp_path / "incremental.duckdb"
    project = duckdb_project(tmp_path / "incremental", db_path, project_dir)
    project.run("build", "--vars", FAST + "}")
    assert_tests_scoped(project.run_results(), "built_at = cast(")

    for table in ("balances", "revenues", "customer_activity", "customers", "product_holdings"):
        shutil.copy(SEEDS / f"{table}.csv", seeds / f"{table}.csv")
    project.run("build", "--vars", FAST + "}")
    assert_tests_scoped(project.run_results(), "built_at = cast(")
    for table in MONTHLY_TABLES:
        # the new month only: the last month stored was read again (reprocess_months: 1) and,
        # unchanged, not written again, so nothing downstream recomputed it
        assert months_written_by_the_last_run(db_path, table) == [LAST_MONTH], table
    with duckdb.connect(str(db_path), read_only=True) as connection:
        balance_before = connection.execute(balance_of_the_restated_customer()).fetchone()[0]

    # The last month stored restated and a customer removed, on the next run; the removed
    # customer was in the training rows, so the model is refitted at the same month.
    restate_and_remove(seeds)
    project.run("build", "--vars", FAST + "}")
    for table in MONTHLY_TABLES[:-1]:  # the model is refitted: every month is scored again
        assert months_written_by_the_last_run(db_path, table) == [LAST_MONTH], f"{table}: the restated month"
    project.run("test", "--select", "int_customer_month_features", "--vars", FAST + "}")
    tests = compiled(project.run_results(), "test")  # dbt test alone writes nothing: every row
    assert "1 = 1" in tests["assert_features_reconcile_with_inputs"]
    assert "1 = 1" in tests["unique_combination_of_columns_int_customer_month_features_customer_id__month_date"]

    with duckdb.connect(str(db_path), read_only=True) as connection:
        fits = connection.execute("select distinct reference_month from segment_model.seg_kmeans_fits").fetchall()
        months = connection.execute("select max(month_date) from marts.customer_segment_history").fetchone()
        fitted, sampled, training = connection.execute(
            """
            select
                (select distinct fitted_customers from marts.segment_k_diagnostics),
                (select count(*) from segment_model.seg_diagnostics_matrix),
                (select count(*) from segment_model.seg_training_matrix)
            """
        ).fetchone()
        removed = connection.execute(
            f"""
            select count(*) from intermediate.int_customer_month_features where customer_id = {REMOVED_CUSTOMER}
            union all
            select count(*) from marts.customer_segment_history where customer_id = {REMOVED_CUSTOMER}
            union all
            select count(*) from staging.stg_bank__balances where customer_id = {REMOVED_CUSTOMER}
            """
        ).fetchall()
        quarantined = connection.execute(
            f"""
            select count(*) from intermediate.int_customer_month_features where customer_id = {QUARANTINED_CUSTOMER}
            union all
            select count(*) from staging.base_bank__balances
            where customer_id = {QUARANTINED_CUSTOMER} and dq_rule is distinct from 'orphan_customer'
            union all
            select count(*) from staging.base_bank__balances where customer_id = {QUARANTINED_CUSTOMER}
            """
        ).fetchall()
    assert [str(month) for (month,) in fits] == [CUTOFF], "a monthly run reuses the stored model"
    assert str(months[0]) == LAST_MONTH, "the new month is scored"
    assert removed == [(0,), (0,), (0,)], "a customer removed from the input leaves every month"
    assert quarantined[:2] == [(0,), (0,)] < quarantined[2:], "a quarantined customer's stored facts are orphans"
    with duckdb.connect(str(db_path), read_only=True) as connection:
        assert connection.execute(balance_of_the_restated_customer()).fetchone()[0] == 2 * balance_before
    step = -(-training // DIAGNOSTICS_SAMPLE)
    assert fitted == sampled == -(-training // step) <= DIAGNOSTICS_SAMPLE < training, "diagnostics on every n-th id"

    refreshed_path = tmp_path / "refreshed.duckdb"
    shutil.copy(db_path, refreshed_path)
    refreshed = duckdb_project(tmp_path / "refreshed", refreshed_path, project_dir)
    refreshed.run("build", "--full-refresh", "--vars", FAST + f", reference_date: '{CUTOFF}'}}")

    incremental, full = read(db_path), read(refreshed_path)
    for table in COMPARED:
        assert len(incremental[table]) > 0, table
        pd.testing.assert_frame_equal(incremental[table], full[table], check_exact=True, obj=table)

    # A refit rescores every month: the history marts must then be rebuilt whole, exactly as a
    # --full-refresh of them from the same scored months.
    project.run("build", "--vars", FAST + ", refit_model: true}")
    assert months_written_by_the_last_run(db_path, "segment_model.seg_customer_month_segments")[0] < "2024-02-01"
    rebuilt_path = tmp_path / "rebuilt.duckdb"
    shutil.copy(db_path, rebuilt_path)
    rebuilt = duckdb_project(tmp_path / "rebuilt", rebuilt_path, project_dir)
    rebuilt.run("run", "--select", "segment_history", "segment_transitions", "--full-refresh", "--vars", FAST + "}")
    for table in ("marts.segment_history", "marts.segment_transitions"):
        with duckdb.connect(str(db_path), read_only=True) as after_refit, duckdb.connect(str(rebuilt_path)) as whole:
            query = f"select * from {table} order by all"
            pd.testing.assert_frame_equal(after_refit.execute(query).df(), whole.execute(query).df(), obj=table)
