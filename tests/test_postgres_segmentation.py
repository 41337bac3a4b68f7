"""The segmentation and every mart on the PostgreSQL server, where KMeans runs in SQL; the
read-only BI role; determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import psycopg2
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from conftest import ALL_MARTS, MART_KEYS, DuckdbBuild, PostgresBuild

pytestmark = pytest.mark.postgres


def schema(build: PostgresBuild, layer: str) -> str:
    return f"{build.prefix}{layer}"


def test_postgres_uses_the_sql_engine(postgres_build: PostgresBuild) -> None:
    summary = postgres_build.query(f"select * from {schema(postgres_build, 'segment_model')}.seg_model_summary")
    assert list(summary["kmeans_engine"]) == ["sql"]


def test_sql_engine_matches_scikit_learn(postgres_build: PostgresBuild) -> None:
    matrix = postgres_build.query(
        f"select * from {schema(postgres_build, 'segment_model')}.seg_training_matrix order by customer_id"
    )
    features = sorted(column for column in matrix.columns if column.startswith("f_"))
    summary = postgres_build.query(f"select * from {schema(postgres_build, 'segment_model')}.seg_model_summary").iloc[0]
    reference = KMeans(
        int(summary["n_clusters"]), n_init=int(summary["n_init"]), random_state=int(summary["random_seed"])
    ).fit(matrix[features].to_numpy(dtype=np.float64))
    segments = postgres_build.query(
        f"select customer_id, segment_id from {schema(postgres_build, 'marts')}.customer_segments order by customer_id"
    )
    assert float(summary["inertia"]) <= reference.inertia_ * 1.01
    assert adjusted_rand_score(reference.labels_, segments["segment_id"]) >= 0.95


def test_sql_engine_gives_the_same_labels_on_duckdb_and_postgres(
    postgres_build: PostgresBuild, duckdb_sql_engine: DuckdbBuild
) -> None:
    on_postgres = postgres_build.query(
        f"select customer_id, segment_id from {schema(postgres_build, 'marts')}.customer_segments order by customer_id"
    )
    with duckdb_sql_engine.connect() as connection:
        on_duckdb = connection.execute(
            "select customer_id, segment_id from marts.customer_segments order by customer_id"
        ).df()
    pd.testing.assert_frame_equal(on_postgres, on_duckdb, check_dtype=False)


def test_sql_registry_carries_the_fit_key_and_the_used_features(postgres_build: PostgresBuild) -> None:
    segment_model = schema(postgres_build, "segment_model")
    registry = postgres_build.query(f"select distinct feature, fit_key from {segment_model}.seg_kmeans_fits_sql")
    fit_key = postgres_build.query(f"select fit_key from {segment_model}.seg_fit_inputs")["fit_key"]
    used = postgres_build.query(f"select feature from {segment_model}.seg_preprocessing where is_used")["feature"]
    assert set(registry["fit_key"]) == set(fit_key) and len(fit_key) == 1
    assert sorted(registry["feature"]) == sorted(used)
    diagnostics = postgres_build.query(f"select distinct fit_key from {segment_model}.seg_k_diagnostics_sql")
    assert list(diagnostics["fit_key"]) == list(fit_key)


def test_every_mart_matches_duckdb_in_columns_and_rows(
    postgres_build: PostgresBuild, duckdb_build: DuckdbBuild
) -> None:
    for mart in ALL_MARTS:
        postgres = postgres_build.query(f"select * from {schema(postgres_build, 'marts')}.{mart}")
        with duckdb_build.connect() as connection:
            duck = connection.execute(f"select * from marts.{mart}").df()
        assert list(postgres.columns) == list(duck.columns), mart
        assert len(postgres) == len(duck) > 0, mart


def reader_can(build: PostgresBuild, sql: str) -> bool:
    connection = build.connect(user=build.reader_role)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
        return True
    except psycopg2.errors.InsufficientPrivilege:
        return False
    finally:
        connection.close()


def test_read_only_role_selects_every_mart(postgres_build: PostgresBuild) -> None:
    for mart in ALL_MARTS:
        assert reader_can(postgres_build, f"select * from {schema(postgres_build, 'marts')}.{mart} limit 1"), mart


@pytest.mark.parametrize(
    "relation",
    [
        "staging.stg_bank__customers",
        "intermediate.int_customer_month_features",
        "demo_data.customers",
        "segment_model.seg_centroids",
    ],
)
def test_read_only_role_is_refused_outside_the_marts(postgres_build: PostgresBuild, relation: str) -> None:
    layer, table = relation.split(".")
    assert not reader_can(postgres_build, f"select * from {schema(postgres_build, layer)}.{table} limit 1")


@pytest.mark.parametrize(
    "statement",
    [
        "insert into {marts}.segment_profiles select * from {marts}.segment_profiles",
        "update {marts}.segment_profiles set customers = 0",
        "delete from {marts}.segment_profiles",
        "create table {marts}.intruder (id integer)",
    ],
)
def test_read_only_role_cannot_write_in_the_marts(postgres_build: PostgresBuild, statement: str) -> None:
    assert not reader_can(postgres_build, statement.format(marts=schema(postgres_build, "marts")))


def test_two_postgres_builds_give_identical_marts(postgres_build: PostgresBuild) -> None:
    def read_all() -> dict[str, pd.DataFrame]:
        return {
            mart: postgres_build.query(
                f"select * from {schema(postgres_build, 'marts')}.{mart} order by {', '.join(keys)}"
            )
            for mart, keys in MART_KEYS.items()
        }

    first = read_all()
    # Incremental: every incremental model takes its incremental path (the check of its columns
    # against the stored table included) and not a bit of a mart may change. The fit's
    # determinism is covered by the SQL engine's identical labels on DuckDB and Postgres.
    postgres_build.project.run("build", "--exclude", "resource_type:seed")
    second = read_all()
    for mart, frame in first.items():
        pd.testing.assert_frame_equal(frame, second[mart], check_exact=True, obj=mart)
