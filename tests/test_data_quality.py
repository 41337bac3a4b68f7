"""Bad input on DuckDB: every kind of bad row either stops the run with a message naming the
input table, the column, the rule and some keys, or is quarantined with its rule in
audit.data_quality_issues while the run goes on; nothing is lost in between.

The inputs are the demo bank loaded as "your own tables" (var input_schema), then spoiled."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from conftest import ALL_MARTS, DBT, ROOT, SEEDS, DuckdbBuild, duckdb_project, slow_fixture

SCHEMA = "bank_in"
AS_OF = "2026-06-30"
TABLES = ["customers", "products", "product_holdings", "balances", "revenues", "customer_activity"]


def load_demo_inputs(connection: duckdb.DuckDBPyConnection, schema: str) -> None:
    connection.execute(f"create schema {schema}")
    for table in TABLES:
        connection.execute(f"create table {schema}.{table} as select * from read_csv_auto('{SEEDS / table}.csv')")


NEW_CUSTOMER = "insert into {s}.customers (customer_id, birth_date, customer_since, tier) values "
# One spoiled bank: each statement plants one case, on keys no other case touches.
SPOILERS = [
    NEW_CUSTOMER + "(null, '1980-01-01', '2010-01-01', 'mass')",
    NEW_CUSTOMER + "(900001, '2030-01-01', '2010-01-01', 'mass')",
    NEW_CUSTOMER + "(900002, '2020-01-01', '2010-01-01', 'mass')",
    NEW_CUSTOMER + "(900003, '1980-01-01', '2010-01-01', null)",
    "update {s}.customers set annual_income = -5000 where customer_id = 1",
    "update {s}.customers set birth_date = '1890-05-01' where customer_id = 2",
    "insert into {s}.products values (99, 'Mystery', null), (98, 'Corner shop', '7-Eleven')",
    "insert into {s}.products values (97, 'Gold Bar', 'Precious Metal')",  # a type nobody holds
    "insert into {s}.product_holdings values (3, 1, '2024-05-01', '2024-03-01')",
    "insert into {s}.product_holdings values (999999, 1, '2024-01-01', null), (4, 777, '2024-01-01', null)",
    "insert into {s}.product_holdings values (5, 99, '2024-01-01', null)",
    "insert into {s}.product_holdings values (6, 1, '2027-01-01', null)",
    "insert into {s}.balances select * from {s}.balances where customer_id = 7 and month_date = '2025-06-30'",
    "update {s}.balances set balance = null where customer_id = 8 and month_date = '2025-06-30'",
    "insert into {s}.balances values (9, 1, '2027-01-31', 10.0)",
    "update {s}.balances set balance = 1e12 where customer_id = 10 and month_date = '2025-12-31'",
    "insert into {s}.revenues values ('999998', 1, '2025-01-31', '1.00'), ('11', 1, 'not a date', '1.00')",
    "insert into {s}.revenues values ('12', 1, '2024-07-31', 'n/a')",
    "insert into {s}.customer_activity (customer_id, month_date) values (null, '2025-01-31'), (999997, '2025-01-31')",
    # the optional is_liability, null (the var decides) but for a value that says neither yes nor no
    "alter table {s}.products add column is_liability varchar",
    "update {s}.products set is_liability = 'No' where product_id = 1",
    "insert into {s}.products values (96, 'Wallet', 'Current Account', 'maybe')",
]

# rule -> (input table, a key expected among its quarantined keys, action)
EXPECTED_ISSUES = {
    "null_key": ("customers", "customer_id=null", "quarantined"),
    "date_in_future": ("customers", "customer_id=900001", "quarantined"),
    "birth_after_customer_since": ("customers", "customer_id=900002", "quarantined"),
    "null_required_value": ("customers", "customer_id=900003", "quarantined"),
    "negative_income": ("customers", "customer_id=1", "value_nulled"),
    "age_over_120": ("customers", "customer_id=2", "value_nulled"),
    "unknown_product_type": ("products", "product_id=99", "quarantined"),
    "not_a_boolean": ("products", "product_id=96", "quarantined"),
    "closed_before_opened": ("product_holdings", "customer_id=3|product_id=1|opened_on=2024-05-01", "quarantined"),
    "orphan_customer": ("product_holdings", "customer_id=999999|product_id=1|opened_on=2024-01-01", "quarantined"),
    "orphan_product": ("product_holdings", "customer_id=4|product_id=777|opened_on=2024-01-01", "quarantined"),
    "duplicate_key": ("balances", "customer_id=7|product_id=", "quarantined"),
    "null_amount": ("balances", "customer_id=8|product_id=", "quarantined"),
    "not_a_date": ("revenues", "customer_id=11|product_id=1|month_date=not a date", "quarantined"),
    "not_a_number": ("revenues", "customer_id=12|product_id=1|month_date=2024-07-31", "quarantined"),
}


def spoil(db_path: Path) -> None:
    with duckdb.connect(str(db_path)) as connection:
        load_demo_inputs(connection, SCHEMA)
        # Revenues delivered as text, as a CSV export would: bad values are caught row by row.
        connection.execute(
            f"create or replace table {SCHEMA}.revenues as select cast(customer_id as varchar) as customer_id, "
            f"product_id, cast(month_date as varchar) as month_date, "
            f"cast(revenue as varchar) as revenue from {SCHEMA}.revenues"
        )
        for statement in SPOILERS:
            connection.execute(statement.format(s=SCHEMA))


@pytest.fixture(scope="module")
@slow_fixture
def spoiled(tmp_path_factory: pytest.TempPathFactory) -> DuckdbBuild:
    """The whole project built on the spoiled bank."""
    work_dir = tmp_path_factory.mktemp("spoiled")
    db_path = work_dir / "bank.duckdb"
    spoil(db_path)
    project = duckdb_project(work_dir, db_path)
    project.run("build", "--vars", json.dumps({"input_schema": SCHEMA, "as_of_date": AS_OF}))
    return DuckdbBuild(project, db_path)


def query(build: DuckdbBuild, sql: str) -> pd.DataFrame:
    with build.connect() as connection:
        return connection.execute(sql).df()


@pytest.mark.parametrize("rule", sorted(EXPECTED_ISSUES))
def test_bad_rows_are_quarantined_with_their_rule(spoiled: DuckdbBuild, rule: str) -> None:
    table, key, action = EXPECTED_ISSUES[rule]
    issues = query(spoiled, f"select * from audit.data_quality_issues where rule_name = '{rule}'")
    found = issues[(issues["input_table"] == table) & issues["source_key"].str.startswith(key)]
    assert len(found) >= 1, issues
    assert set(found["action_taken"]) == {action}
    assert found["run_id"].notna().all()


def test_duplicates_of_a_fact_key_are_all_set_aside(spoiled: DuckdbBuild) -> None:
    row = query(
        spoiled,
        "select input_rows from audit.data_quality_issues"
        " where rule_name = 'duplicate_key' and input_table = 'balances'",
    )
    assert list(row["input_rows"]) == [2]
    clean = query(
        spoiled,
        "select count(*) as n from staging.stg_bank__balances where customer_id = 7 and month_date = '2025-06-30'",
    )
    assert clean["n"].iloc[0] == 0


def test_quarantined_products_take_their_facts_with_them(spoiled: DuckdbBuild) -> None:
    keys = set(
        query(spoiled, "select source_key from audit.data_quality_issues where rule_name = 'orphan_product'")[
            "source_key"
        ]
    )
    assert "customer_id=5|product_id=99|opened_on=2024-01-01" in keys
    types = set(query(spoiled, "select product_type from staging.stg_bank__products")["product_type"])
    # only the empty type is quarantined: '7-Eleven' is folded into a name and let through
    assert "t_7_eleven" in types and None not in types
    # is_liability read as text: 'No' is false, 'maybe' quarantines its product (96)
    flags = query(spoiled, "select product_id, is_liability from staging.stg_bank__products").set_index("product_id")
    assert not flags.loc[1, "is_liability"] and 96 not in flags.index
    assert flags.loc[[5, 7, 9], "is_liability"].all()  # null there: the var decides


def test_a_product_type_nobody_holds_is_let_through_and_left_out_of_the_model(spoiled: DuckdbBuild) -> None:
    features = query(
        spoiled,
        "select feature, is_used, dropped_reason from segment_model.seg_preprocessing"
        " where feature like '%precious_metal%'",
    )
    assert len(features) >= 1
    assert not features["is_used"].any()
    assert features["dropped_reason"].notna().all()
    types = query(spoiled, "select product_type from staging.stg_bank__products")["product_type"]
    assert "precious_metal" in set(types)


def test_value_level_issues_blank_the_value_and_keep_the_customer(spoiled: DuckdbBuild) -> None:
    customers = query(
        spoiled,
        "select customer_id, annual_income, birth_date from staging.stg_bank__customers where customer_id in (1, 2)",
    ).set_index("customer_id")
    assert pd.isna(customers.loc[1, "annual_income"]) and pd.isna(customers.loc[2, "birth_date"])


def test_every_input_customer_is_in_the_features_or_in_quarantine(spoiled: DuckdbBuild) -> None:
    inputs = query(spoiled, f"select distinct customer_id from {SCHEMA}.customers where customer_id is not null")
    featured = query(spoiled, "select distinct customer_id from intermediate.int_customer_month_features")
    quarantined = query(
        spoiled,
        "select source_key from audit.data_quality_issues"
        " where input_table = 'customers' and action_taken = 'quarantined'",
    )
    quarantined_ids = {int(key.split("=")[1]) for key in quarantined["source_key"] if key != "customer_id=null"}
    assert set(inputs["customer_id"]) == set(featured["customer_id"]) | quarantined_ids
    assert not set(featured["customer_id"]) & quarantined_ids


def test_every_active_customer_has_exactly_one_segment(spoiled: DuckdbBuild) -> None:
    active = query(
        spoiled,
        """
        select count(*) as n from intermediate.int_customer_month_features f
        join intermediate.int_reference_month r on f.month_date = r.reference_month
        where f.is_active
        """,
    )["n"].iloc[0]
    segments = query(spoiled, "select customer_id from marts.customer_segments")
    assert len(segments) == active > 2000
    assert segments["customer_id"].is_unique
    # The customer with a balance of 1e12 is segmented like anyone else.
    assert 10 in set(segments["customer_id"])


def test_summary_mart_counts_every_rule_of_the_run(spoiled: DuckdbBuild) -> None:
    summary = query(spoiled, "select * from marts.data_quality_summary")
    assert summary["run_id"].nunique() == 1
    counts = summary.set_index("rule_name")["affected_keys"]
    for rule in EXPECTED_ISSUES:
        assert counts[rule] >= 1, rule
    issues = query(spoiled, "select rule_name, count(*) as n from audit.data_quality_issues group by rule_name")
    for rule, n in zip(issues["rule_name"], issues["n"], strict=True):
        assert counts[rule] == n


def test_quarantined_rows_do_not_stop_the_run(spoiled: DuckdbBuild) -> None:
    results = spoiled.project.run_results()
    assert not [result for result in results if result["status"] in {"error", "fail"}]


# --- Errors: the run stops, naming table, column, rule and keys --------------------------------

ERROR_CASES = {
    "missing_table": (
        ["drop table {s}.products"],
        "Input table products is missing from schema {s} (rule: required table)",
    ),
    "missing_column": (
        ["alter table {s}.customers drop column tier"],
        "Input table customers, column tier: rule 'required column'",
    ),
    "uncastable_type": (
        ["alter table {s}.balances alter month_date type boolean using month_date is not null"],
        "Input table balances, column month_date: rule 'castable type' - type BOOLEAN cannot be cast to a date",
    ),
    # Error-severity tests on the base models (tests/data/generic/input_keys.sql): the test's name says
    # table, column and rule; the offending keys are stored in the audit schema.
    "duplicate_customer": (
        ["insert into {s}.customers select * from {s}.customers where customer_id in (10, 20)"],
        "Failure in test input_customers_customer_id_is_unique",
    ),
    "duplicate_product": (
        ["insert into {s}.products select * from {s}.products where product_id = 3"],
        "Failure in test input_products_product_id_is_unique",
    ),
    "no_customers": (
        ["delete from {s}.customers"],
        "Failure in test input_customers_has_a_usable_row",
    ),
}

TESTED_STOPS = {"duplicate_customer", "duplicate_product", "no_customers"}

# The keys each failing input test stores (audit.<test name>), for the cases that have keys.
STORED_KEYS = {
    "duplicate_customer": ("input_customers_customer_id_is_unique", [(10, 2), (20, 2)]),
    "duplicate_product": ("input_products_product_id_is_unique", [(3, 2)]),
}


@pytest.fixture(scope="module")
def error_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One schema per error case, each the demo bank with one fault."""
    db_path = tmp_path_factory.mktemp("error_inputs") / "bank.duckdb"
    with duckdb.connect(str(db_path)) as connection:
        load_demo_inputs(connection, "clean")
        for case, (statements, _) in ERROR_CASES.items():
            connection.execute(f"create schema {case}")
            for table in TABLES:
                connection.execute(f"create table {case}.{table} as select * from clean.{table}")
            for statement in statements:
                connection.execute(statement.format(s=case))
    return db_path


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_bad_input_stops_the_run_with_a_clear_message(error_inputs: Path, tmp_path: Path, case: str) -> None:
    db_path = tmp_path / "bank.duckdb"
    db_path.write_bytes(error_inputs.read_bytes())
    project = duckdb_project(tmp_path, db_path)
    # Missing tables and columns and unusable types stop the models while they compile; the
    # other stops are data tests, which run under dbt build.
    command = "build" if case in TESTED_STOPS else "run"
    result = project.run(command, "--select", "staging", "--vars", json.dumps({"input_schema": case}), check=False)
    assert result.returncode != 0
    expected = ERROR_CASES[case][1].format(s=case)
    assert expected in " ".join(result.stdout.split()), result.stdout[-3000:]
    if case in STORED_KEYS:
        test_name, keys = STORED_KEYS[case]
        with duckdb.connect(str(db_path), read_only=True) as connection:
            stored = connection.execute(f"select * from audit.{test_name} order by 1").fetchall()
        assert [(key if isinstance(key, str) else int(key), copies) for key, copies in stored] == keys


def test_a_tiny_segment_is_flagged_in_the_model_summary(duckdb_copy: DuckdbBuild) -> None:
    """With the demo's segments all above 14%, a 20% threshold must flag some of them."""
    project = duckdb_copy.project
    project.run("run", "--select", "seg_model_summary", "--vars", json.dumps({"min_segment_share": 0.2}))
    result = project.run("test", "--select", "assert_no_tiny_segment", "--vars", json.dumps({"min_segment_share": 0.2}))
    assert "WARN" in result.stdout
    summary = query(duckdb_copy, "select warning, smallest_segment_share from segment_model.seg_model_summary")
    assert "segment(s) below min_segment_share (0.2)" in summary["warning"].iloc[0]
    assert 0.1 < summary["smallest_segment_share"].iloc[0] < 0.2


def test_a_half_loaded_latest_month_raises_the_warning(duckdb_copy: DuckdbBuild) -> None:
    """The demo's latest month is whole: no warning. With half its balance rows and half its
    active customers gone (as a load stopped half way would leave it), both measures warn."""
    project = duckdb_copy.project
    whole = project.run("test", "--select", "assert_latest_month_is_complete")
    assert whole.returncode == 0 and "PASS assert_latest_month_is_complete" in whole.stdout, whole.stdout[-2000:]
    with duckdb.connect(str(duckdb_copy.path)) as connection:
        for table in ("staging.base_bank__balances", "intermediate.int_customer_month_features"):
            connection.execute(
                f"delete from {table} where customer_id % 2 = 0 and month_date = (select max(month_date) from {table})"
            )
    half = project.run("test", "--select", "assert_latest_month_is_complete")
    # the run goes on (exit 0); the warning counts the two measures that dropped
    assert half.returncode == 0 and "WARN 2 assert_latest_month_is_complete" in half.stdout, half.stdout[-2000:]


def test_default_build_flags_no_tiny_segment(duckdb_build: DuckdbBuild) -> None:
    summary = query(duckdb_build, "select warning from segment_model.seg_model_summary")
    assert summary["warning"].isna().all()


# --- Reruns: idempotent, and an interrupted build recovers -----------------------------------


def comparable_marts(build: DuckdbBuild) -> dict[str, pd.DataFrame]:
    with build.connect() as connection:
        return {mart: connection.execute(f"select * from marts.{mart} order by all").df() for mart in ALL_MARTS}


def test_interrupted_build_then_reruns_give_the_uninterrupted_marts(duckdb_build: DuckdbBuild, tmp_path: Path) -> None:
    db_path = tmp_path / "bank.duckdb"
    project = duckdb_project(tmp_path, db_path)
    env = {**os.environ, "DBT_PROFILES_DIR": str(ROOT), **project.env}
    command = [str(DBT), "build", "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, start_new_session=True)
    assert process.stdout is not None
    for line in process.stdout:
        if "START python incremental model segment_model.seg_kmeans_fits" in line:
            time.sleep(0.3)  # inside the fit
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "the build finished before it could be interrupted"

    expected = comparable_marts(duckdb_build)
    project.run("build")
    for mart, frame in comparable_marts(DuckdbBuild(project, db_path)).items():
        pd.testing.assert_frame_equal(frame, expected[mart], check_exact=True, obj=mart)

    # The same month again: identical marts, and no fit or audit row is duplicated.
    project.run("build")
    build = DuckdbBuild(project, db_path)
    for mart, frame in comparable_marts(build).items():
        pd.testing.assert_frame_equal(frame, expected[mart], check_exact=True, obj=mart)
    fits = query(
        build, "select reference_month, fit_number, count(*) as n from segment_model.seg_kmeans_fits group by all"
    )
    assert len(fits) == 1
    runs = query(build, "select count(*) as n, count(distinct run_id) as distinct_runs from audit.data_quality_runs")
    assert runs["n"].iloc[0] == runs["distinct_runs"].iloc[0]
