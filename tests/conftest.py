"""Shared fixtures: dbt driven as a user drives it, on a DuckDB file and on the Postgres server.

Every dbt call is the command a user types, run by dbt's own programmatic entry point (dbtRunner)
in this process, with its own target and log folders, so tests never touch the developer's
segmentation.duckdb or target/. A subprocess per call would cost 3 s of start-up each.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import duckdb
import pandas as pd
import psycopg2
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from own_named_bank import OWN_COLUMNS, OWN_TABLES, OWN_VARS, own_bank_statements  # noqa: E402

__all__ = ["OWN_COLUMNS", "OWN_TABLES", "OWN_VARS", "own_bank_statements"]
SEEDS = ROOT / "seeds" / "demo"
DBT = Path(sys.executable).with_name("dbt")


SLOW_FIXTURES: set[str] = set()


def slow_fixture(function: Callable) -> Callable:
    """Below @pytest.fixture: the fixture runs whole dbt builds, so every test that uses it,
    directly or through another fixture (duckdb_copy), is marked slow."""
    SLOW_FIXTURES.add(function.__name__)
    return function


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def load_python_model(name: str) -> ModuleType:
    """A dbt Python model file as a module, so tests can call its functions and model()."""
    path = ROOT / "python_models" / "segmentation" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader, path
    module = importlib.util.module_from_spec(spec)
    # Not put in sys.modules: dbt-duckdb and Snowflake do not either, and the tests must see that.
    spec.loader.exec_module(module)
    return module


@dataclass
class DbtProject:
    """Runs dbt commands against one target with one set of environment overrides."""

    work_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    target: str = "duckdb"
    project_dir: Path = ROOT

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {"DBT_PROFILES_DIR": str(ROOT), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **self.env}
        command = [
            *args,
            "--target",
            self.target,
            "--target-path",
            str(self.work_dir / "target"),
            "--log-path",
            str(self.work_dir / "logs"),
        ]
        result = invoke_dbt(command, env, self.project_dir)
        if check and result.returncode != 0:
            pytest.fail(f"dbt {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-6000:]}\n{result.stderr}")
        return result

    def run_results(self) -> list[dict]:
        return json.loads((self.work_dir / "target" / "run_results.json").read_text())["results"]


def invoke_dbt(command: list[str], env: dict[str, str], project_dir: Path) -> subprocess.CompletedProcess[str]:
    """`dbt <command>` run from project_dir with env set, as a finished process: exit code 0
    (success), 1 (a node failed) or 2 (dbt stopped), and everything dbt printed."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner

    output = io.StringIO()
    with patched_environment(env), contextlib.chdir(project_dir):
        try:
            with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
                result = dbtRunner().invoke(command)
        finally:
            # dbt-duckdb keeps its database open for the next call (what it does at exit lets it
            # go); the tests open the file themselves.
            DuckDBConnectionManager.close_all_connections()
    returncode = 0 if result.success else 2 if result.exception is not None else 1
    stderr = "" if result.exception is None else f"{type(result.exception).__name__}: {result.exception}"
    return subprocess.CompletedProcess(["dbt", *command], returncode, output.getvalue(), stderr)


@contextlib.contextmanager
def patched_environment(env: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@dataclass
class DuckdbBuild:
    project: DbtProject
    path: Path

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.path), read_only=True)


def duckdb_project(work_dir: Path, db_path: Path, project_dir: Path = ROOT) -> DbtProject:
    return DbtProject(
        work_dir=work_dir, env={"DBT_DUCKDB_PATH": str(db_path), "DBT_SCHEMA_PREFIX": ""}, project_dir=project_dir
    )


def copy_project(destination: Path) -> Path:
    """The project's files without build output, for tests that must change a file (a seed)."""
    ignore = shutil.ignore_patterns(".venv", "target", "logs", "*.duckdb", ".git", "__pycache__", "test-output")
    shutil.copytree(ROOT, destination, ignore=ignore)
    return destination


MART_KEYS = {
    "customer_segments": ["customer_id"],
    "customer_segment_history": ["customer_id", "month_date"],
    "segment_profiles": ["segment_id"],
    "segment_feature_heatmap": ["segment_id", "feature"],
    "segment_feature_importance": ["feature"],
    "segment_k_diagnostics": ["k"],
}


ALL_MARTS = [
    *MART_KEYS,
    "segment_tier_matrix",
    "segment_demographics",
    "cross_sell",
    "product_mix",
    "segment_transitions",
    "segment_transition_drivers",
    "segment_history",
    "nbo_customer_input",
    "nbo_customer_input_v2",
    "segment_drift",
    "feature_drift",
]


def read_marts(connection: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """Every mart, sorted by its key, for exact comparisons."""
    return {
        mart: connection.execute(f"select * from marts.{mart} order by {', '.join(keys)}").df()
        for mart, keys in MART_KEYS.items()
    }


@pytest.fixture(scope="session")
@slow_fixture
def duckdb_build(tmp_path_factory: pytest.TempPathFactory) -> DuckdbBuild:
    """The whole project built once with `dbt build` on the demo seeds, default vars."""
    work_dir = tmp_path_factory.mktemp("duckdb_build")
    db_path = work_dir / "segmentation.duckdb"
    project = duckdb_project(work_dir, db_path)
    project.run("build")
    return DuckdbBuild(project=project, path=db_path)


@pytest.fixture(scope="session")
def duckdb_sql_engine(tmp_path_factory: pytest.TempPathFactory) -> DuckdbBuild:
    """The demo segmentation built on DuckDB with the SQL KMeans engine (kmeans_engine: sql)."""
    work_dir = tmp_path_factory.mktemp("duckdb_sql_engine")
    build = DuckdbBuild(duckdb_project(work_dir, work_dir / "bank.duckdb"), work_dir / "bank.duckdb")
    build.project.run("build", "--select", "+customer_segments", "--vars", json.dumps({"kmeans_engine": "sql"}))
    return build


@pytest.fixture
def duckdb_copy(duckdb_build: DuckdbBuild, tmp_path: Path) -> DuckdbBuild:
    """A private copy of the built database, for tests that run dbt again on it."""
    db_path = tmp_path / "copy.duckdb"
    shutil.copy(duckdb_build.path, db_path)
    return DuckdbBuild(project=duckdb_project(tmp_path, db_path), path=db_path)


def postgres_settings() -> dict[str, str]:
    """PG* environment with the defaults the project documents."""
    return {
        "PGHOST": os.environ.get("PGHOST", "127.0.0.1"),
        "PGPORT": os.environ.get("PGPORT", "5432"),
        "PGUSER": os.environ.get("PGUSER", "postgres"),
        "PGPASSWORD": os.environ.get("PGPASSWORD", ""),
        "PGDATABASE": os.environ.get("PGDATABASE", "postgres"),
    }


def postgres_connect(settings: dict[str, str]) -> psycopg2.extensions.connection:
    return psycopg2.connect(
        host=settings["PGHOST"],
        port=int(settings["PGPORT"]),
        user=settings["PGUSER"],
        password=settings["PGPASSWORD"],
        dbname=settings["PGDATABASE"],
        connect_timeout=5,
    )


@dataclass
class PostgresBuild:
    project: DbtProject
    settings: dict[str, str]
    prefix: str
    reader_role: str
    variables: dict  # the vars of the build: every later dbt command on it takes them too

    def connect(self, user: str | None = None) -> psycopg2.extensions.connection:
        return postgres_connect({**self.settings, "PGUSER": user or self.settings["PGUSER"]})

    def query(self, sql: str) -> pd.DataFrame:
        connection = self.connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                columns = [description[0] for description in cursor.description]
                return pd.DataFrame(cursor.fetchall(), columns=columns)
        finally:
            connection.close()


@pytest.fixture(scope="session")
def postgres_settings_checked() -> dict[str, str]:
    """The server must be reachable; in CI an unreachable server fails the suite, never skips."""
    settings = postgres_settings()
    try:
        postgres_connect(settings).close()
    except psycopg2.OperationalError as error:
        message = f"PostgreSQL at {settings['PGHOST']}:{settings['PGPORT']} is unreachable: {error}"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)
    return settings


def drop_schemas_with_prefix(settings: dict[str, str], prefix: str) -> None:
    connection = postgres_connect(settings)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("select nspname from pg_namespace where nspname like %s", (prefix.replace("_", r"\_") + "%",))
        for (schema,) in cursor.fetchall():
            cursor.execute(f'drop schema "{schema}" cascade')
    connection.close()


@pytest.fixture(scope="session")
@slow_fixture
def postgres_build(
    postgres_settings_checked: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PostgresBuild]:
    """The whole project built once with `dbt build --target postgres` in its own prefixed
    schemas, on the demo data as a bank naming everything its own way (OWN_TABLES, OWN_COLUMNS)
    delivers it, granting read access on the marts to a login role made for the test."""
    prefix = f"t{uuid.uuid4().hex[:8]}_"
    reader_role = f"{prefix}bi_reader"
    work_dir = tmp_path_factory.mktemp("postgres_build")
    project = DbtProject(
        work_dir=work_dir, env={**postgres_settings_checked, "DBT_SCHEMA_PREFIX": prefix}, target="postgres"
    )
    execute_as_admin(postgres_settings_checked, f'create role "{reader_role}" login')
    try:
        load_own_bank_by_copy(postgres_settings_checked, f"{prefix}bank")
        # the demo seeds too: the dbt unit tests, which run on them only, read their column types
        load_demo_seeds_by_copy(postgres_settings_checked, f"{prefix}demo_data")
        variables = {"input_schema": f"{prefix}bank", **OWN_VARS, "bi_read_role": reader_role}
        project.run("build", "--vars", json.dumps(variables))
        yield PostgresBuild(project, postgres_settings_checked, prefix, reader_role, variables)
    finally:
        drop_schemas_with_prefix(postgres_settings_checked, prefix)
        execute_as_admin(postgres_settings_checked, f'drop owned by "{reader_role}"', f'drop role "{reader_role}"')


def load_demo_seeds_by_copy(settings: dict[str, str], schema: str) -> None:
    """The demo seeds as dbt seed would load them (the column types pinned in
    seeds/demo/_demo__seeds.yml), by COPY: dbt seed takes a minute on Postgres, COPY a second."""
    seeds = yaml.safe_load((SEEDS / "_demo__seeds.yml").read_text())["seeds"]
    connection = postgres_connect(settings)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'create schema if not exists "{schema}"')
        for seed in seeds:
            table = f'"{schema}".{seed["name"]}'
            columns = ", ".join(f"{name} {data_type}" for name, data_type in seed["config"]["column_types"].items())
            cursor.execute(f"create table {table} ({columns})")
            with (SEEDS / f"{seed['name']}.csv").open() as csv_file:
                header = csv_file.readline().strip()
                cursor.copy_expert(f"copy {table} ({header}) from stdin with (format csv)", csv_file)
    connection.close()


def copy_demo_inputs(connection: duckdb.DuckDBPyConnection, demo: DuckdbBuild, schema: str) -> None:
    """The demo build's seeded input tables (their pinned column types) into schema."""
    connection.execute(f"attach '{demo.path}' as demo (read_only)")
    connection.execute(f"create schema {schema}")
    for table in OWN_TABLES:
        connection.execute(f"create table {schema}.{table} as select * from demo.demo_data.{table}")
    connection.execute("detach demo")


def load_own_bank_by_copy(settings: dict[str, str], schema: str) -> None:
    """The demo data as OWN_TABLES and OWN_COLUMNS name it, in schema."""
    load_demo_seeds_by_copy(settings, schema)
    seeds = yaml.safe_load((SEEDS / "_demo__seeds.yml").read_text())["seeds"]
    columns = {seed["name"]: list(seed["config"]["column_types"]) for seed in seeds}
    execute_as_admin(settings, *own_bank_statements(f'"{schema}"', columns))


def execute_as_admin(settings: dict[str, str], *statements: str) -> None:
    connection = postgres_connect(settings)
    connection.autocommit = True
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    connection.close()
