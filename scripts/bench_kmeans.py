"""Fit time of the KMeans engines: the Python model and the SQL engine on DuckDB, the SQL
engine on Postgres, on a generated bank of a given size loaded as the user's own tables.

    .venv/bin/python scripts/bench_kmeans.py --customers 20000 --months 24 --out bench/kmeans_20000.json

Times are the dbt nodes' execution times from run_results.json: the fit, and with
--diagnostics the k-range diagnostics too (slow in SQL: nine more fits and all-pairs
silhouette distances). Appends a row per engine to bench/KMEANS_RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import psycopg2

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("customers", "customer_activity", "products", "product_holdings", "balances", "revenues")
POSTGRES_DDL = {
    "customers": "customer_id bigint, birth_date date, customer_since date, tier text, annual_income numeric, "
    "gender text, marital_status text, occupation text, region text",
    "customer_activity": "customer_id bigint, month_date date, digital_logins integer, branch_visits integer, "
    "card_transactions integer, call_center_calls integer",
    "products": "product_id integer, product_name text, product_type text",
    "product_holdings": "customer_id bigint, product_id integer, opened_on date, closed_on date",
    "balances": "customer_id bigint, product_id integer, month_date date, balance numeric(18, 2)",
    "revenues": "customer_id bigint, product_id integer, month_date date, revenue numeric(18, 2)",
}


def postgres_settings() -> dict[str, str]:
    return {
        "PGHOST": os.environ.get("PGHOST", "127.0.0.1"),
        "PGPORT": os.environ.get("PGPORT", "5432"),
        "PGUSER": os.environ.get("PGUSER", "postgres"),
        "PGPASSWORD": os.environ.get("PGPASSWORD", ""),
        "PGDATABASE": os.environ.get("PGDATABASE", "postgres"),
    }


def postgres_connection(settings: dict[str, str]) -> psycopg2.extensions.connection:
    connection = psycopg2.connect(
        host=settings["PGHOST"],
        port=int(settings["PGPORT"]),
        user=settings["PGUSER"],
        password=settings["PGPASSWORD"],
        dbname=settings["PGDATABASE"],
    )
    connection.autocommit = True
    return connection


def run_dbt(work: Path, target: str, env: dict[str, str], variables: dict, select: str) -> dict[str, float]:
    """Runs dbt and returns the execution time of each node that ran, by model name."""
    command = [
        str(Path(sys.executable).with_name("dbt")), "run", "--target", target, "--select", select,
        "--vars", json.dumps(variables), "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
    ]  # fmt: skip
    subprocess.run(command, cwd=ROOT, env={**os.environ, "DBT_PROFILES_DIR": str(ROOT), **env}, check=True)
    results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    return {result["unique_id"].split(".")[-1]: result["execution_time"] for result in results}


def load_duckdb(data: Path, db_path: Path) -> None:
    with duckdb.connect(str(db_path)) as connection:
        connection.execute("create schema bank_raw")
        for table in TABLES:
            connection.execute(f"create table bank_raw.{table} as select * from read_csv_auto('{data / table}.csv')")


def load_postgres(data: Path, settings: dict[str, str], schema: str) -> None:
    with postgres_connection(settings) as connection, connection.cursor() as cursor:
        cursor.execute(f"drop schema if exists {schema} cascade")
        cursor.execute(f"create schema {schema}")
        for table in TABLES:
            cursor.execute(f"create table {schema}.{table} ({POSTGRES_DDL[table]})")
            with (data / f"{table}.csv").open() as handle:
                cursor.copy_expert(f"copy {schema}.{table} from stdin with csv header", handle)


def drop_postgres_schemas(settings: dict[str, str], prefix: str) -> None:
    with postgres_connection(settings) as connection, connection.cursor() as cursor:
        cursor.execute("select nspname from pg_namespace where nspname like %s", (prefix + "%",))
        for (schema,) in cursor.fetchall():
            cursor.execute(f'drop schema "{schema}" cascade')


def benchmark(customers: int, months: int, seed: int, diagnostics: bool) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        data = work / "data"
        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "generate_demo_data.py"), "--customers", str(customers),
             "--months", str(months), "--seed", str(seed), "--out", str(data)],
            check=True,
        )  # fmt: skip
        db_path = work / "bench.duckdb"
        load_duckdb(data, db_path)
        duck_env = {"DBT_DUCKDB_PATH": str(db_path), "DBT_SCHEMA_PREFIX": ""}
        for engine, fit, diagnostics_model in (
            ("python", "seg_kmeans_fits", "seg_k_diagnostics"),
            ("sql", "seg_kmeans_fits_sql", "seg_k_diagnostics_sql"),
        ):
            times = run_dbt(
                work, "duckdb", duck_env, {"input_schema": "bank_raw", "kmeans_engine": engine},
                f"+{fit} {diagnostics_model}" if diagnostics else f"+{fit}",
            )  # fmt: skip
            rows.append(
                {
                    "target": "duckdb",
                    "engine": engine,
                    "fit_s": times[fit],
                    "diagnostics_s": times.get(diagnostics_model),
                }
            )
        settings = postgres_settings()
        prefix = f"bench{os.getpid()}_"
        try:
            load_postgres(data, settings, f"{prefix}raw")
            times = run_dbt(
                work, "postgres", {**settings, "DBT_SCHEMA_PREFIX": prefix}, {"input_schema": f"{prefix}raw"},
                "+seg_kmeans_fits_sql seg_k_diagnostics_sql" if diagnostics else "+seg_kmeans_fits_sql",
            )  # fmt: skip
            rows.append(
                {"target": "postgres", "engine": "sql", "fit_s": times["seg_kmeans_fits_sql"],
                 "diagnostics_s": times.get("seg_k_diagnostics_sql")}
            )  # fmt: skip
        finally:
            drop_postgres_schemas(settings, prefix)
    for row in rows:
        row.update(customers=customers, months=months)
    return rows


def append_results(rows: list[dict], path: Path) -> None:
    if not path.exists():
        path.write_text(
            "# KMeans fit times (scripts/bench_kmeans.py)\n\n"
            "| date | machine | customers | months | target | engine | fit s | k diagnostics s |\n"
            "|---|---|---|---|---|---|---|---|\n"
        )
    machine = f"{os.cpu_count()} cores, {platform.machine()}"
    with path.open("a") as handle:
        for row in rows:
            handle.write(
                f"| {dt.date.today()} | {machine} | {row['customers']:,} | {row['months']} | {row['target']} "
                f"| {row['engine']} | {row['fit_s']:.1f} | "
                f"{'not run' if row['diagnostics_s'] is None else format(row['diagnostics_s'], '.1f')} |\n"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--diagnostics", action="store_true", help="also time the k-range diagnostics")
    args = parser.parse_args(argv)
    rows = benchmark(args.customers, args.months, args.seed, args.diagnostics)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(rows, indent=2))
    (ROOT / "bench").mkdir(exist_ok=True)
    append_results(rows, ROOT / "bench" / "KMEANS_RESULTS.md")
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
