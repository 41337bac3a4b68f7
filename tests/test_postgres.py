"""The same project on the PostgreSQL server: it builds, every test passes, and the features
equal DuckDB's for the demo data."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import DuckdbBuild, PostgresBuild

pytestmark = pytest.mark.postgres

KEYS = ["customer_id", "month_date"]


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Same dtypes whichever engine produced the frame: numbers as float, dates as dates."""
    frame = frame.copy()
    for column in frame.columns:
        if column in {"month_date", "birth_date", "customer_since"}:
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
        elif column not in {"tier", "gender", "marital_status", "occupation", "region", "is_active"}:
            frame[column] = pd.to_numeric(frame[column]).astype(float)
    return frame.sort_values(KEYS).reset_index(drop=True)


def test_every_node_of_the_postgres_build_succeeded(postgres_build: PostgresBuild) -> None:
    results = postgres_build.project.run_results()
    assert [r["unique_id"] for r in results if r["status"] not in {"success", "pass", "no-op"}] == []
    assert len(results) > 50


def test_features_equal_duckdb(postgres_build: PostgresBuild, duckdb_build: DuckdbBuild) -> None:
    schema = f"{postgres_build.prefix}intermediate"
    postgres = normalise(postgres_build.query(f"select * from {schema}.int_customer_month_features"))
    with duckdb_build.connect() as connection:
        duck = normalise(connection.execute("select * from intermediate.int_customer_month_features").df())
    assert sorted(postgres.columns) == sorted(duck.columns)
    duck = duck.drop(columns="built_at")  # when each build ran
    pd.testing.assert_frame_equal(postgres[duck.columns], duck, check_exact=False, rtol=1e-9, atol=1e-6)


def test_schemas_are_prefixed(postgres_build: PostgresBuild) -> None:
    schemas = postgres_build.query(f"select nspname from pg_namespace where nspname like '{postgres_build.prefix}%'")[
        "nspname"
    ]
    layers = ("demo_data", "staging", "intermediate", "segment_model", "audit", "marts")
    assert set(schemas) == {f"{postgres_build.prefix}{name}" for name in layers}


def test_docs_generate_on_postgres(postgres_build: PostgresBuild) -> None:
    postgres_build.project.run("docs", "generate")
    assert (postgres_build.project.work_dir / "target" / "catalog.json").exists()
