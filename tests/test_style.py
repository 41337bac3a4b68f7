"""Style is part of the build: ruff for Python, sqlfluff (dbt templater) for SQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, DuckdbBuild

BIN = Path(sys.executable).parent


def run(command: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env={**os.environ, **(env or {})})


def test_ruff_lint() -> None:
    result = run([str(BIN / "ruff"), "check", "."])
    assert result.returncode == 0, result.stdout


def test_ruff_format() -> None:
    result = run([str(BIN / "ruff"), "format", "--check", "."])
    assert result.returncode == 0, result.stdout


def test_sqlfluff_lint(duckdb_build: DuckdbBuild) -> None:
    # The dbt templater compiles models, and our models introspect the built tables.
    env = {"DBT_DUCKDB_PATH": str(duckdb_build.path), "DBT_PROFILES_DIR": str(ROOT), "DBT_SCHEMA_PREFIX": ""}
    result = run([str(BIN / "sqlfluff"), "lint", "models", "analyses", "tests/data", "--nocolor"], env=env)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
