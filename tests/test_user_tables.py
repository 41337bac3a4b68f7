"""Plug and play on a bank's own tables (var input_schema), with no model code changed.

Two banks built from the demo data. One names everything its own way (conftest.OWN_*: six
tables and 21 columns renamed, customer ids as zero-padded text, months as timestamps on any
day, product types spelled for people, balances read in place from Parquet) and must give the
demo's features, segments and marts. The other lacks the optional inputs (no customer_activity
table, no gender or region) and must build around them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from conftest import (
    OWN_TABLES,
    OWN_VARS,
    DbtProject,
    DuckdbBuild,
    copy_demo_inputs,
    duckdb_project,
    own_bank_statements,
    slow_fixture,
)
from mart_fingerprints import mart_fingerprints

FEATURES = "intermediate.int_customer_month_features"


def load_own_bank(db_path: Path, demo: DuckdbBuild, schema: str) -> None:
    with duckdb.connect(str(db_path)) as connection:
        copy_demo_inputs(connection, demo, schema)
        columns = {
            table: [row[0] for row in connection.execute(f"describe {schema}.{table}").fetchall()]
            for table in OWN_TABLES
        }
        for statement in own_bank_statements(schema, columns):
            connection.execute(statement)
        parquet = db_path.parent / "monthly_positions.parquet"
        connection.execute(f"copy {schema}.monthly_positions to '{parquet}' (format parquet)")
        connection.execute(f"drop table {schema}.monthly_positions")
        connection.execute(f"create view {schema}.monthly_positions as select * from read_parquet('{parquet}')")


def load_bank_without_optional_inputs(db_path: Path, demo: DuckdbBuild, schema: str) -> None:
    with duckdb.connect(str(db_path)) as connection:
        copy_demo_inputs(connection, demo, schema)
        connection.execute(f"drop table {schema}.customer_activity")
        connection.execute(f"alter table {schema}.customers drop column gender")
        connection.execute(f"alter table {schema}.customers drop column region")


def build_bank(
    work_dir: Path, demo: DuckdbBuild, load: Callable[[Path, DuckdbBuild, str], None], *args: str
) -> DuckdbBuild:
    """The demo inputs loaded into schema bank_raw of a new database by load, then `dbt <args>`."""
    db_path = work_dir / "bank.duckdb"
    load(db_path, demo, "bank_raw")
    project: DbtProject = duckdb_project(work_dir, db_path)
    project.run(*args)
    return DuckdbBuild(project=project, path=db_path)


@pytest.fixture(scope="module")
@slow_fixture
def own_bank(tmp_path_factory: pytest.TempPathFactory, duckdb_build: DuckdbBuild) -> DuckdbBuild:
    variables = json.dumps({"input_schema": "bank_raw", **OWN_VARS})
    return build_bank(tmp_path_factory.mktemp("own_bank"), duckdb_build, load_own_bank, "build", "--vars", variables)


@pytest.fixture(scope="module")
@slow_fixture
def bank_without_optional_inputs(tmp_path_factory: pytest.TempPathFactory, duckdb_build: DuckdbBuild) -> DuckdbBuild:
    work_dir = tmp_path_factory.mktemp("no_optional_inputs")
    selection = ("--select", "+int_customer_month_features", "--vars", json.dumps({"input_schema": "bank_raw"}))
    return build_bank(work_dir, duckdb_build, load_bank_without_optional_inputs, "build", *selection)


def read_features(build: DuckdbBuild) -> pd.DataFrame:
    with build.connect() as connection:
        return connection.execute(f"select * exclude (built_at) from {FEATURES} order by customer_id, month_date").df()


def test_own_names_give_the_demo_features(own_bank: DuckdbBuild, duckdb_build: DuckdbBuild) -> None:
    pd.testing.assert_frame_equal(read_features(own_bank), read_features(duckdb_build))


def test_own_names_give_the_demo_segments(own_bank: DuckdbBuild, duckdb_build: DuckdbBuild) -> None:
    query = "select customer_id, segment_id from marts.customer_segments order by customer_id"
    with own_bank.connect() as connection:
        mine = connection.execute(query).df()
    with duckdb_build.connect() as connection:
        demo = connection.execute(query).df()
    assert mine["customer_id"].tolist() == demo["customer_id"].tolist()
    assert adjusted_rand_score(demo["segment_id"], mine["segment_id"]) == 1.0


def test_own_names_give_the_demo_marts_value_for_value(own_bank: DuckdbBuild, duckdb_build: DuckdbBuild) -> None:
    # product_mix.product_label is the bank's own spelling of the type ('(Mortgage)'), by design
    with own_bank.connect() as connection:
        mine = mart_fingerprints(connection, leave_out=frozenset({"product_label"}))
    with duckdb_build.connect() as connection:
        demo = mart_fingerprints(connection, leave_out=frozenset({"product_label"}))
    assert mine == demo


def test_product_types_keep_the_bank_spelling_as_label(own_bank: DuckdbBuild) -> None:
    with own_bank.connect() as connection:
        labels = dict(
            connection.execute(
                "select distinct product_type, product_type_label from staging.stg_bank__products"
            ).fetchall()
        )
    assert labels["credit_card"] == "Crédit / Card" and labels["investment"] == "Invèstment"
    assert labels["mortgage"] == "(Mortgage)" and len(labels) == 7


def test_freshness_reads_the_mapped_loaded_at_column(own_bank: DuckdbBuild) -> None:
    result = own_bank.project.run("source", "freshness", "--vars", json.dumps({"input_schema": "bank_raw", **OWN_VARS}))
    output = " ".join(result.stdout.split())
    # only the table whose loaded_at is mapped is checked
    assert "1 of 1 PASS freshness of bank.balances" in output, output


def test_a_mapped_column_the_table_lacks_stops_the_run_naming_it(own_bank: DuckdbBuild) -> None:
    columns = {**OWN_VARS["input_columns"], "revenues": {**OWN_VARS["input_columns"]["revenues"], "revenue": "fees"}}
    variables = {"input_schema": "bank_raw", **OWN_VARS, "input_columns": columns}
    result = own_bank.project.run(
        "compile", "--select", "base_bank__revenues", "--vars", json.dumps(variables), check=False
    )
    assert result.returncode != 0
    assert (
        'Input table revenues ("bank"."bank_raw"."monthly_income"), column revenue: rule \'mapped column exists\''
        " - var input_columns maps it to fees, which the table does not have" in " ".join(result.stdout.split())
    ), result.stdout


def test_no_demo_seed_is_loaded(bank_without_optional_inputs: DuckdbBuild) -> None:
    with bank_without_optional_inputs.connect() as connection:
        schemas = {
            row[0] for row in connection.execute("select schema_name from information_schema.schemata").fetchall()
        }
    assert "demo_data" not in schemas


def test_missing_optional_inputs_are_handled(bank_without_optional_inputs: DuckdbBuild) -> None:
    features = read_features(bank_without_optional_inputs)
    assert not [column for column in features.columns if column.startswith("activity_")]
    assert features["gender"].isna().all() and features["region"].isna().all()
    assert features["marital_status"].notna().all()


def test_features_without_optional_inputs_equal_the_demo_build(
    bank_without_optional_inputs: DuckdbBuild, duckdb_build: DuckdbBuild
) -> None:
    mine, demo = read_features(bank_without_optional_inputs), read_features(duckdb_build)
    # without activity there is no last activity (months_since_last_activity is lookback_months)
    activity_derived = {"months_since_last_activity", "is_activity_falling"}
    shared = [c for c in mine.columns if c not in {"gender", "region", *activity_derived}]
    assert len(shared) > 40
    pd.testing.assert_frame_equal(mine[shared], demo[shared], check_dtype=False)


def compiled_activity_columns(build: DuckdbBuild, variables: dict) -> str:
    result = build.project.run("compile", "--select", "base_bank__customer_activity", "--vars", json.dumps(variables))
    return (
        (build.project.work_dir / "target" / "compiled")
        .joinpath("bank_segmentation", "models", "staging", "base", "base_bank__customer_activity.sql")
        .read_text()
        if result.returncode == 0
        else ""
    )


def test_activity_columns_picks_the_features(own_bank: DuckdbBuild) -> None:
    variables = {"input_schema": "bank_raw", **OWN_VARS, "activity_columns": ["branch_visits", "digital_logins"]}
    sql = compiled_activity_columns(own_bank, variables)
    # every column is read from the input; only the chosen ones are typed as behaviour figures
    assert "as branch_visits" in sql and "as digital_logins" in sql
    assert "as card_transactions" not in sql and "as call_center_calls" not in sql


def test_an_activity_column_the_table_lacks_stops_the_run_naming_it(own_bank: DuckdbBuild) -> None:
    variables = {"input_schema": "bank_raw", **OWN_VARS, "activity_columns": ["digital_logins", "atm_visits"]}
    result = own_bank.project.run(
        "compile", "--select", "base_bank__customer_activity", "--vars", json.dumps(variables), check=False
    )
    assert result.returncode != 0
    assert (
        "Input table customer_activity, column atm_visits: rule 'activity_columns lists numeric columns'"
        in " ".join(result.stdout.split())
    ), result.stdout
