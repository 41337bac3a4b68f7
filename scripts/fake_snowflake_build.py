"""Build the project for the Snowflake target without a Snowflake account, under fakesnow.

fakesnow patches the Snowflake connector so that every statement dbt-snowflake sends is
parsed as Snowflake SQL (sqlglot) and run on an embedded DuckDB database. The run:

1. loads the four large demo tables straight into the fake warehouse (dbt-snowflake's seed
   inserts take minutes under fakesnow; the small seeds still go through `dbt seed`); with
   --own-names, the six demo tables are then copied into schema BANK as a bank naming
   everything its own way (scripts/own_named_bank.py), upper-case names as Snowflake stores them;
2. `dbt build` of every model, data test and mart with the SQL KMeans engine (fakesnow runs no
   Python), unit tests excluded (fakesnow cannot create the temporary tables they need); with
   --own-names it reads BANK through input_schema, input_tables and input_columns;
3. `dbt compile` of the two Python models, as Snowflake would receive them.

Each dbt step writes its artifacts to <out>/<step>/target; the fake warehouse's database files
are in <out>/warehouse. Used by tests/test_snowflake.py; run it yourself with

    .venv/bin/python scripts/fake_snowflake_build.py --out /tmp/fake_snowflake --vars '{n_init: 2}'
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import fakesnow
import pandas as pd
import snowflake.connector
import snowflake.connector.pandas_tools
import yaml
from dbt.cli.main import dbtRunner
from own_named_bank import OWN_TABLES, OWN_VARS, own_bank_statements

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "DEMO"
DIRECT_LOADS = {
    "balances": ["month_date"],
    "revenues": ["month_date"],
    "customer_activity": ["month_date"],
    "product_holdings": ["opened_on", "closed_on"],
}
DUMMY_CREDENTIALS = {
    "SNOWFLAKE_ACCOUNT": "offline-check",
    "SNOWFLAKE_USER": "dbt",
    "SNOWFLAKE_PASSWORD": "not-a-secret",
    "SNOWFLAKE_ROLE": "transformer",
    "SNOWFLAKE_WAREHOUSE": "transforming",
    "SNOWFLAKE_DATABASE": DATABASE.lower(),
}

PYTHON_MODELS = ["seg_feature_screening", "seg_kmeans_fits", "seg_k_diagnostics", "seg_model_checks", "seg_pca_sample"]


def load_demo_tables(schema: str) -> None:
    """The large demo seeds as tables of the demo_data schema, dates as dates."""
    connection = snowflake.connector.connect(database=DATABASE, schema=schema)
    for table, date_columns in DIRECT_LOADS.items():
        frame = pd.read_csv(ROOT / "seeds" / "demo" / f"{table}.csv")
        for column in date_columns:
            frame[column] = pd.to_datetime(frame[column]).dt.date
        # Looked up at call time: fakesnow.patch replaces the module attribute.
        snowflake.connector.pandas_tools.write_pandas(
            connection, frame, table.upper(), database=DATABASE, schema=schema, auto_create_table=True, overwrite=True
        )
    connection.close()


def load_own_named_bank(demo_schema: str, schema: str) -> None:
    """The six demo tables of demo_schema, as the own-named bank, in schema."""
    connection = snowflake.connector.connect(database=DATABASE, schema=demo_schema)
    cursor = connection.cursor()
    cursor.execute(f"create schema if not exists {schema}")
    columns = {}
    for table in OWN_TABLES:
        cursor.execute(f"create table {schema}.{table} as select * from {demo_schema}.{table}")
        cursor.execute(f"select * from {schema}.{table} limit 0")
        columns[table] = [description[0].lower() for description in cursor.description]
    for statement in own_bank_statements(schema, columns):
        cursor.execute(statement)
    connection.close()


def dbt(out: Path, step: str, *args: str) -> dict:
    """One dbt command on the snowflake target; its timing and success."""
    started = time.monotonic()
    result = dbtRunner().invoke(
        [
            *args,
            "--target",
            "snowflake",
            # fakesnow attaches a database on first use; parallel first connections race.
            "--threads",
            "1",
            "--target-path",
            str(out / step / "target"),
            "--log-path",
            str(out / step / "logs"),
        ]
    )
    return {"step": step, "success": result.success, "seconds": round(time.monotonic() - started, 1)}


def build(out: Path, dbt_vars: dict, own_names: bool = False) -> list[dict]:
    warehouse = out / "warehouse"
    warehouse.mkdir(parents=True, exist_ok=True)
    prefix = os.environ.get("DBT_SCHEMA_PREFIX", "").upper()
    own_vars = {"input_schema": prefix + "BANK", **OWN_VARS} if own_names else {}
    seed_vars = json.dumps({**dbt_vars, "kmeans_engine": "sql"})
    sql_vars = json.dumps({**dbt_vars, **own_vars, "kmeans_engine": "sql"})
    python_vars = json.dumps({**dbt_vars, **own_vars, "kmeans_engine": "python"})
    steps: list[dict] = []
    with fakesnow.patch(db_path=warehouse):
        load_demo_tables(schema=prefix + "DEMO_DATA")
        for step, args in [
            ("seed", ["seed", "--exclude", *DIRECT_LOADS, "--vars", seed_vars]),
            ("build", ["build", "--exclude", "resource_type:seed", "resource_type:unit_test", "--vars", sql_vars]),
            (
                "compile_python",
                ["compile", "--select", *PYTHON_MODELS, "--vars", python_vars],
            ),
        ]:
            if step == "build" and own_names:
                load_own_named_bank(prefix + "DEMO_DATA", prefix + "BANK")
            steps.append(dbt(out, step, *args))
            if not steps[-1]["success"]:
                break
    return steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="folder for the fake warehouse and dbt artifacts")
    parser.add_argument("--vars", default="{}", help="dbt vars (YAML or JSON), as for dbt --vars")
    parser.add_argument("--own-names", action="store_true", help="build from the demo data named a bank's own way")
    arguments = parser.parse_args()
    os.chdir(ROOT)
    os.environ.setdefault("DBT_PROFILES_DIR", str(ROOT))
    for name, value in DUMMY_CREDENTIALS.items():
        os.environ.setdefault(name, value)
    steps = build(arguments.out, yaml.safe_load(arguments.vars) or {}, arguments.own_names)
    (arguments.out / "steps.json").write_text(json.dumps(steps, indent=2))
    print(json.dumps(steps))
    return 0 if all(step["success"] for step in steps) and len(steps) == 3 else 1


if __name__ == "__main__":
    sys.exit(main())
