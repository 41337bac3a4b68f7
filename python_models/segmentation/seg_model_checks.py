"""Is KMeans the right method? At the model's k, on the diagnostics matrix
(seg_diagnostics_matrix): KMeans against Ward agglomerative clustering and a Gaussian mixture,
scored on one md5 sample of at most method_sample customers (Ward needs n^2 memory). Reported,
not applied. (Whether the features are fit to use: seg_feature_screening.py.)

Runs as a dbt Python model on DuckDB (in process) and on Snowflake (Snowpark stored procedure);
everything it needs is in this file.
"""

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

FEATURE_PREFIX = "f_"
CHECK_COLUMNS = [
    "check_kind",
    "item",
    "k",
    "silhouette",
    "davies_bouldin",
    "calinski_harabasz",
    "smallest_segment_share",
    "agreement_with_kmeans",
    "fitted_customers",
    "evaluated_customers",
    "reference_month",
]


def model(dbt: Any, session: Any) -> pd.DataFrame:
    dbt.config(
        materialized="incremental",
        incremental_strategy="delete+insert",
        unique_key="reference_month",
        # A table an older release wrote may hold columns this one no longer writes (the feature
        # screening moved to seg_feature_screening): a refit drops them instead of failing.
        on_schema_change="sync_all_columns",
        python_version="3.11",
        # Versions from Snowflake's Anaconda channel (ignored on DuckDB, which uses the venv's).
        packages=["scikit-learn==1.5.2", "pandas==2.2.3", "numpy==1.26.4", "scipy==1.13.1", "threadpoolctl==3.5.0"],
    )
    # Literal config.get calls, one per line: dbt ships only the keys it finds read this way.
    settings = FitSettings.from_config(
        n_clusters=dbt.config.get("n_clusters"),
        random_seed=dbt.config.get("random_seed"),
        n_init=dbt.config.get("n_init"),
        max_iter=dbt.config.get("max_iter"),
    )
    method_sample = int(dbt.config.get("method_sample"))
    column_case = dbt.config.get("column_case")
    refit = dbt.config.get("refit_model")
    # Only to run after seg_k_diagnostics (not read): two threads importing scikit-learn at once fail.
    dbt.ref("seg_k_diagnostics")
    fit_key = current_fit_key(to_pandas(dbt.ref("seg_fit_inputs")))
    if getattr(dbt, "is_incremental", False) and str(refit).strip().lower() != "true":
        stored = stored_checks(to_pandas(session.sql(f"select * from {dbt.this}")), fit_key)
        if stored is not None:
            return with_column_case(stored, column_case)
    matrix = to_pandas(dbt.ref("seg_diagnostics_matrix"))
    if matrix.empty:
        return with_column_case(pd.DataFrame(columns=[*CHECK_COLUMNS, "fit_key"]), column_case)
    features = used_features(to_pandas(dbt.ref("seg_preprocessing")))
    checks = method_comparison(matrix, settings, method_sample, features)
    return with_column_case(checks.assign(fit_key=fit_key), column_case)


# --- Shared helpers ------------------------------------------------------------------------
# Snowflake ships each model file alone to a stored procedure (no project-local imports), so
# the helpers both Python models need are written out in both files; a test checks that the
# copies in seg_kmeans_fits.py and seg_k_diagnostics.py stay identical.


@dataclass(frozen=True)
class FitSettings:
    n_clusters: int
    random_seed: int
    n_init: int = 10
    max_iter: int = 300

    @classmethod
    def from_config(cls, n_clusters: Any, random_seed: Any, n_init: Any = None, max_iter: Any = None) -> "FitSettings":
        """From model config values (set from validated vars in YAML); they may arrive as strings."""
        return cls(
            n_clusters=int(n_clusters),
            random_seed=int(random_seed),
            n_init=int(n_init or 10),
            max_iter=int(max_iter or 300),
        )


@dataclass(frozen=True)
class TrainingMatrix:
    customer_ids: np.ndarray
    features: list[str]
    values: np.ndarray
    reference_month: dt.date


@dataclass(frozen=True)
class Fit:
    centers: np.ndarray
    labels: np.ndarray
    inertia: float
    n_iter: int


def to_pandas(frame: Any) -> pd.DataFrame:
    """A DuckDB relation, a Snowpark DataFrame or a pandas frame as pandas, lower-case columns
    (Snowflake returns upper-case names)."""
    if hasattr(frame, "to_pandas"):
        frame = frame.to_pandas()
    elif hasattr(frame, "df"):
        frame = frame.df()
    frame = frame.copy()
    frame.columns = [str(column).lower() for column in frame.columns]
    return frame


def as_date(value: Any) -> dt.date:
    return pd.Timestamp(value).date()


def with_column_case(frame: pd.DataFrame, column_case: Any) -> pd.DataFrame:
    """Output column names in the warehouse's case for unquoted identifiers: Snowflake stores a
    lower-case pandas name as a quoted, case-sensitive identifier that plain SQL cannot see."""
    if column_case not in ("lower", "upper"):
        raise ValueError(f"column_case must be 'lower' or 'upper', got {column_case!r}.")
    return frame.rename(columns=str.upper if column_case == "upper" else str.lower)


def used_features(preprocessing: pd.DataFrame) -> list[str]:
    """The features the model uses (seg_preprocessing.is_used), sorted: the matrix carries every
    candidate feature, an unused one as a column of zeros."""
    return sorted(preprocessing.loc[preprocessing["is_used"].astype(bool), "feature"].str.lower())


def current_fit_key(fit_inputs: pd.DataFrame) -> str:
    """The one fit_key of seg_fit_inputs: the md5 of everything a fit depends on."""
    if len(fit_inputs) != 1:
        raise ValueError(f"seg_fit_inputs must hold one row, found {len(fit_inputs)}.")
    return str(fit_inputs["fit_key"].iloc[0])


def training_matrix(frame: pd.DataFrame, features: Sequence[str] | None = None) -> TrainingMatrix:
    """Rows sorted by customer, feature columns sorted by name (the given features, else every
    f_* column): the same input always gives the same matrix, whatever order the warehouse
    returned it in."""
    if frame.empty:
        raise ValueError("seg_training_matrix is empty: no active customer at the reference month.")
    frame = frame.sort_values("customer_id", kind="stable").reset_index(drop=True)
    if features is None:
        features = [column for column in frame.columns if column.startswith(FEATURE_PREFIX)]
    features = sorted(features)
    months = frame["reference_month"].unique()
    if len(months) != 1:
        raise ValueError(f"seg_training_matrix must hold one reference month, found {len(months)}.")
    values = frame[features].to_numpy(dtype=np.float64)
    if np.isnan(values).any():
        raise ValueError("seg_training_matrix has nulls; standardization should have imputed them.")
    return TrainingMatrix(frame["customer_id"].to_numpy(), features, values, as_date(months[0]))


def fit_kmeans(values: np.ndarray, settings: FitSettings) -> Fit:
    if len(values) < settings.n_clusters:
        raise ValueError(
            f"n_clusters={settings.n_clusters} is more than the {len(values)} active customers at the reference month."
        )
    # Imported here, not at the top: a monthly run that reuses the stored fit does not load
    # scikit-learn (1.5 s of every run).
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    model = KMeans(
        n_clusters=settings.n_clusters,
        init="k-means++",
        n_init=settings.n_init,
        max_iter=settings.max_iter,
        random_state=settings.random_seed,
        algorithm="lloyd",
    )
    # One thread: float sums in a fixed order, so every run gives the same bits.
    with threadpool_limits(limits=1):
        model.fit(values)
    return Fit(model.cluster_centers_, model.labels_, float(model.inertia_), int(model.n_iter_))


# --- This model's own functions -----------------------------------------------------------


def stored_checks(stored: pd.DataFrame, fit_key: str) -> pd.DataFrame | None:
    """The stored checks of exactly the current inputs (the same fit_key), reused by a monthly
    run (refit_model false); None when there are none."""
    if stored.empty or not {"fit_key", *CHECK_COLUMNS} <= set(stored.columns):
        return None
    rows = stored[stored["fit_key"] == fit_key]
    return None if rows.empty else rows.sort_values(["check_kind", "item"], ignore_index=True)


def silhouette_positions(customer_ids: np.ndarray, seed: int, sample_size: int) -> np.ndarray:
    """Row positions of the silhouette sample: the first sample_size customers in the order of
    md5('<customer_id>:<seed>'), then customer_id, the SQL engine's sample."""
    draws = [hashlib.md5(f"{customer_id}:{seed}".encode()).hexdigest() for customer_id in customer_ids]
    order = sorted(range(len(customer_ids)), key=lambda position: (draws[position], customer_ids[position]))
    return np.array(order[:sample_size], dtype=np.int64)


def method_labels(values: np.ndarray, sample: np.ndarray, settings: FitSettings) -> dict[str, np.ndarray]:
    """Each method's segments of the sampled customers: KMeans and the Gaussian mixture fitted on
    every customer, Ward on the sample alone."""
    from sklearn.cluster import AgglomerativeClustering  # see fit_kmeans
    from sklearn.mixture import GaussianMixture
    from threadpoolctl import threadpool_limits

    kmeans = fit_kmeans(values, settings)
    with threadpool_limits(limits=1):
        mixture = GaussianMixture(
            n_components=settings.n_clusters, covariance_type="full", n_init=1, random_state=settings.random_seed
        ).fit(values)
        ward = AgglomerativeClustering(n_clusters=settings.n_clusters, linkage="ward").fit(values[sample])
    return {
        "kmeans": kmeans.labels[sample],
        "ward": ward.labels_,
        "gaussian_mixture": mixture.predict(values[sample]),
    }


def method_comparison(
    matrix_frame: pd.DataFrame, settings: FitSettings, method_sample: int, features: Sequence[str]
) -> pd.DataFrame:
    """One row per method at the model's k: silhouette, Davies-Bouldin, Calinski-Harabasz, the
    smallest segment's share and the adjusted Rand index with KMeans, all on one sample."""
    from sklearn.metrics import (  # see fit_kmeans
        adjusted_rand_score,
        calinski_harabasz_score,
        davies_bouldin_score,
        silhouette_score,
    )

    matrix = training_matrix(matrix_frame, features)
    sample = silhouette_positions(matrix.customer_ids, settings.random_seed, method_sample)
    sampled = matrix.values[sample]
    labels = method_labels(matrix.values, sample, settings)
    rows = []
    for method, found in labels.items():
        several = 1 < len(np.unique(found)) < len(found)
        rows.append(
            {
                "check_kind": "method",
                "item": method,
                "k": settings.n_clusters,
                "silhouette": float(silhouette_score(sampled, found)) if several else None,
                "davies_bouldin": float(davies_bouldin_score(sampled, found)) if several else None,
                "calinski_harabasz": float(calinski_harabasz_score(sampled, found)) if several else None,
                "smallest_segment_share": float(np.bincount(found, minlength=settings.n_clusters).min() / len(found)),
                "agreement_with_kmeans": float(adjusted_rand_score(labels["kmeans"], found)),
                "fitted_customers": len(sample) if method == "ward" else len(matrix.values),
                "evaluated_customers": len(sample),
                "reference_month": matrix.reference_month,
            }
        )
    return pd.DataFrame(rows)
