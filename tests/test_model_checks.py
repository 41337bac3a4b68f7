"""Is the method right and are the features fit to use: segment_method_comparison and
segment_feature_screening (the Python engine), checked against scikit-learn and numpy; and the
screening applied (feature_screening apply)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score, silhouette_score

from conftest import ROOT, DuckdbBuild, duckdb_project, load_python_model, slow_fixture

screening_model = load_python_model("seg_feature_screening")
PERSONAS = ROOT / "tests" / "fixtures" / "demo_personas.csv"


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
        duckdb_build,
        "select feature, scale * weight as deviation from segment_model.seg_preprocessing"
        " where is_used and kind = 'numeric'",
    ).set_index("feature")
    assert sorted(screening.index) == sorted(used.index)
    assert np.allclose(screening.loc[used.index, "variance_before_scaling"], used["deviation"] ** 2)
    assert (screening["vif"] >= 1 - 1e-9).all() and screening["max_abs_correlation"].between(0, 1).all()
    flags = screening[["is_low_variance", "is_highly_correlated", "is_high_vif"]]
    assert (screening["would_drop"] == flags.any(axis=1)).all()
    # the demo's card transactions and digital logins move together (the young digital persona)
    pair = screening.loc["f_activity_card_transactions_avg"]
    assert pair["is_highly_correlated"] and pair["most_correlated_feature"] == "f_activity_digital_logins_avg"
    assert screening["feature_label"].notna().all() and screening["note"].isna().all()
    # the stepwise screening drops one of the pair (the higher VIF), then the one VIF left above
    # 10; reported only (feature_screening report, the default): the model drops nothing
    drops = screening.loc[screening["screening_drops"]].sort_values("screening_step")
    assert list(drops.index) == ["f_activity_digital_logins_avg", "f_product_types_held"]
    assert list(drops["screening_step"]) == [1, 2] and drops["screening_reason"].notna().all()
    assert "Card transactions per month" in drops["screening_reason"].iloc[0]
    assert not screening["is_dropped"].any()


@pytest.fixture(scope="module")
@slow_fixture
def screened_build(duckdb_build: DuckdbBuild, tmp_path_factory: pytest.TempPathFactory) -> DuckdbBuild:
    """The demo build with feature_screening apply: the model fitted again without the features
    the screening drops, up to the segments and the screening mart."""
    work_dir = tmp_path_factory.mktemp("screened")
    shutil.copy(duckdb_build.path, work_dir / "bank.duckdb")
    build = DuckdbBuild(duckdb_project(work_dir, work_dir / "bank.duckdb"), work_dir / "bank.duckdb")
    selection = ["--select", "seg_preprocessing+,+customer_segments", "segment_feature_screening"]
    build.project.run("run", *selection, "--vars", json.dumps({"feature_screening": "apply"}))
    return build


def test_applied_screening_fits_without_the_dropped_features(screened_build: DuckdbBuild) -> None:
    screening = query(screened_build, "select * from marts.segment_feature_screening").set_index("feature")
    dropped = sorted(screening.index[screening["screening_drops"]])
    assert dropped and (screening["is_dropped"] == screening["screening_drops"]).all()
    preprocessing = query(screened_build, "select * from segment_model.seg_preprocessing").set_index("feature")
    reasons = preprocessing.loc[dropped, "dropped_reason"]
    assert (~preprocessing.loc[dropped, "is_used"]).all() and reasons.str.startswith("feature screening: ").all()
    centroid_features = set(
        query(screened_build, "select distinct feature from segment_model.seg_centroids")["feature"]
    )
    assert centroid_features == set(preprocessing.index[preprocessing["is_used"]]) and not centroid_features & set(
        dropped
    )
    # what is left passes the screening it was screened by
    matrix = query(screened_build, "select * from segment_model.seg_training_matrix order by customer_id")
    kept = sorted(screening.index[~screening["screening_drops"]])
    correlation = np.corrcoef(matrix[kept].to_numpy(dtype=np.float64), rowvar=False)
    assert np.abs(correlation - np.eye(len(kept))).max() <= 0.8
    # nothing lost, and the planted personas still found
    segments = query(screened_build, "select customer_id, segment_id, reference_month from marts.customer_segments")
    active = query(screened_build, "select count(*) from segment_model.seg_training_features").iloc[0, 0]
    assert len(segments) == segments["customer_id"].nunique() == active
    personas = pd.read_csv(PERSONAS)
    personas = personas[personas["month_date"] == str(segments["reference_month"].iloc[0])[:10]]
    personas = personas.set_index("customer_id")["persona"]
    assert adjusted_rand_score(personas.loc[segments["customer_id"]], segments["segment_id"]) >= 0.80


def test_stepwise_screening_drops_one_of_a_pair_and_recomputes() -> None:
    rng = np.random.default_rng(5)
    base = rng.normal(size=(500, 3))
    design = pd.DataFrame(
        {
            "f_a": base[:, 0],
            "f_b": base[:, 0] + rng.normal(scale=0.1, size=500),  # |r| ~ 0.99 with f_a
            "f_c": base[:, 1],
            "f_d": base[:, 1] + base[:, 2] + rng.normal(scale=0.05, size=500),  # with f_c and f_e: VIF ~ 800
            "f_e": base[:, 2],
            "f_quiet": rng.normal(size=500),
        }
    )
    variances = {"f_a": 1.0, "f_b": 1.0, "f_c": 1.0, "f_d": 2.0, "f_e": 1.0, "f_quiet": 0.001}
    drops = dict(screening_model.stepwise_drops(design, variances, {"f_a": "Alpha"}))
    assert next(iter(drops)) == "f_quiet" and "below 0.01" in drops["f_quiet"]
    # one of the pair goes, the other stays; the reason names the one kept, in words where there are words
    assert ("f_a" in drops) != ("f_b" in drops)
    assert drops.get("f_b", "").startswith("moves with Alpha") or drops["f_a"].startswith("moves with f_b")
    # f_d has no partner above 0.8 but is explained by f_c and f_e together: the VIF step drops it
    assert drops["f_d"].startswith("VIF") and "f_c" not in drops and "f_e" not in drops
    assert len(drops) == 3


def test_vif_is_the_inverse_correlation_diagonal() -> None:
    rng = np.random.default_rng(3)
    base = rng.normal(size=(400, 2))
    training = pd.DataFrame(
        {
            "customer_id": np.arange(400),
            "a": base[:, 0],
            "b": base[:, 0] * 0.9 + rng.normal(scale=0.3, size=400),
            "c": base[:, 1],
            "kind": np.where(np.arange(400) % 3 == 0, "x", "y"),
        }
    )
    candidates = pd.DataFrame(
        {
            "feature": ["f_a", "f_b", "f_c", "f_kind__x", "f_kind__y"],
            "kind": ["numeric"] * 3 + ["one_hot"] * 2,
            "source_column": ["a", "b", "c", "kind", "kind"],
            "level": [None, None, None, "x", "y"],
            "transform": ["none"] * 5,
            "center": [0.0, 0.0, 0.0, 0.0, 0.0],
            "scale": [1.0, 2.0, 0.05, 1.0, 1.0],
            "weight": [1.0] * 5,
            "is_used": [True] * 5,
        }
    )
    design = screening_model.candidate_design(training, candidates)
    # the most frequent level (y) is the reference: x stays, and the design is not singular
    assert list(design.columns) == ["f_a", "f_b", "f_c", "f_kind__x"]
    screening = screening_model.screen(design, screening_model.numeric_variances(candidates), {}).set_index("feature")
    values = design.to_numpy()
    r_squared = 1 - 1 / screening.loc["f_a", "vif"]
    regressors = np.column_stack([np.ones(400), values[:, 1:]])
    coefficients, *_ = np.linalg.lstsq(regressors, values[:, 0], rcond=None)
    residual = values[:, 0] - regressors @ coefficients
    assert abs(r_squared - (1 - residual.var() / values[:, 0].var())) < 1e-9
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
        same = np.allclose(sample[column], projected[:, position], atol=1e-8)
        flipped = np.allclose(sample[column], -projected[:, position], atol=1e-8)
        assert same or flipped, column
