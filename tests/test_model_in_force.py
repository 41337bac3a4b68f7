"""The model in force: a stored fit is reused only while everything it was fitted on is the
same (seg_fit_inputs.fit_key: the training month and rows, lookback_months, the model and
diagnostics vars); any change refits, the diagnostics with it. Once a bug: a build with another
lookback_months refitted the scaling but kept the old centroids and reported their old inertia."""

from __future__ import annotations

import json

import duckdb
import pytest

from conftest import DuckdbBuild


def fit_key(build: DuckdbBuild) -> str:
    with build.connect() as connection:
        return connection.execute("select fit_key from segment_model.seg_fit_inputs").fetchone()[0]


# One case per var the fit depends on; data-changing vars rebuild the training matrix first.
CHANGED_VARS = [
    ({"reference_date": "2025-06"}, "+seg_fit_inputs"),
    ({"lookback_months": 6}, "+seg_fit_inputs"),
    ({"categorical_features": ["occupation", "region"]}, "+seg_fit_inputs"),
    ({"n_clusters": 4}, "seg_fit_inputs"),
    ({"n_init": 3}, "seg_fit_inputs"),
    ({"max_iter": 50}, "seg_fit_inputs"),
    ({"random_seed": 7}, "seg_fit_inputs"),
    ({"diagnostics_k_min": 3}, "seg_fit_inputs"),
    ({"diagnostics_k_max": 8}, "seg_fit_inputs"),
    ({"silhouette_sample": 500}, "seg_fit_inputs"),
    ({"diagnostics_sample": 1000}, "seg_fit_inputs"),
]


@pytest.mark.parametrize(("changed", "selection"), CHANGED_VARS, ids=[next(iter(case[0])) for case in CHANGED_VARS])
def test_each_var_the_fit_depends_on_changes_the_fit_key(
    duckdb_build: DuckdbBuild, duckdb_copy: DuckdbBuild, changed: dict, selection: str
) -> None:
    duckdb_copy.project.run("run", "--select", selection, "--vars", json.dumps(changed))
    assert fit_key(duckdb_copy) != fit_key(duckdb_build)


def test_the_training_rows_change_the_fit_key_whatever_their_order(
    duckdb_build: DuckdbBuild, duckdb_copy: DuckdbBuild
) -> None:
    with duckdb.connect(str(duckdb_copy.path)) as connection:
        connection.execute(
            "create or replace table segment_model.seg_training_matrix as"
            " select * from segment_model.seg_training_matrix order by hash(customer_id * 7919)"
        )
    duckdb_copy.project.run("run", "--select", "seg_fit_inputs")
    assert fit_key(duckdb_copy) == fit_key(duckdb_build), "the same rows in another order"

    with duckdb.connect(str(duckdb_copy.path)) as connection:
        connection.execute(
            "update segment_model.seg_training_matrix set f_age_years = f_age_years + 1e-9"
            " where customer_id = (select min(customer_id) from segment_model.seg_training_matrix)"
        )
    duckdb_copy.project.run("run", "--select", "seg_fit_inputs")
    assert fit_key(duckdb_copy) != fit_key(duckdb_build), "one value of one row changed"


def test_a_stored_fit_is_reused_until_refit_model(duckdb_copy: DuckdbBuild) -> None:
    """The stored registry is marked; a run with the same inputs keeps it, refit_model replaces it."""
    with duckdb.connect(str(duckdb_copy.path)) as connection:
        connection.execute("update segment_model.seg_kmeans_fits set inertia = -1")
        connection.execute("update segment_model.seg_k_diagnostics set inertia = -1")
    fits = ["seg_fit_inputs", "seg_kmeans_fits", "seg_k_diagnostics"]
    duckdb_copy.project.run("run", "--select", *fits)
    with duckdb_copy.connect() as connection:
        assert connection.execute("select min(inertia) from segment_model.seg_kmeans_fits").fetchone()[0] == -1
        assert connection.execute("select min(inertia) from segment_model.seg_k_diagnostics").fetchone()[0] == -1
    duckdb_copy.project.run("run", "--select", *fits, "--vars", json.dumps({"refit_model": True}))
    with duckdb_copy.connect() as connection:
        assert connection.execute("select min(inertia) from segment_model.seg_kmeans_fits").fetchone()[0] > 0
        assert connection.execute("select min(inertia) from segment_model.seg_k_diagnostics").fetchone()[0] > 0


def test_another_lookback_refits_the_model_and_its_diagnostics(
    duckdb_build: DuckdbBuild, duckdb_copy: DuckdbBuild
) -> None:
    duckdb_copy.project.run("build", "--vars", json.dumps({"lookback_months": 3}))
    with duckdb_copy.connect() as connection:
        current = connection.execute("select fit_key from segment_model.seg_fit_inputs").fetchone()[0]
        registry_keys = connection.execute(
            "select distinct fit_key from segment_model.seg_kmeans_fits f"
            " join intermediate.int_reference_month r on f.reference_month = r.reference_month"
        ).fetchall()
        diagnostics_keys = connection.execute("select distinct fit_key from segment_model.seg_k_diagnostics").fetchall()
        reported, recomputed = connection.execute(
            """
            select
                (select inertia from segment_model.seg_model_summary),
                (select sum(distance_to_centroid * distance_to_centroid) from marts.customer_segments)
            """
        ).fetchone()
    assert current != fit_key(duckdb_build)
    assert registry_keys == [(current,)] and diagnostics_keys == [(current,)]
    assert reported == pytest.approx(recomputed, rel=1e-9), "the summary reports the stored centroids' inertia"
