"""The dbt Python models as Snowflake runs them: model(dbt, session) in a Snowpark session
(snowflake-snowpark-python's local-testing mode, no account), reading Snowpark DataFrames with
Snowflake's upper-case column names, its result written back through Snowpark as dbt-snowflake
does. The centroids and diagnostics must equal those of the DuckDB build bit for bit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from snowflake.snowpark import Session

from conftest import DuckdbBuild, load_python_model

SCHEMA = "DEMO.SEGMENT_MODEL"


class FakeConfig:
    """dbt.config: called with the model's own settings, .get for the YAML ones."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def __call__(self, **_: Any) -> None:
        return None

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


class FakeDbt:
    """The part of dbt's Python-model object the models use: ref, config, this, is_incremental."""

    def __init__(self, session: Session, name: str, config: dict[str, Any]) -> None:
        self.session = session
        self.config = FakeConfig(config)
        self.this = f"{SCHEMA}.{name.upper()}"
        self.is_incremental = False

    def ref(self, name: str) -> Any:
        return self.session.table(f"{SCHEMA}.{name.upper()}")


@pytest.fixture(scope="module")
def session(duckdb_build: DuckdbBuild) -> Iterator[Session]:
    """A local Snowpark session holding the DuckDB build's training matrix, preprocessing and fit
    inputs, as Snowflake names them."""
    session = Session.builder.config("local_testing", True).create()
    with duckdb_build.connect() as connection:
        matrix = connection.execute("select * exclude (built_at) from segment_model.seg_training_matrix").df()
        for name in ("seg_preprocessing", "seg_fit_inputs", "seg_preprocessing_candidates", "seg_feature_labels"):
            frame = connection.execute(f"select * from segment_model.{name}").df()
            if "reference_month" in frame:
                frame["reference_month"] = frame["reference_month"].dt.date
            session.create_dataframe(frame.rename(columns=str.upper)).write.save_as_table(
                f"{SCHEMA}.{name.upper()}", mode="overwrite"
            )
        training = connection.execute("select * from segment_model.seg_training_features").df()
    training["reference_month"] = training["reference_month"].dt.date
    session.create_dataframe(training.rename(columns=str.upper)).write.save_as_table(
        f"{SCHEMA}.SEG_TRAINING_FEATURES", mode="overwrite"
    )
    matrix["reference_month"] = matrix["reference_month"].dt.date
    snowflake_matrix = session.create_dataframe(matrix.rename(columns=str.upper))
    snowflake_matrix.write.save_as_table(f"{SCHEMA}.SEG_TRAINING_MATRIX", mode="overwrite")
    # Below diagnostics_sample the diagnostics fit every training customer.
    snowflake_matrix.write.save_as_table(f"{SCHEMA}.SEG_DIAGNOSTICS_MATRIX", mode="overwrite")
    yield session
    session.close()


def yaml_config(duckdb_build: DuckdbBuild) -> dict[str, Any]:
    """The model config the project's YAML gives on Snowflake (values arrive as strings)."""
    with duckdb_build.connect() as connection:
        summary = connection.execute("select * from segment_model.seg_model_summary").df().iloc[0]
    return {
        "n_clusters": str(summary["n_clusters"]),
        "random_seed": str(summary["random_seed"]),
        "n_init": str(summary["n_init"]),
        "max_iter": "300",
        "k_min": "2",
        "k_max": "10",
        "silhouette_sample": "1000",
        "method_sample": "5000",
        "column_case": "upper",
    }


def run_as_snowflake(session: Session, name: str, config: dict[str, Any]) -> pd.DataFrame:
    """model(dbt, session), then dbt-snowflake's materialization: pandas -> Snowpark -> table."""
    result = load_python_model(name).model(FakeDbt(session, name, config), session)
    session.create_dataframe(result).write.mode("overwrite").save_as_table(f"{SCHEMA}.{name.upper()}")
    return session.table(f"{SCHEMA}.{name.upper()}").to_pandas()


def test_fits_model_gives_the_duckdb_centroids(session: Session, duckdb_build: DuckdbBuild) -> None:
    table = run_as_snowflake(session, "seg_kmeans_fits", yaml_config(duckdb_build))
    assert all(column.isupper() for column in table.columns)
    with duckdb_build.connect() as connection:
        expected = connection.execute("select * from segment_model.seg_kmeans_fits").df()
    key = ["segment_id", "feature"]
    actual = table.rename(columns=str.lower).sort_values(key, ignore_index=True)
    expected = expected.sort_values(key, ignore_index=True)[list(actual.columns)]
    expected["reference_month"] = expected["reference_month"].dt.date
    expected["fitted_at"] = expected["fitted_at"].dt.date
    pd.testing.assert_frame_equal(actual, expected, check_dtype=False, check_exact=True)


def test_diagnostics_model_gives_the_duckdb_diagnostics(session: Session, duckdb_build: DuckdbBuild) -> None:
    table = run_as_snowflake(session, "seg_k_diagnostics", yaml_config(duckdb_build))
    with duckdb_build.connect() as connection:
        expected = connection.execute("select * from segment_model.seg_k_diagnostics order by k").df()
    actual = table.rename(columns=str.lower).sort_values("k", ignore_index=True)
    expected["reference_month"] = expected["reference_month"].dt.date
    pd.testing.assert_frame_equal(actual, expected[list(actual.columns)], check_dtype=False, check_exact=True)


def test_model_checks_give_the_duckdb_checks(session: Session, duckdb_build: DuckdbBuild) -> None:
    table = run_as_snowflake(session, "seg_model_checks", yaml_config(duckdb_build))
    with duckdb_build.connect() as connection:
        expected = connection.execute("select * from segment_model.seg_model_checks").df()
    key = ["check_kind", "item"]
    actual = table.rename(columns=str.lower).sort_values(key, ignore_index=True)
    expected = expected.sort_values(key, ignore_index=True)[list(actual.columns)]
    expected["reference_month"] = expected["reference_month"].dt.date
    pd.testing.assert_frame_equal(actual, expected, check_dtype=False, check_exact=True)


def test_screening_model_gives_the_duckdb_screening(session: Session, duckdb_build: DuckdbBuild) -> None:
    table = run_as_snowflake(session, "seg_feature_screening", yaml_config(duckdb_build))
    with duckdb_build.connect() as connection:
        expected = connection.execute("select * from segment_model.seg_feature_screening order by feature").df()
    actual = table.rename(columns=str.lower).sort_values("feature", ignore_index=True)
    expected["reference_month"] = expected["reference_month"].dt.date
    pd.testing.assert_frame_equal(actual, expected[list(actual.columns)], check_dtype=False, check_exact=True)


def test_pca_model_gives_the_duckdb_view(session: Session, duckdb_build: DuckdbBuild) -> None:
    table = run_as_snowflake(session, "seg_pca_sample", yaml_config(duckdb_build))
    with duckdb_build.connect() as connection:
        expected = connection.execute("select * from segment_model.seg_pca_sample order by customer_id").df()
    actual = table.rename(columns=str.lower).sort_values("customer_id", ignore_index=True)
    expected["reference_month"] = expected["reference_month"].dt.date
    pd.testing.assert_frame_equal(actual, expected[list(actual.columns)], check_dtype=False, check_exact=True)
