"""The Snowflake target, verified offline (no account can be reached from here):

- dbt parses the project for the snowflake target with dummy credentials;
- under fakesnow (every statement parsed as Snowflake SQL, run on DuckDB) the SQL layer builds
  end to end with the SQL KMeans engine and its marts equal the DuckDB marts;
- every compiled SQL model and data test parses with sqlglot's Snowflake dialect;
- the Python models run in a Snowpark local-testing session (tests/test_snowpark.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import sqlglot

from conftest import ALL_MARTS, ROOT, DbtProject, DuckdbBuild, duckdb_project, slow_fixture

# Small enough for fakesnow's translation of every KMeans step; the DuckDB side uses the same.
VARS = {"n_init": 2, "diagnostics_k_min": 5, "diagnostics_k_max": 5, "silhouette_sample": 200}
DUMMY_CREDENTIALS = {
    "SNOWFLAKE_ACCOUNT": "offline-check",
    "SNOWFLAKE_USER": "dbt",
    "SNOWFLAKE_PASSWORD": "not-a-secret",
    "SNOWFLAKE_DATABASE": "demo",
    "SNOWFLAKE_WAREHOUSE": "transforming",
    "SNOWFLAKE_ROLE": "transformer",
}


@dataclass
class FakeSnowflakeBuild:
    out: Path

    def artifacts(self, step: str, name: str) -> dict:
        return json.loads((self.out / step / "target" / name).read_text())

    def mart(self, name: str) -> pd.DataFrame:
        with duckdb.connect(str(self.out / "warehouse" / "DEMO.db"), read_only=True) as connection:
            frame = connection.execute(f"select * from marts.{name}").df()
        return frame.rename(columns=str.lower)


@pytest.fixture(scope="module")
@slow_fixture
def fake_snowflake(tmp_path_factory: pytest.TempPathFactory) -> FakeSnowflakeBuild:
    out = tmp_path_factory.mktemp("fake_snowflake")
    env = {**os.environ, "DBT_PROFILES_DIR": str(ROOT), "DBT_SCHEMA_PREFIX": ""}
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    # the demo data as a bank names it (scripts/own_named_bank.py): the mapping on Snowflake's upper-case names
    command = [sys.executable, "-W", "ignore", "scripts/fake_snowflake_build.py", "--out", str(out), "--own-names"]
    result = subprocess.run(
        [*command, "--vars", json.dumps(VARS)], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"fake Snowflake build failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}")
    return FakeSnowflakeBuild(out)


@pytest.fixture(scope="module")
@slow_fixture
def duckdb_same_vars(tmp_path_factory: pytest.TempPathFactory) -> DuckdbBuild:
    """DuckDB with the SQL engine and the same vars as the fake Snowflake build."""
    work_dir = tmp_path_factory.mktemp("duckdb_for_snowflake")
    build = DuckdbBuild(duckdb_project(work_dir, work_dir / "bank.duckdb"), work_dir / "bank.duckdb")
    build.project.run("build", "--vars", json.dumps({**VARS, "kmeans_engine": "sql"}))
    return build


def test_parse_needs_no_connection(tmp_path: Path) -> None:
    project = DbtProject(work_dir=tmp_path, env=DUMMY_CREDENTIALS, target="snowflake")
    project.run("parse")
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    assert manifest["metadata"]["adapter_type"] == "snowflake"
    python_models = [node for node in manifest["nodes"].values() if node.get("language") == "python"]
    assert {node["name"] for node in python_models} == {
        "seg_feature_screening",
        "seg_kmeans_fits",
        "seg_k_diagnostics",
        "seg_model_checks",
        "seg_pca_sample",
    }


def test_every_step_of_the_fake_snowflake_build_succeeded(fake_snowflake: FakeSnowflakeBuild) -> None:
    steps = json.loads((fake_snowflake.out / "steps.json").read_text())
    assert [step["step"] for step in steps] == ["seed", "build", "compile_python"]
    results = fake_snowflake.artifacts("build", "run_results.json")["results"]
    assert len(results) > 100
    assert {result["status"] for result in results} <= {"success", "pass", "no-op"}


def test_every_compiled_sql_node_parses_as_snowflake_sql(fake_snowflake: FakeSnowflakeBuild) -> None:
    nodes = fake_snowflake.artifacts("build", "manifest.json")["nodes"].values()
    compiled = {node["unique_id"]: node["compiled_code"] for node in nodes if node.get("compiled_code")}
    models = [node["name"] for node in nodes if node["resource_type"] == "model" and node["config"]["enabled"]]
    assert len(compiled) > 100 and len(models) >= 30
    for unique_id, sql in compiled.items():
        try:
            sqlglot.parse(sql, read="snowflake")
        except sqlglot.errors.ParseError as error:
            pytest.fail(f"{unique_id} is not valid Snowflake SQL: {error}")


def test_python_models_compile_for_snowpark(fake_snowflake: FakeSnowflakeBuild) -> None:
    nodes = fake_snowflake.artifacts("compile_python", "manifest.json")["nodes"]
    for name in ["seg_feature_screening", "seg_kmeans_fits", "seg_k_diagnostics", "seg_model_checks", "seg_pca_sample"]:
        node = nodes[f"model.bank_segmentation.{name}"]
        assert node["config"]["python_version"] == "3.11"
        packages = {package.split("==")[0] for package in node["config"]["packages"]}
        assert packages >= (
            {"pandas", "numpy"} if name == "seg_feature_screening" else {"scikit-learn", "pandas", "numpy"}
        )
        code = node["compiled_code"]
        compile(code, name, "exec")
        assert "'column_case': 'upper'" in code
        assert "import kmeans" not in code and "open(" not in code and "requests" not in code


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Decimals as floats and rows in a canonical order, for a tolerant comparison."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].map(lambda value: isinstance(value, Decimal)).any():
            frame[column] = frame[column].astype(float)
    order = [column for column in frame.columns if frame[column].dtype != float] + [
        column for column in frame.columns if frame[column].dtype == float
    ]
    return frame.sort_values(order, ignore_index=True, na_position="first")[list(frame.columns)]


@pytest.mark.parametrize("mart", ALL_MARTS)
def test_marts_equal_duckdb(fake_snowflake: FakeSnowflakeBuild, duckdb_same_vars: DuckdbBuild, mart: str) -> None:
    """Same rows and values; floats to 1e-9 relative, as fakesnow sums decimals as doubles. The
    product types' labels are the own-named bank's spelling ('(Mortgage)'), by design."""
    with duckdb_same_vars.connect() as connection:
        expected = comparable(connection.execute(f"select * from marts.{mart}").df()).drop(
            columns="product_label", errors="ignore"
        )
    actual = comparable(fake_snowflake.mart(mart)).drop(columns="product_label", errors="ignore")
    assert len(actual) == len(expected) > 0
    pd.testing.assert_frame_equal(actual, expected, check_dtype=False, rtol=1e-9, atol=1e-9)
