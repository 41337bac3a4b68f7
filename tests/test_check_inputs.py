"""`dbt run-operation check_inputs`: the inputs checked before anything is built.

It reports what it finds in each input table and every problem at once, marked stop or
quarantine as the build would treat it, and fails when the build would stop. The report of a
bank with four problems is pinned in tests/fixtures/check_inputs_four_problems.txt (rewrite it
with CHECK_INPUTS_PIN=1 and read the diff)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import duckdb
import pytest

from conftest import ROOT, DuckdbBuild, copy_demo_inputs, duckdb_project

PINNED = ROOT / "tests" / "fixtures" / "check_inputs_four_problems.txt"
FOUR_PROBLEMS = [
    # stop: a customer twice
    "insert into bank.customers select * from bank.customers where customer_id = 10",
    # quarantine: a customer without a tier
    "update bank.customers set tier = null where customer_id = 20",
    # quarantine: a balance month that is not a date
    "alter table bank.balances alter month_date type varchar",
    "update bank.balances set month_date = '31/01/2024'"
    " where customer_id = 1 and product_id = 1 and month_date = '2024-01-31'",
    # quarantine: a holding of a product the products table does not have
    "insert into bank.product_holdings values (30, 99, date '2024-05-01', null)",
]


def check_inputs(tmp_path: Path, demo: DuckdbBuild, statements: list[str]) -> tuple[int, list[str]]:
    """check_inputs on the demo inputs in schema bank of a new database, changed by statements:
    the exit code and the report's lines."""
    db_path = tmp_path / "inputs.duckdb"
    with duckdb.connect(str(db_path)) as connection:
        copy_demo_inputs(connection, demo, "bank")
        for statement in statements:
            connection.execute(statement)
    project = duckdb_project(tmp_path, db_path)
    result = project.run("run-operation", "check_inputs", "--vars", json.dumps({"input_schema": "bank"}), check=False)
    lines = result.stdout.splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("customers:"))
    end = next(index for index, line in enumerate(lines) if line.startswith("problems:"))
    return result.returncode, lines[start : end + 1]


def test_the_demo_inputs_pass_and_list_every_month(tmp_path: Path, duckdb_build: DuckdbBuild) -> None:
    returncode, lines = check_inputs(tmp_path, duckdb_build, [])
    assert returncode == 0, lines
    assert lines[-1] == "problems: 0 would stop the build, 0 would quarantine rows, 0 warning(s)"
    [months] = [line for line in lines if line.startswith("reference_date may name: ")]
    listed = re.findall(r"\d{4}-\d{2}\*?", months.split(" (*")[0])
    assert len(listed) == 24 and sum(month.endswith("*") for month in listed) == 13, months
    assert "the default: 2025-12" in months


def test_four_problems_are_reported_in_one_run(tmp_path: Path, duckdb_build: DuckdbBuild) -> None:
    returncode, lines = check_inputs(tmp_path, duckdb_build, FOUR_PROBLEMS)
    assert returncode != 0
    report = "\n".join(lines) + "\n"
    if os.environ.get("CHECK_INPUTS_PIN"):
        PINNED.write_text(report)
    assert report == PINNED.read_text()
    assert [
        line.split(":")[0].strip() for line in lines if line.startswith("  stop") or line.startswith("  quarantine")
    ] == [
        "quarantine  customers.tier",
        "stop        customers.customer_id",
        "quarantine  product_holdings.product_id",
        "quarantine  balances.month_date",
    ]


def test_a_half_loaded_latest_month_is_a_warning(tmp_path: Path, duckdb_build: DuckdbBuild) -> None:
    half = "delete from bank.balances where month_date = '2025-12-31' and customer_id % 2 = 0"
    returncode, lines = check_inputs(tmp_path, duckdb_build, [half])
    assert returncode == 0, lines
    [warning] = [line for line in lines if line.startswith("  warn")]
    assert warning.startswith("  warn        latest month 2025-12: ") and "a month loaded half way?" in warning
    assert lines[-1] == "problems: 0 would stop the build, 0 would quarantine rows, 1 warning(s)"


def test_an_is_liability_that_says_neither_yes_nor_no_is_reported(tmp_path: Path, duckdb_build: DuckdbBuild) -> None:
    statements = [
        "alter table bank.products add column is_liability varchar",
        "update bank.products set is_liability = case product_id when 7 then 'Y' when 8 then 'maybe' end",
    ]
    returncode, lines = check_inputs(tmp_path, duckdb_build, statements)
    assert returncode == 0, lines
    [problem] = [line for line in lines if "not_a_boolean" in line]
    assert problem == "  quarantine  products.is_liability: rule not_a_boolean, 1 row(s), e.g. product_id=8"
    assert lines[-1] == "problems: 0 would stop the build, 1 would quarantine rows, 0 warning(s)"


def test_a_missing_table_is_named_with_the_columns_it_needs(tmp_path: Path, duckdb_build: DuckdbBuild) -> None:
    returncode, lines = check_inputs(tmp_path, duckdb_build, ["drop table bank.products"])
    assert returncode != 0
    assert (
        "  stop        Input table products is missing from schema bank (rule: required table): no table or view"
        " products (var input_tables names your own). It needs the columns product_id, product_name, product_type."
    ) in lines


@pytest.mark.parametrize("variables", [{"n_clusters": 1}])
def test_check_inputs_validates_the_vars_itself(tmp_path: Path, variables: dict) -> None:
    project = duckdb_project(tmp_path, tmp_path / "empty.duckdb")
    result = project.run("run-operation", "check_inputs", "--vars", json.dumps(variables), check=False)
    assert result.returncode != 0
    assert "Invalid var 'n_clusters': got 1; allowed: an integer from 2 to 50." in result.stdout
