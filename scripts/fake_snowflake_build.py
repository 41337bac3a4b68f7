"""Build the project for the Snowflake target without a Snowflake account, under fakesnow.

fakesnow patches the Snowflake connector so that every statement dbt-snowflake sends is
parsed as Snowflake SQL (sqlglot) and run on an embedded DuckDB database. The run:

1. loads the four large demo tables straight into the fake warehouse (dbt-snowflake's seed
   inserts take minutes under fakesnow; the small seeds still go through `dbt seed`);
2. `dbt build` of every model, data test and mart with the SQL KMeans engine (fakesnow runs no
   Python), unit tests excluded (fakesnow cannot create the temporary tables they need);
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


def build(out: Path, dbt_vars: dict) -> list[dict]:
    warehouse = out / "warehouse"
    warehouse.mkdir(parents=True, exist_ok=True)
    sql_vars = json.dumps({**dbt_vars, "kmeans_engine": "sql"})
    python_vars = json.dumps({**dbt_vars, "kmeans_engine": "python"})
    steps: list[dict] = []
    with fakesnow.patch(db_path=warehouse):
        load_demo_tables(schema=os.environ.get("DBT_SCHEMA_PREFIX", "").upper() + "DEMO_DATA")
        for step, args in [
            ("seed", ["seed", "--exclude", *DIRECT_LOADS, "--vars", sql_vars]),
            ("build", ["build", "--exclude", "resource_type:seed", "resource_type:unit_test", "--vars", sql_vars]),
            ("compile_python", ["compile", "--select", "seg_kmeans_fits", "seg_k_diagnostics", "--vars", python_vars]),
        ]:
            steps.append(dbt(out, step, *args))
            if not steps[-1]["success"]:
                break
    return steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="folder for the fake warehouse and dbt artifacts")
    parser.add_argument("--vars", default="{}", help="dbt vars (YAML or JSON), as for dbt --vars")
    arguments = parser.parse_args()
    os.chdir(ROOT)
    os.environ.setdefault("DBT_PROFILES_DIR", str(ROOT))
    for name, value in DUMMY_CREDENTIALS.items():
        os.environ.setdefault(name, value)
    steps = build(arguments.out, yaml.safe_load(arguments.vars) or {})
    (arguments.out / "steps.json").write_text(json.dumps(steps, indent=2))
    print(json.dumps(steps))
    return 0 if all(step["success"] for step in steps) and len(steps) == 3 else 1


if __name__ == "__main__":
    sys.exit(main())
