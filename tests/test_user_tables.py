"""Plug-and-play inputs: a bank's own tables in var('input_schema'), with no model code changed.

The tables here are the demo data reshaped as a real bank might deliver it: optional customer
columns missing, no customer_activity table at all, product types spelled for people and
balances dated on the first of the month.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from conftest import SEEDS, DbtProject, DuckdbBuild, duckdb_project, slow_fixture

FEATURES = "intermediate.int_customer_month_features"


def load_user_tables(db_path: Path, schema: str) -> None:
    with duckdb.connect(str(db_path)) as connection:
        connection.execute(f"create schema {schema}")

        def from_seed(table: str, select: str = "*") -> None:
            connection.execute(
                f"create table {schema}.{table} as select {select} from read_csv_auto('{SEEDS / table}.csv')"
            )

        from_seed("customers", "* exclude (gender, region)")
        from_seed("products", "product_id, product_name, upper(replace(product_type, '_', ' ')) as product_type")
        from_seed("product_holdings")
        from_seed("balances", "customer_id, product_id, date_trunc('month', month_date) as month_date, balance")
        from_seed("revenues")


@pytest.fixture(scope="module")
@slow_fixture
def user_build(tmp_path_factory: pytest.TempPathFactory) -> DuckdbBuild:
    work_dir = tmp_path_factory.mktemp("user_tables")
    db_path = work_dir / "bank.duckdb"
    load_user_tables(db_path, "bank_raw")
    project: DbtProject = duckdb_project(work_dir, db_path)
    project.run("build", "--vars", json.dumps({"input_schema": "bank_raw"}))
    return DuckdbBuild(project=project, path=db_path)


def test_no_demo_seed_is_loaded(user_build: DuckdbBuild) -> None:
    with user_build.connect() as connection:
        schemas = {
            row[0] for row in connection.execute("select schema_name from information_schema.schemata").fetchall()
        }
    assert "demo_data" not in schemas


def test_missing_optional_inputs_are_handled(user_build: DuckdbBuild) -> None:
    with user_build.connect() as connection:
        features = connection.execute(f"select * from {FEATURES}").df()
    assert not [column for column in features.columns if column.startswith("activity_")]
    assert features["gender"].isna().all() and features["region"].isna().all()
    assert features["marital_status"].notna().all()


def test_features_equal_the_demo_build(user_build: DuckdbBuild, duckdb_build: DuckdbBuild) -> None:
    with user_build.connect() as connection:
        mine = connection.execute(f"select * from {FEATURES} order by customer_id, month_date").df()
    with duckdb_build.connect() as connection:
        demo = connection.execute(f"select * from {FEATURES} order by customer_id, month_date").df()
    shared = [c for c in mine.columns if c not in {"gender", "region", "built_at"}]
    assert len(shared) > 40
    pd.testing.assert_frame_equal(mine[shared], demo[shared], check_dtype=False)
