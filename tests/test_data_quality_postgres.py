"""Bad input on the Postgres server: missing table or column and a duplicate customer stop the
run with a clear message; orphan rows are quarantined and listed in the audit table."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import SEEDS, DbtProject, drop_schemas_with_prefix, postgres_connect

pytestmark = pytest.mark.postgres

COLUMNS = {
    "customers": "customer_id bigint, birth_date date, customer_since date, tier text, annual_income numeric,"
    " gender text, marital_status text, occupation text, region text",
    "products": "product_id integer, product_name text, product_type text",
    "product_holdings": "customer_id bigint, product_id integer, opened_on date, closed_on date",
    "balances": "customer_id bigint, product_id integer, month_date date, balance numeric",
    "revenues": "customer_id bigint, product_id integer, month_date date, revenue numeric",
    "customer_activity": "customer_id bigint, month_date date, digital_logins integer, branch_visits integer,"
    " card_transactions integer, call_center_calls integer",
}
CASES = {
    "missing_table": ["drop table {s}.products"],
    "missing_column": ["alter table {s}.customers drop column tier"],
    "duplicate_customer": ["insert into {s}.customers select * from {s}.customers where customer_id = 10"],
    "orphans": [
        "insert into {s}.product_holdings values (999999, 1, '2024-01-01', null), (4, 777, '2024-01-01', null)",
        "insert into {s}.balances values (999999, 1, '2025-01-31', 5.0)",
        "insert into {s}.revenues values (4, 777, '2025-01-31', 1.0)",
        "insert into {s}.customer_activity (customer_id, month_date) values (999997, '2025-01-31')",
    ],
}


@pytest.fixture(scope="module")
def inputs(postgres_settings_checked: dict[str, str]) -> Iterator[tuple[dict[str, str], str]]:
    """The demo bank loaded once, copied into one schema per case and spoiled there."""
    prefix = f"q{uuid.uuid4().hex[:8]}_"
    connection = postgres_connect(postgres_settings_checked)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"create schema {prefix}clean")
            for table, columns in COLUMNS.items():
                cursor.execute(f"create table {prefix}clean.{table} ({columns})")
                with (SEEDS / f"{table}.csv").open() as rows:
                    cursor.copy_expert(f"copy {prefix}clean.{table} from stdin with (format csv, header true)", rows)
            for case, statements in CASES.items():
                schema = f"{prefix}{case}"
                cursor.execute(f"create schema {schema}")
                for table in COLUMNS:
                    cursor.execute(f"create table {schema}.{table} as table {prefix}clean.{table}")
                for statement in statements:
                    cursor.execute(statement.format(s=schema))
        yield postgres_settings_checked, prefix
    finally:
        connection.close()
        drop_schemas_with_prefix(postgres_settings_checked, prefix)


def project_for(inputs: tuple[dict[str, str], str], case: str, work_dir: Path) -> DbtProject:
    settings, prefix = inputs
    env = {**settings, "DBT_SCHEMA_PREFIX": f"{prefix}{case}_out_"}
    return DbtProject(work_dir=work_dir, env=env, target="postgres")


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing_table", "Input table products is missing from schema {s} (rule: required table)"),
        ("missing_column", "Input table customers, column tier: rule 'required column' - the column is missing"),
        # an error-severity test on base_bank__customers (tests/data/generic/input_keys.sql)
        ("duplicate_customer", "Failure in test input_customers_customer_id_is_unique"),
    ],
)
def test_bad_input_stops_the_run_on_postgres(
    inputs: tuple[dict[str, str], str], tmp_path: Path, case: str, message: str
) -> None:
    schema = f"{inputs[1]}{case}"
    project = project_for(inputs, case, tmp_path)
    command = "build" if case == "duplicate_customer" else "run"  # a data test; the others stop compiling
    result = project.run(command, "--select", "staging", "--vars", json.dumps({"input_schema": schema}), check=False)
    assert result.returncode != 0
    assert message.format(s=schema) in " ".join(result.stdout.split()), result.stdout[-3000:]


def test_orphans_are_quarantined_on_postgres(inputs: tuple[dict[str, str], str], tmp_path: Path) -> None:
    settings, prefix = inputs
    project = project_for(inputs, "orphans", tmp_path)
    project.run(
        "run",
        "--select",
        "staging",
        "data_quality_issues",
        "data_quality_runs",
        "--vars",
        json.dumps({"input_schema": f"{prefix}orphans"}),
    )
    connection = postgres_connect(settings)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"select input_table, source_key, rule_name from {prefix}orphans_out_audit.data_quality_issues"
                " order by input_table, source_key"
            )
            issues = cursor.fetchall()
    finally:
        connection.close()
    assert issues == [
        ("balances", "customer_id=999999|product_id=1|month_date=2025-01-31", "orphan_customer"),
        ("customer_activity", "customer_id=999997|month_date=2025-01-31", "orphan_customer"),
        ("product_holdings", "customer_id=4|product_id=777|opened_on=2024-01-01", "orphan_product"),
        ("product_holdings", "customer_id=999999|product_id=1|opened_on=2024-01-01", "orphan_customer"),
        ("revenues", "customer_id=4|product_id=777|month_date=2025-01-31", "orphan_product"),
    ]
