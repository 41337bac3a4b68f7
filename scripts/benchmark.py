"""Scale benchmark: the dbt pipeline against the hardware floor and a pandas pipeline, and the
cost of adding one month, on a generated bank read in place from Parquet.

    .venv/bin/python scripts/benchmark.py --customers 100000 --months 24 --out bench/bench_100000.json
    .venv/bin/python scripts/benchmark.py --customers 100000 --months 24 --target postgres --out bench/pg.json

The generator writes months + 1 months of Parquet; the input views (schema bank_raw) show the
bank as it was known at the end of month `months` (later facts, customers and holdings hidden,
later closings still open). Then, in one run:

- floor_s: one scan-aggregate of the balance and revenue facts, sum per customer and month;
- bare_query_s: the money features as one hand-written query, written to a table: each fact
  pivoted per product type with its total (exact decimals, as in the project), and the
  lookback average of every pivoted column; no data-quality checks, holdings, activity,
  demographics or dense month spine. How close dbt comes to the bare SQL on this machine;
- features_s: `dbt run` of staging and intermediate (every customer-month feature). On Postgres,
  where that stage is the longest (about half an hour at a million customers) and a separate run
  would double it, the same stage inside the full build: from the start of `dbt build` until
  int_customer_month_features is written, with the tests of its inputs that dbt runs meanwhile;
- pandas_features_s: scripts/pandas_features.py on the same Parquet files (DuckDB only);
- full_build_s: `dbt build` from an empty database (features, fit, scoring, marts, tests);
  kmeans_fit_s, diagnostics_s (the k range) and scoring_s are its nodes' times;
- kmeans_inertia_vs_sklearn, kmeans_ari_vs_sklearn: the fit's inertia on the training matrix over
  that of scikit-learn KMeans(n_clusters, n_init, random_state) on the same matrix, and the
  adjusted Rand index of their segments (after the full build, not timed);
- add_month_s: the views move on one month, then `dbt build` again (incremental);
- peak_rss_mb: peak resident memory of the dbt process tree over all dbt runs;
  server_peak_pss_mb (Postgres): peak proportional set size of the server's processes meanwhile,
  shared memory counted once;
- features_slowest_nodes, full_build_slowest_nodes, add_month_slowest_nodes: the ten nodes
  (models and tests) that took longest in each dbt command (on Postgres, for the features: of the
  nodes the build finished by then), seconds.

dbt times are wall-clock times of the dbt command, start-up included. The project is parsed
once first (parse_s, reported apart), so the timed commands use dbt's partial parsing, as any
second dbt command does. Writes the JSON and appends a row to bench/RESULTS.md (--results for
another file).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from bench_kmeans import POSTGRES_DDL, drop_postgres_schemas, postgres_connection, postgres_settings  # noqa: E402

TABLES = ("customers", "customer_activity", "products", "product_holdings", "balances", "revenues")
RAW = "bank_raw"


def next_month(end_month: str) -> tuple[str, dt.date]:
    """The month after end_month (YYYY-MM), and the last day of end_month."""
    year, month = (int(part) for part in end_month.split("-"))
    next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
    cutoff = dt.date(next_year, next_month, 1) - dt.timedelta(days=1)
    return f"{next_year:04d}-{next_month:02d}", cutoff


def view_sql(table: str, source: str, cutoff: dt.date) -> str:
    """The input table as known at cutoff: nothing that starts later, closings after it still open."""
    day = f"date '{cutoff}'"
    if table == "customers":
        return f"select * from {source} where customer_since <= {day}"
    if table == "product_holdings":
        return (
            "select customer_id, product_id, opened_on, "
            f"case when closed_on > {day} then null else closed_on end as closed_on "
            f"from {source} where opened_on <= {day}"
        )
    if table == "products":
        return f"select * from {source}"
    return f"select * from {source} where month_date <= {day}"


class PeakRss:
    """Polls the resident memory of a process and its descendants (Linux /proc), and with
    watch_server the proportional set size of every Postgres server process."""

    def __init__(self, watch_server: bool = False) -> None:
        self.peak_kb = 0
        self.server_peak_kb = 0
        self.watch_server = watch_server

    @staticmethod
    def _tree(pid: int) -> list[int]:
        pids, queue = [], [pid]
        while queue:
            current = queue.pop()
            pids.append(current)
            for task in Path(f"/proc/{current}/task").glob("*"):
                children = (task / "children").read_text().split() if (task / "children").exists() else []
                queue.extend(int(child) for child in children)
        return pids

    def watch(self, process: subprocess.Popen) -> None:
        while process.poll() is None:
            total = 0
            try:
                for pid in self._tree(process.pid):
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1])
            except (FileNotFoundError, ProcessLookupError):
                pass
            self.peak_kb = max(self.peak_kb, total)
            if self.watch_server:
                self.server_peak_kb = max(self.server_peak_kb, server_pss_kb())
            time.sleep(0.1)


def server_pss_kb() -> int:
    """Proportional set size of the processes named postgres, summed: shared buffers once."""
    total = 0
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() != "postgres":
                continue
            for line in (comm.parent / "smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            pass
    return total


class Bench:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.work = work
        self.rss = PeakRss(watch_server=args.target == "postgres")
        self.prefix = f"bench{os.getpid()}_" if args.target == "postgres" else ""
        self.pg = postgres_settings() if args.target == "postgres" else {}
        self.db_path = work / "bench.duckdb"
        self.last_started = dt.datetime.now(dt.UTC)  # of the latest dbt command
        self.last_results: list[dict] = []  # its run_results.json results

    # dbt ------------------------------------------------------------------------------------
    def dbt(self, *args: str, variables: dict | None = None) -> tuple[float, dict[str, float]]:
        """Runs dbt; returns the wall-clock seconds and each node's execution time."""
        env = {**os.environ, "DBT_PROFILES_DIR": str(ROOT), **self.pg, "DBT_SCHEMA_PREFIX": self.prefix}
        env["DBT_DUCKDB_PATH"] = str(self.db_path)
        env["DBT_DUCKDB_MEMORY_LIMIT"] = self.args.duckdb_memory_limit
        command = [
            str(Path(sys.executable).with_name("dbt")), *args, "--target", self.args.target,
            "--vars", json.dumps({"input_schema": self.raw_schema, **self.args.vars, **(variables or {})}),
            "--target-path", str(self.work / "target"), "--log-path", str(self.work / "logs"),
            "--threads", str(self.args.dbt_threads),
        ]  # fmt: skip
        log = (self.work / "dbt.log").open("a")
        self.last_started, self.last_results = dt.datetime.now(dt.UTC), []
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.rss.watch(process)
        elapsed = time.perf_counter() - started
        log.close()
        if process.returncode != 0:
            tail = (self.work / "dbt.log").read_text()[-4000:]
            raise RuntimeError(f"dbt {' '.join(args)} failed:\n{tail}")
        run_results = self.work / "target" / "run_results.json"
        if args[0] == "parse" or not run_results.exists():
            return elapsed, {}
        results = json.loads(run_results.read_text())["results"]
        self.last_results = results
        return elapsed, node_times(results)

    def stage_within_last_command(self, last_node: str) -> tuple[float, dict[str, float]]:
        """Seconds from the start of the latest dbt command until last_node was written, and the
        execution times of the nodes finished by then."""
        finished = {result["unique_id"]: node_finished_at(result) for result in self.last_results}
        stage_end = next(at for unique_id, at in finished.items() if node_name(unique_id) == last_node)
        nodes = node_times([result for result in self.last_results if finished[result["unique_id"]] <= stage_end])
        return (stage_end - self.last_started).total_seconds(), nodes

    @property
    def raw_schema(self) -> str:
        return f"{self.prefix}{RAW}"

    # inputs ---------------------------------------------------------------------------------
    def create_views(self, data: Path, cutoff: dt.date) -> None:
        if self.args.target == "duckdb":
            with duckdb.connect(str(self.db_path)) as connection:
                connection.execute(f"create schema if not exists {RAW}")
                for table in TABLES:
                    source = f"read_parquet('{data / table}.parquet')"
                    connection.execute(f"create or replace view {RAW}.{table} as {view_sql(table, source, cutoff)}")
        else:
            with postgres_connection(self.pg) as connection, connection.cursor() as cursor:
                for table in TABLES:
                    source = f"{self.prefix}bank_load.{table}"
                    # create or replace: the staging views depend on these (same columns).
                    sql = view_sql(table, source, cutoff)
                    cursor.execute(f"create or replace view {self.raw_schema}.{table} as {sql}")

    def load_postgres(self, data: Path) -> None:
        """Postgres cannot read Parquet: the files are copied once into tables (not timed)."""
        with postgres_connection(self.pg) as connection, connection.cursor() as cursor:
            cursor.execute(f"create schema {self.prefix}bank_load")
            cursor.execute(f"create schema {self.raw_schema}")
            with duckdb.connect() as duck:
                for table in TABLES:
                    cursor.execute(f"create table {self.prefix}bank_load.{table} ({POSTGRES_DDL[table]})")
                    csv = self.work / f"{table}.csv"
                    duck.execute(f"copy (select * from read_parquet('{data / table}.parquet')) to '{csv}' (header)")
                    with csv.open() as handle:
                        cursor.copy_expert(f"copy {self.prefix}bank_load.{table} from stdin with csv header", handle)
                    csv.unlink()
                    cursor.execute(f"analyze {self.prefix}bank_load.{table}")

    def reset_database(self, data: Path, cutoff: dt.date) -> None:
        """An empty warehouse holding only the input views."""
        if self.args.target == "duckdb":
            self.db_path.unlink(missing_ok=True)
        else:
            drop_postgres_schemas(self.pg, self.prefix)
            self.load_postgres(data)
        self.create_views(data, cutoff)

    # measures -------------------------------------------------------------------------------
    def floor(self) -> float:
        query = f"""
            select count(*), sum(balance), sum(revenue) from (
                select customer_id, month_date, sum(balance) as balance, sum(revenue) as revenue
                from (
                    select customer_id, month_date, balance, null as revenue from {self.raw_schema}.balances
                    union all
                    select customer_id, month_date, null as balance, revenue from {self.raw_schema}.revenues
                ) as facts
                group by customer_id, month_date
            ) as per_customer_month
        """
        with self.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(query)
            cursor.fetchall()
            return time.perf_counter() - started

    def bare_query(self) -> float:
        """Seconds to write the bare money features as one table (dropped afterwards)."""
        table = f"{self.raw_schema}.bench_bare_query"
        with self.cursor() as cursor:
            if self.args.target == "duckdb":
                # Under the same memory cap as the dbt runs it is compared with.
                cursor.execute(f"set memory_limit = '{self.args.duckdb_memory_limit}'")
            cursor.execute(PRODUCT_TYPES.format(raw=self.raw_schema))
            types = [row[0] for row in cursor.fetchall()]
            started = time.perf_counter()
            cursor.execute(f"create table {table} as {bare_query_sql(self.raw_schema, types, self.lookback)}")
            elapsed = time.perf_counter() - started
            cursor.execute(f"drop table {table}")
            return elapsed

    @property
    def lookback(self) -> int:
        return int(self.args.vars.get("lookback_months", 12))

    def count(self, relation: str) -> int:
        with self.cursor() as cursor:
            cursor.execute(f"select count(*) from {relation}")
            return cursor.fetchone()[0]

    def server_settings(self) -> dict[str, str]:
        """The Postgres settings the figures depend on."""
        names = ("server_version", "shared_buffers", "work_mem", "maintenance_work_mem", "effective_cache_size",
                 "max_parallel_workers_per_gather", "max_parallel_workers", "jit", "synchronous_commit")  # fmt: skip
        with self.cursor() as cursor:
            cursor.execute("select name, setting, unit from pg_settings where name in %s order by name", (names,))
            return {name: f"{setting}{' ' + unit if unit else ''}" for name, setting, unit in cursor.fetchall()}

    def kmeans_quality(self, registry: str) -> dict[str, float]:
        """The latest fit in registry (seg_kmeans_fits or seg_kmeans_fits_sql) against scikit-learn's
        KMeans with the same settings on the same training matrix: inertias, and the adjusted Rand
        index of the segments (each customer's nearest centroid of the fit)."""
        from sklearn.cluster import KMeans
        from sklearn.metrics import adjusted_rand_score

        schema = f"{self.prefix}segment_model"
        with self.cursor() as cursor:
            cursor.execute(
                "select segment_id, feature, centroid, n_clusters, n_init, random_seed, inertia"
                f" from {schema}.{registry} where fit_number = (select max(fit_number) from {schema}.{registry})"
                " order by segment_id, feature"
            )
            fit = cursor.fetchall()
            cursor.execute(f"select * from {schema}.seg_training_matrix order by customer_id")
            columns = [column[0] for column in cursor.description]
            rows = cursor.fetchall()
        features = sorted({row[1] for row in fit})
        segments = sorted({row[0] for row in fit})
        centroids = np.array([[next(r[2] for r in fit if r[0] == s and r[1] == f) for f in features] for s in segments])
        positions = [columns.index(feature) for feature in features]
        matrix = np.array([[row[index] for index in positions] for row in rows], dtype=np.float64)
        labels = ((matrix[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
        n_clusters, n_init, random_seed, inertia = (fit[0][3], fit[0][4], fit[0][5], float(fit[0][6]))
        reference = KMeans(int(n_clusters), n_init=int(n_init), random_state=int(random_seed)).fit(matrix)
        return {
            "sklearn_inertia": float(reference.inertia_),
            "kmeans_inertia": inertia,
            "kmeans_inertia_vs_sklearn": inertia / float(reference.inertia_),
            "kmeans_ari_vs_sklearn": float(adjusted_rand_score(reference.labels_, labels)),
        }

    @contextlib.contextmanager
    def cursor(self) -> Iterator[Any]:
        """The target's database, as an object with execute(), fetchall() and fetchone()."""
        if self.args.target == "duckdb":
            with duckdb.connect(str(self.db_path)) as connection:
                yield connection
        else:
            with postgres_connection(self.pg) as connection, connection.cursor() as cursor:
                yield cursor

    def pandas_features(self, data: Path, cutoff: dt.date) -> tuple[float, float]:
        command = [sys.executable, str(ROOT / "scripts" / "pandas_features.py"), "--data", str(data),
                   "--cutoff", str(cutoff)]  # fmt: skip
        watcher = PeakRss()
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
        watcher.watch(process)
        if process.returncode != 0:
            raise RuntimeError("scripts/pandas_features.py failed")
        return time.perf_counter() - started, watcher.peak_kb / 1024


PRODUCT_TYPES = "select distinct product_type from {raw}.products where product_type is not null order by 1"


def sql_text(value: str) -> str:
    """value as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def bare_query_sql(raw: str, product_types: list[str], lookback_months: int) -> str:
    """The bare money features: per fact, one exact sum per product type and the total per
    customer and month, then each one's average over the lookback window."""
    names = {product_type: re.sub(r"[^a-z0-9_]", "_", product_type.lower()) for product_type in product_types}
    pivots, columns = [], []
    for fact, amount in (("balances", "balance"), ("revenues", "revenue")):
        exact = f"cast(facts.{amount} as numeric(28, 6))"
        sums = [
            f"sum(case when products.product_type = {sql_text(product_type)} then {exact} end) as {amount}_{name}"
            for product_type, name in names.items()
        ]
        sums.append(f"sum({exact}) as {amount}_total")
        pivots.append(
            f"{fact} as (select facts.customer_id, facts.month_date, {', '.join(sums)} from {raw}.{fact} as facts"
            f" inner join {raw}.products as products on facts.product_id = products.product_id"
            " group by facts.customer_id, facts.month_date)"
        )
        columns += [f"{amount}_{name}" for name in [*names.values(), "total"]]
    window = (
        "over (partition by customer_id order by month_date"
        f" rows between {lookback_months - 1} preceding and current row)"
    )
    monthly = ", ".join(f"coalesce({column}, 0) as {column}" for column in columns)
    averages = ", ".join(f"cast(avg({column}) {window} as double precision) as {column}_avg" for column in columns)
    return (
        f"with {', '.join(pivots)}, monthly as (select coalesce(balances.customer_id, revenues.customer_id)"
        " as customer_id, coalesce(balances.month_date, revenues.month_date) as month_date, "
        f"{monthly} from balances full outer join revenues on balances.customer_id = revenues.customer_id"
        " and balances.month_date = revenues.month_date) "
        f"select customer_id, month_date, {', '.join(columns)}, {averages} from monthly"
    )


def generate(args: argparse.Namespace, data: Path, end_month: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_demo_data.py"), "--customers", str(args.customers),
         "--months", str(args.months + 1), "--end-month", end_month, "--seed", str(args.seed),
         "--format", "parquet", "--out", str(data)],
        check=True,
    )  # fmt: skip
    return time.perf_counter() - started


def run(args: argparse.Namespace, work: Path) -> dict:
    end_month, cutoff = next_month(args.end_month)  # the data runs one month past the first build
    _, next_cutoff = next_month(end_month)
    data = args.data or work / "data"
    generate_s = None
    if not (data / "balances.parquet").exists():
        generate_s = generate(args, data, end_month)
    bench = Bench(args, work)
    result: dict = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "target": args.target,
        "customers": args.customers,
        "months": args.months,
        "machine": machine(),
        "load_average_at_start": round(os.getloadavg()[0], 2),
        **run_context("scripts/benchmark.py"),
        "vars": args.vars,
        "duckdb_memory_limit": args.duckdb_memory_limit,
        "dbt_threads": args.dbt_threads,
        "generate_s": generate_s,
    }
    if args.target == "postgres":
        result["server_settings"] = bench.server_settings()
    try:
        bench.reset_database(data, cutoff)
        result["floor_s"] = bench.floor()
        result["parse_s"], _ = bench.dbt("parse")
        result["pandas_features_s"], result["pandas_peak_rss_mb"] = None, None
        if args.target == "duckdb":
            features_s, nodes = bench.dbt("run", "--select", "+int_customer_month_features")
            result["features_s"] = features_s
            result["features_slowest_nodes"] = slowest(nodes)
            if not args.skip_pandas:
                result["pandas_features_s"], result["pandas_peak_rss_mb"] = bench.pandas_features(data, cutoff)
            # After the timed stage, in a database about to be reset: the features are then built
            # in a file that has not just held (and dropped) the bare query's table.
            result["bare_query_s"] = bench.bare_query()
            bench.reset_database(data, cutoff)
        else:
            result["bare_query_s"] = bench.bare_query()

        full_build_s, nodes = bench.dbt("build")
        result["full_build_s"] = full_build_s
        result["full_build_slowest_nodes"] = slowest(nodes)
        if args.target == "postgres":
            features_s, feature_nodes = bench.stage_within_last_command("int_customer_month_features")
            result["features_s"] = features_s
            result["features_slowest_nodes"] = slowest(feature_nodes)
        result["kmeans_fit_s"] = nodes.get("seg_kmeans_fits", nodes.get("seg_kmeans_fits_sql"))
        result["diagnostics_s"] = nodes.get("seg_k_diagnostics", nodes.get("seg_k_diagnostics_sql"))
        result["scoring_s"] = nodes["seg_customer_month_segments"]
        result["feature_rows"] = bench.count(f"{bench.prefix}intermediate.int_customer_month_features")
        result["scored_rows"] = bench.count(f"{bench.prefix}segment_model.seg_customer_month_segments")
        result.update(
            bench.kmeans_quality("seg_kmeans_fits_sql" if "seg_kmeans_fits_sql" in nodes else "seg_kmeans_fits")
        )

        bench.create_views(data, next_cutoff)
        add_month_s, nodes = bench.dbt("build")
        result["add_month_s"] = add_month_s
        result["add_month_slowest_nodes"] = slowest(nodes)
        result["feature_rows_after_add_month"] = bench.count(f"{bench.prefix}intermediate.int_customer_month_features")
        result["peak_rss_mb"] = bench.rss.peak_kb / 1024
        result["server_peak_pss_mb"] = bench.rss.server_peak_kb / 1024 if args.target == "postgres" else None
    finally:
        if args.target == "postgres":
            drop_postgres_schemas(bench.pg, bench.prefix)
    result["ratio_features_to_floor"] = result["features_s"] / result["floor_s"]
    result["ratio_bare_query_to_floor"] = result["bare_query_s"] / result["floor_s"]
    result["ratio_features_to_bare_query"] = result["features_s"] / result["bare_query_s"]
    result["ratio_full_to_floor"] = result["full_build_s"] / result["floor_s"]
    result["ratio_add_month_to_full"] = result["add_month_s"] / result["full_build_s"]
    result["ratio_kmeans_fit_to_floor"] = result["kmeans_fit_s"] / result["floor_s"]
    result["ratio_diagnostics_to_floor"] = result["diagnostics_s"] / result["floor_s"]
    if result["pandas_features_s"]:
        result["ratio_pandas_to_features"] = result["pandas_features_s"] / result["features_s"]
    return result


def run_context(script: str) -> dict[str, str]:
    """What a result must say about its run: the machine's uptime (load), the commit, the command."""
    return {
        "uptime_at_start": subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip(),
        "commit": subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip(),
        "command": " ".join([script, *sys.argv[1:]]),
    }


def node_name(unique_id: str) -> str:
    """A node's name from its unique_id: data tests' ids end in a hash, unit tests' in their own name."""
    kind, _, *names = unique_id.split(".")
    return names[1] if kind == "unit_test" else names[0]


def node_times(results: list[dict]) -> dict[str, float]:
    """Each node's execution time, seconds, by name, from run_results.json results."""
    return {node_name(result["unique_id"]): result["execution_time"] for result in results}


def node_finished_at(result: dict) -> dt.datetime:
    """When dbt finished a node of run_results.json (its last timing step, UTC); never, for a node
    it did not run."""
    completed = max((step["completed_at"] for step in result["timing"]), default=None)
    if completed is None:
        return dt.datetime.max.replace(tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(completed.replace("Z", "+00:00"))


def slowest(nodes: dict[str, float], count: int = 10) -> dict[str, float]:
    """The nodes (models, tests) that took longest, seconds: where to look first."""
    ranked = sorted(nodes.items(), key=lambda item: (-item[1], item[0]))[:count]
    return {name: round(seconds, 2) for name, seconds in ranked}


def machine() -> str:
    memory_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    return f"{os.cpu_count()} cores, {memory_kb / 1024**2:.0f} GiB, {platform.machine()}"


def seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def append_results(result: dict, path: Path, note: str) -> None:
    if not path.exists():
        path.write_text(
            "# Scale benchmark (scripts/benchmark.py)\n\n"
            "Seconds, wall clock; ratios are dbt time / floor time, and add month / full build.\n\n"
            "| date | machine | target | customers | months | floor s | features s | pandas features s "
            "| full build s | KMeans fit s | scoring s | add month s | peak RSS MB | features/floor "
            "| full/floor | add month/full | feature rows | scored rows | note |\n"
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
        )
    notes = (bare_query_note(result), model_note(result), f"load {result['load_average_at_start']}", note)
    row = [
        result["date"], result["machine"], result["target"], f"{result['customers']:,}", str(result["months"]),
        f"{result['floor_s']:.2f}", seconds(result["features_s"]), seconds(result["pandas_features_s"]),
        seconds(result["full_build_s"]), seconds(result["kmeans_fit_s"]), seconds(result["scoring_s"]),
        seconds(result["add_month_s"]), f"{result['peak_rss_mb']:.0f}", f"{result['ratio_features_to_floor']:.1f}",
        f"{result['ratio_full_to_floor']:.1f}", f"{result['ratio_add_month_to_full']:.2f}",
        f"{result['feature_rows']:,}", f"{result['scored_rows']:,}",
        "; ".join(part for part in notes if part),
    ]  # fmt: skip
    path.write_text(with_table_row(path.read_text(), "| " + " | ".join(row) + " |"))


def bare_query_note(result: dict) -> str:
    """The bare query's figures for the note column (runs before it was measured have none)."""
    if result.get("bare_query_s") is None:
        return ""
    return f"bare query {result['bare_query_s']:.1f} s ({result['ratio_bare_query_to_floor']:.1f}x floor)"


def model_note(result: dict) -> str:
    """The k diagnostics, the fit's quality and the server's memory for the note column."""
    if result.get("kmeans_inertia_vs_sklearn") is None:
        return ""
    server = result.get("server_peak_pss_mb")
    return (
        f"diagnostics {result['diagnostics_s']:.1f} s; inertia {result['kmeans_inertia_vs_sklearn']:.4f}x sklearn,"
        f" ARI {result['kmeans_ari_vs_sklearn']:.3f}" + (f"; server peak {server:.0f} MB" if server else "")
    )


def with_table_row(text: str, row: str) -> str:
    """The text with row added at the end of its first table (notes may follow the table)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| date"))
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return "\n".join([*lines[:end], row, *lines[end:]]) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--end-month", default="2025-12", help="last month of the first build, YYYY-MM")
    parser.add_argument("--target", choices=("duckdb", "postgres"), default="duckdb")
    parser.add_argument("--out", type=Path, required=True, help="JSON file of the figures")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md", help="table to append to")
    parser.add_argument("--data", type=Path, default=None, help="reuse (or create) the generated Parquet here")
    parser.add_argument("--work", type=Path, default=None, help="keep the database and logs here")
    parser.add_argument("--skip-pandas", action="store_true", help="do not run the pandas pipeline")
    parser.add_argument("--note", default="", help="free text for the results row")
    parser.add_argument("--duckdb-memory-limit", default="6GB", help="DuckDB memory_limit of the dbt runs")
    parser.add_argument(
        "--dbt-threads", type=int, default=4,
        help="dbt threads (default 4, as profiles.yml; on DuckDB at a million customers 1 is faster: every query"
        " already uses all cores, and models built side by side only compete for memory)",
    )  # fmt: skip
    parser.add_argument("--vars", type=json.loads, default={}, help="more dbt vars, as JSON (recorded in the JSON)")
    args = parser.parse_args(argv)
    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
        result = run(args, args.work)
    else:
        with tempfile.TemporaryDirectory() as temp:
            result = run(args, Path(temp))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    args.results.parent.mkdir(parents=True, exist_ok=True)
    append_results(result, args.results, args.note)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
