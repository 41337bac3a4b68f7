"""The segmentation on the DuckDB demo build: quality against the planted personas,
completeness, SQL scoring equal to the Python model, stable ids and names, user names,
determinism and clear errors for impossible settings."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from conftest import (
    ROOT,
    SEEDS,
    DuckdbBuild,
    copy_project,
    duckdb_project,
    load_python_model,
    read_marts,
)

# Every test here is on the whole demo build or runs builds of its own (refit, tiny banks).
pytestmark = pytest.mark.slow

km = load_python_model("seg_kmeans_fits")

PERSONAS = ROOT / "tests" / "fixtures" / "demo_personas.csv"


def personas_at(month: str) -> pd.Series:
    personas = pd.read_csv(PERSONAS)
    return personas[personas["month_date"] == month].set_index("customer_id")["persona"]


def query(build: DuckdbBuild, sql: str) -> pd.DataFrame:
    with build.connect() as connection:
        return connection.execute(sql).df()


def test_segments_recover_the_planted_personas(duckdb_build: DuckdbBuild) -> None:
    segments = query(duckdb_build, "select customer_id, segment_id, reference_month from marts.customer_segments")
    month = str(segments["reference_month"].iloc[0])[:10]
    personas = personas_at(month)
    assert (
        personas.nunique() == query(duckdb_build, "select n_clusters from segment_model.seg_model_summary").iloc[0, 0]
    )
    ari = adjusted_rand_score(personas.loc[segments["customer_id"]], segments["segment_id"])
    assert ari >= 0.80


def test_every_active_customer_is_segmented_exactly_once(duckdb_build: DuckdbBuild) -> None:
    active = query(
        duckdb_build,
        """
        select customer_id from intermediate.int_customer_month_features f
        join intermediate.int_reference_month r on f.month_date = r.reference_month
        where f.is_active
        """,
    )["customer_id"]
    segmented = query(duckdb_build, "select customer_id from marts.customer_segments")["customer_id"]
    assert segmented.is_unique
    assert set(segmented) == set(active)


def test_history_has_one_row_per_active_customer_month(duckdb_build: DuckdbBuild) -> None:
    counts = query(
        duckdb_build,
        """
        select
            (select count(*) from marts.customer_segment_history) as history_rows,
            (select count(*) from (select distinct customer_id, month_date from marts.customer_segment_history))
                as distinct_keys,
            (select count(*) from intermediate.int_customer_month_features where is_active) as active_months,
            (select count(distinct month_date) from marts.customer_segment_history) as months
        """,
    ).iloc[0]
    assert counts["history_rows"] == counts["distinct_keys"] == counts["active_months"]
    assert counts["months"] == 24


def labelled_training_rows(
    matrix_frame: pd.DataFrame, registry_rows_frame: pd.DataFrame, settings: km.FitSettings
) -> pd.DataFrame:
    """customer_id -> segment_id as the Python model labels the training rows."""
    matrix = km.training_matrix(matrix_frame, sorted(registry_rows_frame["feature"].unique()))
    fit = km.fit_kmeans(matrix.values, settings)
    centroids = registry_rows_frame.pivot_table(index="segment_id", columns="feature", values="centroid")
    cluster_to_id = {}
    for cluster, center in enumerate(fit.centers):
        distances = ((centroids[matrix.features].to_numpy() - center) ** 2).sum(axis=1)
        cluster_to_id[cluster] = int(centroids.index[int(np.argmin(distances))])
    return pd.DataFrame({"customer_id": matrix.customer_ids, "segment_id": [cluster_to_id[c] for c in fit.labels]})


def test_sql_scoring_reproduces_the_python_labels(duckdb_build: DuckdbBuild) -> None:
    matrix = query(duckdb_build, "select * from segment_model.seg_training_matrix")
    registry = query(
        duckdb_build,
        """
        select f.* from segment_model.seg_kmeans_fits f
        join intermediate.int_reference_month r on f.reference_month = r.reference_month
        """,
    )
    summary = query(duckdb_build, "select * from segment_model.seg_model_summary").iloc[0]
    settings = km.FitSettings(int(summary["n_clusters"]), int(summary["random_seed"]), int(summary["n_init"]))
    python_labels = labelled_training_rows(matrix, registry, settings)
    sql_labels = query(duckdb_build, "select customer_id, segment_id from marts.customer_segments")
    merged = python_labels.merge(sql_labels, on="customer_id", suffixes=("_python", "_sql"))
    assert len(merged) == len(python_labels) == len(sql_labels)
    assert (merged["segment_id_python"] == merged["segment_id_sql"]).all()


def test_sql_engine_gives_every_customer_the_python_segment(
    duckdb_build: DuckdbBuild, duckdb_sql_engine: DuckdbBuild
) -> None:
    sql = "select customer_id, segment_id from marts.customer_segments order by customer_id"
    python_engine, sql_engine = query(duckdb_build, sql), query(duckdb_sql_engine, sql)
    assert len(python_engine) > 0
    pd.testing.assert_frame_equal(python_engine, sql_engine)
    tables = query(
        duckdb_sql_engine, "select table_name from information_schema.tables where table_schema = 'segment_model'"
    )
    assert "seg_kmeans_fits_sql" in set(tables["table_name"]) and "seg_kmeans_fits" not in set(tables["table_name"])


def test_sql_engine_keeps_a_stored_fit_until_refit(duckdb_sql_engine: DuckdbBuild, tmp_path: Path) -> None:
    """A second run with the same fit_key keeps the stored rows (here marked to tell them apart
    from a new fit); refit_model: true fits again and gives the first rows back."""
    db_path = tmp_path / "reuse.duckdb"
    shutil.copy(duckdb_sql_engine.path, db_path)
    build = DuckdbBuild(duckdb_project(tmp_path, db_path), db_path)
    light = {"kmeans_engine": "sql", "diagnostics_k_min": 4, "diagnostics_k_max": 5}
    models = ["--select", "seg_diagnostics_matrix", "seg_fit_inputs", "seg_kmeans_fits_sql", "seg_k_diagnostics_sql"]
    build.project.run("run", *models, "--vars", json.dumps(light))
    registry = "select * from segment_model.seg_kmeans_fits_sql order by segment_id, feature"
    diagnostics = "select * from segment_model.seg_k_diagnostics_sql order by k"
    fitted, diagnosed = query(build, registry), query(build, diagnostics)
    fit_key = query(build, "select fit_key from segment_model.seg_fit_inputs")["fit_key"].iloc[0]
    assert set(fitted["fit_key"]) == set(diagnosed["fit_key"]) == {fit_key}
    assert list(diagnosed["k"]) == [4, 5]
    with duckdb.connect(str(db_path)) as connection:
        connection.execute("update segment_model.seg_kmeans_fits_sql set inertia = -1")
        connection.execute("update segment_model.seg_k_diagnostics_sql set silhouette = -1")

    build.project.run("run", *models, "--vars", json.dumps(light))
    assert (query(build, registry)["inertia"] == -1).all(), "same fit_key: the stored fit is kept"
    assert (query(build, diagnostics)["silhouette"] == -1).all()

    build.project.run("run", *models, "--vars", json.dumps({**light, "refit_model": True}))
    pd.testing.assert_frame_equal(query(build, registry), fitted, check_exact=True)
    pd.testing.assert_frame_equal(query(build, diagnostics), diagnosed, check_exact=True)


def test_sql_engine_fit_on_a_sample_is_within_one_percent_of_scikit_learn(
    duckdb_sql_engine: DuckdbBuild, tmp_path: Path
) -> None:
    """kmeans_sample below the training customers: seeding and restarts on 500 of the 2,365,
    then Lloyd on all of them until scikit-learn's tol. The fit covers every customer and its
    inertia on them is within 1% of KMeans(n_init=10) on the same matrix."""
    db_path = tmp_path / "sampled.duckdb"
    shutil.copy(duckdb_sql_engine.path, db_path)
    build = DuckdbBuild(duckdb_project(tmp_path, db_path), db_path)
    sampled = {"kmeans_engine": "sql", "kmeans_sample": 500, "refit_model": True}
    build.project.run("run", "--select", "seg_kmeans_fits_sql", "--vars", json.dumps(sampled))
    matrix = query(build, "select * from segment_model.seg_training_matrix order by customer_id")
    features = sorted(column for column in matrix.columns if column.startswith("f_"))
    fit = query(build, "select distinct inertia, training_rows, n_init from segment_model.seg_kmeans_fits_sql")
    assert len(fit) == 1 and fit["training_rows"].iloc[0] == len(matrix) > 500
    reference = KMeans(5, n_init=int(fit["n_init"].iloc[0]), random_state=42).fit(matrix[features].to_numpy(float))
    assert fit["inertia"].iloc[0] <= reference.inertia_ * 1.01


def test_zero_variance_features_are_dropped_with_a_reason(duckdb_build: DuckdbBuild) -> None:
    dropped = query(
        duckdb_build, "select feature, dropped_reason from segment_model.seg_preprocessing where not is_used"
    )
    reasons = dict(zip(dropped["feature"], dropped["dropped_reason"], strict=True))
    assert reasons["f_balance_insurance_avg"] == "zero variance in the training set"
    used = query(duckdb_build, "select * from segment_model.seg_preprocessing where is_used")
    assert (used["scale"] > 0).all()
    assert set(used.loc[used["source_column"] == "annual_income", "transform"]) == {"signed_log"}
    assert set(used.loc[used["source_column"] == "age_years", "transform"]) == {"none"}


def test_segment_names_are_unique_and_worded_for_people(duckdb_build: DuckdbBuild) -> None:
    names = query(duckdb_build, "select segment_name from marts.segment_profiles")["segment_name"]
    assert names.is_unique
    for name in names:
        parts = name.split(" · ")
        assert 2 <= len(parts) <= 3 and "f_" not in name


def test_diagnostics_and_importance(duckdb_build: DuckdbBuild) -> None:
    diagnostics = query(duckdb_build, "select * from marts.segment_k_diagnostics order by k")
    assert list(diagnostics["k"]) == list(range(2, 11))
    assert diagnostics.loc[diagnostics["is_chosen_k"], "k"].tolist() == [5]
    assert diagnostics["inertia"].is_monotonic_decreasing
    # the demo's recommended k is its n_clusters, by the rule the note states
    recommended = diagnostics[diagnostics["is_recommended"]]
    assert recommended["k"].tolist() == [5]
    assert recommended["recommendation_note"].iloc[0].startswith("Recommended: the smallest k within 10%")
    assert diagnostics["stability"].between(-1, 1).all() and diagnostics["recommendation_note"].notna().all()
    smaller = diagnostics[diagnostics["k"] < 5]
    assert smaller["recommendation_note"].str.startswith("Not recommended: ").all()
    importance = query(duckdb_build, "select * from marts.segment_feature_importance order by importance_rank")
    assert importance["importance"].between(0, 1).all()
    assert list(importance["importance_rank"]) == list(range(1, len(importance) + 1))
    assert importance["importance"].is_monotonic_decreasing


@pytest.fixture(scope="module")
def two_month_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame, DuckdbBuild]:
    """Built at R = 2025-11, then refit at R + 1 = 2025-12 on the same database."""
    work_dir = tmp_path_factory.mktemp("refit")
    build = DuckdbBuild(duckdb_project(work_dir, work_dir / "refit.duckdb"), work_dir / "refit.duckdb")
    build.project.run("build", "--vars", json.dumps({"reference_date": "2025-11"}))
    at_r = query(build, "select customer_id, segment_id, segment_name from marts.customer_segments")
    build.project.run("build", "--vars", json.dumps({"reference_date": "2025-12"}))
    at_r1 = query(build, "select customer_id, segment_id, segment_name from marts.customer_segments")
    return at_r, at_r1, build


def test_refit_keeps_segment_ids_of_unchanged_customers(two_month_builds) -> None:
    at_r, at_r1, build = two_month_builds
    assert query(build, "select count(distinct fit_number) from segment_model.seg_kmeans_fits").iloc[0, 0] == 2
    before, after = personas_at("2025-11-30"), personas_at("2025-12-31")
    steady = before.index.intersection(after.index)
    steady = steady[before.loc[steady].to_numpy() == after.loc[steady].to_numpy()]
    merged = at_r.merge(at_r1, on="customer_id", suffixes=("_r", "_r1"))
    merged = merged[merged["customer_id"].isin(steady)]
    kept = (merged["segment_id_r"] == merged["segment_id_r1"]).mean()
    assert kept >= 0.90


def test_refit_keeps_every_segment_name(two_month_builds) -> None:
    at_r, at_r1, _ = two_month_builds
    names_r = at_r.drop_duplicates("segment_id").set_index("segment_id")["segment_name"].sort_index()
    names_r1 = at_r1.drop_duplicates("segment_id").set_index("segment_id")["segment_name"].sort_index()
    pd.testing.assert_series_equal(names_r, names_r1)


def test_a_user_segment_name_reaches_every_named_mart(duckdb_build: DuckdbBuild, tmp_path: Path) -> None:
    project_dir = copy_project(tmp_path / "project")
    (project_dir / "seeds" / "segmentation" / "segment_names.csv").write_text(
        "segment_id,segment_name,description\n2,Young families with mortgages,Named by marketing\n"
    )
    db_path = tmp_path / "named.duckdb"
    db_path.write_bytes(duckdb_build.path.read_bytes())
    build = DuckdbBuild(duckdb_project(tmp_path, db_path, project_dir), db_path)
    build.project.run("build", "--select", "segment_names+")
    for mart in ("customer_segments", "customer_segment_history", "segment_profiles", "segment_feature_heatmap"):
        names = query(build, f"select distinct segment_name from marts.{mart} where segment_id = 2")["segment_name"]
        assert list(names) == ["Young families with mortgages"], mart
    profile = query(build, "select * from marts.segment_profiles where segment_id = 2").iloc[0]
    assert profile["segment_description"] == "Named by marketing" and profile["is_user_named"]


def test_two_builds_from_scratch_give_identical_marts(duckdb_build: DuckdbBuild, tmp_path: Path) -> None:
    again = DuckdbBuild(duckdb_project(tmp_path, tmp_path / "again.duckdb"), tmp_path / "again.duckdb")
    again.project.run("build")
    with duckdb_build.connect() as first, again.connect() as second:
        marts_first, marts_second = read_marts(first), read_marts(second)
    for mart, frame in marts_first.items():
        assert not frame.empty, mart
        pd.testing.assert_frame_equal(frame, marts_second[mart], check_exact=True, obj=mart)


def tiny_bank(db_path: Path, active_customers: int) -> None:
    """A bank whose products are all closed before the last month except for a few customers."""
    with duckdb.connect(str(db_path)) as connection:
        connection.execute("create schema tiny")
        for table in ("customers", "products", "balances", "revenues"):
            connection.execute(
                f"create table tiny.{table} as select * from read_csv_auto('{SEEDS / table}.csv') "
                + ("where customer_id <= 20" if table != "products" else "")
            )
        connection.execute(
            f"""
            create table tiny.product_holdings as
            select customer_id, product_id, opened_on,
                   case when customer_id <= {active_customers} then closed_on
                        else least(coalesce(closed_on, date '2025-11-15'), date '2025-11-15') end as closed_on
            from read_csv_auto('{SEEDS / "product_holdings"}.csv')
            where customer_id <= 20 and opened_on < date '2025-11-01'
            """
        )


@pytest.mark.parametrize("kmeans_engine", ["python", "sql"])
@pytest.mark.parametrize(
    ("active_customers", "message"),
    [
        (0, "Failure in test seg_training_matrix_has_an_active_customer_at_the_reference_month"),
        (3, "n_clusters=5 is more than the 3 active customers at the reference month"),
    ],
)
def test_impossible_training_sets_stop_with_a_clear_message(
    tmp_path: Path, active_customers: int, message: str, kmeans_engine: str
) -> None:
    db_path = tmp_path / "bank.duckdb"
    tiny_bank(db_path, active_customers)
    project = duckdb_project(tmp_path, db_path)
    dbt_vars = {"input_schema": "tiny", "kmeans_engine": kmeans_engine}
    result = project.run("build", "--vars", json.dumps(dbt_vars), check=False)
    assert result.returncode != 0
    assert message in result.stdout
