"""Is the method right and are the features fit to use: segment_method_comparison and
segment_feature_screening (the Python engine), checked against scikit-learn and numpy."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import silhouette_score

from conftest import DuckdbBuild, load_python_model

checks_model = load_python_model("seg_model_checks")


def query(build: DuckdbBuild, sql: str) -> pd.DataFrame:
    with build.connect() as connection:
        return connection.execute(sql).df()


def test_three_methods_at_the_models_k_on_one_sample(duckdb_build: DuckdbBuild) -> None:
    methods = query(duckdb_build, "select * from marts.segment_method_comparison order by clustering_method")
    assert list(methods["clustering_method"]) == ["gaussian_mixture", "kmeans", "ward"]
    assert (methods["k"] == 5).all() and methods["note"].isna().all()
    assert methods.loc[methods["is_in_use"], "clustering_method"].tolist() == ["kmeans"]
    assert methods["silhouette"].between(-1, 1).all() and methods["agreement_with_kmeans"].between(-1, 1).all()
    kmeans = methods.set_index("clustering_method").loc["kmeans"]
    diagnostics = query(duckdb_build, "select * from marts.segment_k_diagnostics where is_chosen_k").iloc[0]
    # the demo's 2,365 customers are fewer than method_sample: every one is scored, as in the diagnostics
    assert kmeans["evaluated_customers"] == diagnostics["fitted_customers"] == 2365
    assert kmeans["davies_bouldin"] == diagnostics["davies_bouldin"] and kmeans["agreement_with_kmeans"] == 1


def test_kmeans_silhouette_recomputed_from_the_segments(duckdb_build: DuckdbBuild) -> None:
    matrix = query(duckdb_build, "select * from segment_model.seg_training_matrix order by customer_id")
    segments = query(duckdb_build, "select customer_id, segment_id from marts.customer_segments order by customer_id")
    used = query(duckdb_build, "select feature from segment_model.seg_preprocessing where is_used")["feature"]
    values = matrix[sorted(used)].to_numpy(dtype=np.float64)
    expected = silhouette_score(values, segments["segment_id"])
    found = query(
        duckdb_build, "select silhouette from marts.segment_method_comparison where clustering_method = 'kmeans'"
    )
    assert found.iloc[0, 0] == expected or abs(found.iloc[0, 0] - expected) < 1e-12


def test_feature_screening_flags_by_the_usual_thresholds(duckdb_build: DuckdbBuild) -> None:
    screening = query(duckdb_build, "select * from marts.segment_feature_screening").set_index("feature")
    used = query(
        duckdb_build, "select feature, scale from segment_model.seg_preprocessing where is_used and kind = 'numeric'"
    ).set_index("feature")
    assert sorted(screening.index) == sorted(used.index)
    assert np.allclose(screening.loc[used.index, "variance_before_scaling"], used["scale"] ** 2)
    assert (screening["vif"] >= 1 - 1e-9).all() and screening["max_abs_correlation"].between(0, 1).all()
    flags = screening[["is_low_variance", "is_highly_correlated", "is_high_vif"]]
    assert (screening["would_drop"] == flags.any(axis=1)).all()
    # the demo's card transactions and digital logins move together (the young digital persona)
    pair = screening.loc["f_activity_card_transactions_avg"]
    assert pair["is_highly_correlated"] and pair["most_correlated_feature"] == "f_activity_digital_logins_avg"
    assert screening["feature_label"].notna().all() and screening["note"].isna().all()


def test_vif_is_the_inverse_correlation_diagonal() -> None:
    rng = np.random.default_rng(3)
    base = rng.normal(size=(400, 2))
    frame = pd.DataFrame(
        {
            "customer_id": np.arange(400),
            "f_a": base[:, 0],
            "f_b": base[:, 0] * 0.9 + rng.normal(scale=0.3, size=400),
            "f_c": base[:, 1],
            "f_kind__x": (np.arange(400) % 3 == 0).astype(float),
            "f_kind__y": (np.arange(400) % 3 != 0).astype(float),
            "reference_month": pd.Timestamp("2025-12-31"),
        }
    )
    preprocessing = pd.DataFrame(
        {
            "feature": ["f_a", "f_b", "f_c", "f_kind__x", "f_kind__y"],
            "kind": ["numeric"] * 3 + ["one_hot"] * 2,
            "source_column": ["a", "b", "c", "kind", "kind"],
            "scale": [1.0, 2.0, 0.05, 1.0, 1.0],
            "is_used": [True] * 5,
        }
    )
    screening = checks_model.feature_screening(frame, preprocessing).set_index("item")
    # the most frequent level (y) is the reference: x stays, and the design is not singular
    design = frame[["f_a", "f_b", "f_c", "f_kind__x"]].to_numpy()
    r_squared = 1 - 1 / screening.loc["f_a", "vif"]
    coefficients, *_ = np.linalg.lstsq(np.column_stack([np.ones(400), design[:, 1:]]), design[:, 0], rcond=None)
    residual = design[:, 0] - np.column_stack([np.ones(400), design[:, 1:]]) @ coefficients
    assert (
        r_squared == np.float64(1 - residual.var() / design[:, 0].var())
        or abs(r_squared - (1 - residual.var() / design[:, 0].var())) < 1e-9
    )
    assert screening.loc["f_b", "most_correlated_feature"] == "f_a"
    assert screening.loc["f_c", "variance_before_scaling"] == 0.05**2


def test_pca_view_matches_scikit_learn(duckdb_build: DuckdbBuild) -> None:
    from sklearn.decomposition import PCA

    sample = query(duckdb_build, "select * from marts.segment_pca_sample order by customer_id")
    matrix = query(duckdb_build, "select * from segment_model.seg_diagnostics_matrix order by customer_id")
    used = query(duckdb_build, "select feature from segment_model.seg_preprocessing where is_used")["feature"]
    reference = PCA(n_components=2).fit(matrix[sorted(used)].to_numpy(dtype=np.float64))
    assert np.allclose(
        sample[["pc1_variance_share", "pc2_variance_share"]].iloc[0], reference.explained_variance_ratio_
    )
    # the demo has fewer customers than method_sample: every one is in the view, with its segment
    segments = query(duckdb_build, "select customer_id, segment_id from marts.customer_segments order by customer_id")
    assert list(sample["customer_id"]) == list(segments["customer_id"])
    assert list(sample["segment_id"]) == list(segments["segment_id"]) and sample["note"].isna().all()
    projected = reference.transform(matrix[sorted(used)].to_numpy(dtype=np.float64))
    for column, position in (("pc1", 0), ("pc2", 1)):
        same = np.allclose(sample[column], projected[:, position], atol=1e-9)
        flipped = np.allclose(sample[column], -projected[:, position], atol=1e-9)
        assert same or flipped, column
