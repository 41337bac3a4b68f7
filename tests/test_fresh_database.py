"""dbt works on a fresh database as a dbt engineer expects: after `dbt seed` alone, `dbt compile`
and `dbt docs generate` succeed (no model reads a built table while it compiles); the dbt unit
tests pass once the models exist, even empty (`dbt run --empty`); and no value of the data is
pasted into the SQL (no float literal with 8 or more decimals in the compiled models)."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import DuckdbBuild, duckdb_project

LONG_FLOAT = re.compile(r"\d\.\d{8,}")


def test_compile_docs_and_unit_tests_on_a_fresh_database(tmp_path: Path) -> None:
    project = duckdb_project(tmp_path, tmp_path / "fresh.duckdb")
    project.run("seed")
    project.run("compile")
    project.run("docs", "generate")
    project.run("run", "--empty")
    result = project.run("test", "--select", "test_type:unit")
    assert "ERROR=0" in result.stdout and "PASS=0" not in result.stdout


def test_no_data_value_is_pasted_into_the_compiled_models(duckdb_build: DuckdbBuild) -> None:
    compiled = duckdb_build.project.work_dir / "target" / "compiled"
    offenders = {
        str(path.relative_to(compiled)): LONG_FLOAT.findall(path.read_text())[:3]
        for path in compiled.rglob("*.sql")
        if "/models/" in str(path) and LONG_FLOAT.search(path.read_text())
    }
    assert not offenders, offenders
