"""The dbt Python models' functions, tested without dbt, and the helpers both files carry."""

from __future__ import annotations

import ast
import datetime as dt
import itertools
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from conftest import load_python_model

km = load_python_model("seg_kmeans_fits")
diagnostics_model = load_python_model("seg_k_diagnostics")
checks_model = load_python_model("seg_model_checks")
pca_model = load_python_model("seg_pca_sample")
screening_model = load_python_model("seg_feature_screening")

MONTH = dt.date(2025, 12, 31)


def blobs(seed: int = 0, per_cluster: int = 40) -> pd.DataFrame:
    """Three well-separated clusters in two features, as a training-matrix frame."""
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]])
    values = np.vstack([center + rng.normal(0, 0.3, (per_cluster, 2)) for center in centers])
    ids = rng.permutation(len(values)) + 1
    return pd.DataFrame({"customer_id": ids, "f_b": values[:, 1], "f_a": values[:, 0], "reference_month": MONTH})


SETTINGS = km.FitSettings(n_clusters=3, random_seed=42, n_init=5)
KEY = "fit-key-of-the-blobs"


def test_settings_accept_strings_from_yaml_config() -> None:
    assert km.FitSettings.from_config("5", "42", "10", None) == km.FitSettings(5, 42, 10, 300)


def test_matrix_order_does_not_depend_on_row_order() -> None:
    frame = blobs()
    shuffled = frame.sample(frac=1, random_state=1)
    a, b = km.training_matrix(frame), km.training_matrix(shuffled)
    assert a.features == ["f_a", "f_b"]
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(a.customer_ids, np.sort(frame["customer_id"].to_numpy()))


def test_columns_are_lower_cased_at_the_boundary() -> None:
    upper = blobs().rename(columns=str.upper)
    assert list(km.to_pandas(upper).columns) == ["customer_id", "f_b", "f_a", "reference_month"]


def test_empty_training_set_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no active customer at the reference month"):
        km.training_matrix(blobs().iloc[0:0])


def test_more_clusters_than_customers_is_a_clear_error() -> None:
    matrix = km.training_matrix(blobs().head(4))
    with pytest.raises(ValueError, match="n_clusters=5 is more than the 4 active customers"):
        km.fit_kmeans(matrix.values, km.FitSettings(5, 42))


def test_fit_is_deterministic_and_finds_the_blobs() -> None:
    first = km.fit_registry_rows(blobs(), None, None, SETTINGS, KEY)
    second = km.fit_registry_rows(blobs(), None, None, SETTINGS, KEY)
    pd.testing.assert_frame_equal(first, second, check_exact=True)
    assert sorted(first["cluster_size"].unique()) == [40]
    assert set(first["segment_id"]) == {1, 2, 3}
    assert (first["fit_number"] == 1).all() and (first["fitted_at"] == MONTH).all()


def test_first_fit_numbers_segments_by_size() -> None:
    centers = np.array([[0.0], [1.0], [2.0]])
    labels = np.array([2, 2, 2, 0, 1, 1])
    assert km.initial_ids(centers, labels) == [3, 2, 1]


def test_refit_keeps_ids_of_the_closest_previous_centroids() -> None:
    previous = pd.DataFrame(
        {
            "segment_id": [7, 7, 3, 3, 5, 5],
            "feature": ["f_a", "f_b"] * 3,
            "centroid": [0.0, 0.0, 6.0, 0.0, 0.0, 6.0],
        }
    )
    centers = np.array([[0.1, 5.9], [5.8, 0.2], [0.2, -0.1]])
    assert km.matched_ids(centers, ["f_a", "f_b"], np.array([0, 1, 2]), previous) == [5, 3, 7]


def test_matching_is_one_to_one_with_minimum_total_distance() -> None:
    """Greedy matching would give both new centroids to id 1's neighbourhood; Hungarian does not."""
    previous = pd.DataFrame({"segment_id": [1, 2], "feature": ["f_a", "f_a"], "centroid": [0.0, 3.0]})
    centers = np.array([[1.0], [-1.0]])
    assert km.matched_ids(centers, ["f_a"], np.array([0, 1]), previous) == [2, 1]


def test_a_new_cluster_beyond_the_previous_count_gets_a_fresh_id() -> None:
    previous = pd.DataFrame({"segment_id": [1, 2], "feature": ["f_a", "f_a"], "centroid": [0.0, 10.0]})
    centers = np.array([[0.2], [5.0], [9.9]])
    assert km.matched_ids(centers, ["f_a"], np.array([0, 1, 2, 2]), previous) == [1, 3, 2]


def test_registry_previous_fit_and_fit_numbers() -> None:
    registry = km.fit_registry_rows(blobs(), None, None, SETTINGS, KEY)
    later = blobs(seed=1).assign(reference_month=dt.date(2026, 1, 31))
    second = km.fit_registry_rows(later, None, registry, SETTINGS, KEY)
    assert (second["fit_number"] == 2).all()
    # Same blobs, shuffled ids: every segment keeps its id and moves little.
    merged = registry.merge(second, on=["segment_id", "feature"])
    assert (merged["centroid_x"] - merged["centroid_y"]).abs().max() < 0.3
    # A rerun of the same month keeps its fit number and matches against the earlier fit.
    both = pd.concat([registry, second])
    rerun = km.fit_registry_rows(later, None, both, SETTINGS, KEY)
    pd.testing.assert_frame_equal(rerun, second)


def test_a_monthly_run_reuses_the_stored_fit_only_for_the_same_fit_key() -> None:
    registry = km.fit_registry_rows(blobs(), None, None, SETTINGS, KEY)
    pd.testing.assert_frame_equal(km.stored_fit(registry, KEY), registry)
    assert km.stored_fit(registry, "another-key") is None
    assert km.stored_fit(registry.drop(columns="fit_key"), KEY) is None  # built before fit keys
    assert km.stored_fit(None, KEY) is None
    assert [km.as_bool(value) for value in (None, False, "false", "True", True)] == [False, False, False, True, True]
    with pytest.raises(ValueError, match="refit_model"):
        km.as_bool("sometimes")


def test_only_the_used_features_are_fitted() -> None:
    preprocessing = pd.DataFrame({"feature": ["f_a", "f_b", "f_zero"], "is_used": [True, True, False]})
    assert km.used_features(preprocessing) == ["f_a", "f_b"]
    with_unused = km.fit_registry_rows(blobs().assign(f_zero=0.0), ["f_a", "f_b"], None, SETTINGS, KEY)
    pd.testing.assert_frame_equal(with_unused, km.fit_registry_rows(blobs(), None, None, SETTINGS, KEY))


def test_stored_diagnostics_are_reused_only_for_the_same_fit_key() -> None:
    stored = diagnostics_model.k_diagnostics(blobs(), range(2, 5), SETTINGS, silhouette_sample=50).assign(fit_key=KEY)
    pd.testing.assert_frame_equal(diagnostics_model.stored_diagnostics(stored, KEY), stored)
    assert diagnostics_model.stored_diagnostics(stored, "another-key") is None
    assert diagnostics_model.stored_diagnostics(stored.iloc[0:0], KEY) is None


def test_diagnostics_cover_the_k_range() -> None:
    diagnostics = diagnostics_model.k_diagnostics(blobs(), range(2, 6), SETTINGS, silhouette_sample=50)
    assert list(diagnostics["k"]) == [2, 3, 4, 5]
    assert diagnostics["inertia"].is_monotonic_decreasing
    best = diagnostics.loc[diagnostics["silhouette"].idxmax(), "k"]
    assert best == 3
    assert (diagnostics["silhouette_sample_size"] == 50).all()


def test_restarts_one_by_one_keep_the_fit_of_kmeans() -> None:
    values = diagnostics_model.training_matrix(blobs(per_cluster=60)).values
    settings = diagnostics_model.FitSettings(4, 42, n_init=6)
    restarts = diagnostics_model.fit_restarts(values, settings)
    kept = restarts[diagnostics_model.best_restart(restarts)]
    fit = diagnostics_model.fit_kmeans(values, settings)
    assert len(restarts) == 6 and kept.inertia == fit.inertia
    np.testing.assert_array_equal(kept.labels, fit.labels)


def test_stability_compares_the_two_best_restarts() -> None:
    values = diagnostics_model.training_matrix(blobs()).values
    restarts = diagnostics_model.fit_restarts(values, diagnostics_model.FitSettings(3, 42, n_init=4))
    assert diagnostics_model.restart_stability(restarts, diagnostics_model.best_restart(restarts)) == 1.0
    assert diagnostics_model.restart_stability(restarts[:1], 0) is None
    split = [restarts[0], diagnostics_model.Fit(restarts[0].centers, np.arange(len(values)) % 3, 1e9, 1)]
    assert diagnostics_model.restart_stability(split, 0) < 0.1


def test_silhouette_sample_is_the_sql_engines_md5_sample() -> None:
    ids = np.array([5, 17, 3, 1000, 42, 7, 123456789, 8])
    positions = diagnostics_model.silhouette_positions(ids, 42, 5)
    in_sql = duckdb.sql(
        "select customer_id from unnest(?) as ids(customer_id)"
        " order by md5(cast(customer_id as varchar) || ':42'), customer_id limit 5",
        params=[ids.tolist()],
    ).fetchall()
    assert ids[positions].tolist() == [row[0] for row in in_sql]


def top_level_sources(module: object) -> dict[str, str]:
    """Source text of each top-level function, class and assignment of a model file."""
    source = Path(module.__file__).read_text()
    names = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names[node.name] = ast.get_source_segment(source, node)
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            names[node.targets[0].id] = ast.get_source_segment(source, node)
    return names


def test_helpers_in_every_model_file_are_identical() -> None:
    """Snowflake runs each model file alone, so shared helpers are copied; they must not drift."""
    modules = (km, diagnostics_model, checks_model, pca_model, screening_model)
    files = {module.__name__: top_level_sources(module) for module in modules}
    for first, second in itertools.combinations(files, 2):
        shared = (set(files[first]) & set(files[second])) - {"model"}
        expected = {"to_pandas", "with_column_case", "as_date"}
        if screening_model.__name__ not in (first, second):
            expected |= {"training_matrix", "used_features"}
        assert expected <= shared, (first, second)
        for name in sorted(shared):
            assert files[first][name] == files[second][name], f"{name} differs between {first} and {second}"


def test_model_files_import_only_packages_snowflake_provides() -> None:
    """No project-local module: a Snowpark stored procedure has only the model file."""
    allowed = {
        "__future__",
        "datetime",
        "collections",
        "dataclasses",
        "hashlib",  # the standard library: in every Python
        "typing",
        "numpy",
        "pandas",
        "scipy",
        "sklearn",
        "threadpoolctl",
    }
    for module in (km, diagnostics_model, checks_model, pca_model):
        tree = ast.parse(Path(module.__file__).read_text())
        imported = {
            (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        assert imported <= allowed, imported - allowed


@pytest.mark.parametrize(("case", "expected"), [("lower", ["customer_id", "f_a"]), ("upper", ["CUSTOMER_ID", "F_A"])])
def test_output_columns_follow_the_warehouse_case(case: str, expected: list[str]) -> None:
    frame = pd.DataFrame({"Customer_Id": [1], "f_A": [0.5]})
    assert list(km.with_column_case(frame, case).columns) == expected


def test_an_unknown_column_case_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="column_case must be 'lower' or 'upper', got None"):
        km.with_column_case(pd.DataFrame(), None)
