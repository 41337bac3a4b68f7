"""A 2-D view of the segments: the diagnostics matrix's first two principal components, and
the sample of at most method_sample customers (the first by md5 of id and seed) projected on
them, for a scatter coloured by segment (marts.segment_pca_sample adds the segments).

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
PCA_COLUMNS = ["customer_id", "pc1", "pc2", "pc1_variance_share", "pc2_variance_share", "reference_month"]


REPORTED_DECIMALS = 8


def model(dbt: Any, session: Any) -> pd.DataFrame:
    dbt.config(
        materialized="table",
        python_version="3.11",
        # Versions from Snowflake's Anaconda channel (ignored on DuckDB, which uses the venv's).
        packages=["scikit-learn==1.5.2", "pandas==2.2.3", "numpy==1.26.4", "scipy==1.13.1", "threadpoolctl==3.5.0"],
    )
    # Literal config.get calls, one per line: dbt ships only the keys it finds read this way.
    random_seed = int(dbt.config.get("random_seed"))
    method_sample = int(dbt.config.get("method_sample"))
    column_case = dbt.config.get("column_case")
    # Only to run after seg_model_checks (not read): two threads importing scikit-learn at once fail.
    dbt.ref("seg_model_checks")
    matrix = to_pandas(dbt.ref("seg_diagnostics_matrix"))
    if matrix.empty:
        return with_column_case(pd.DataFrame(columns=PCA_COLUMNS), column_case)
    features = used_features(to_pandas(dbt.ref("seg_preprocessing")))
    sample = pca_sample(matrix, features, random_seed, method_sample)
    # LAPACK's SVD differs in the last bits between CPUs (OpenBLAS picks its kernels by CPU):
    # rounded, the table is the same on every machine, not only on every rebuild of one.
    return with_column_case(sample.round(REPORTED_DECIMALS), column_case)


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


def silhouette_positions(customer_ids: np.ndarray, seed: int, sample_size: int) -> np.ndarray:
    """Row positions of the silhouette sample: the first sample_size customers in the order of
    md5('<customer_id>:<seed>'), then customer_id, the SQL engine's sample."""
    draws = [hashlib.md5(f"{customer_id}:{seed}".encode()).hexdigest() for customer_id in customer_ids]
    order = sorted(range(len(customer_ids)), key=lambda position: (draws[position], customer_ids[position]))
    return np.array(order[:sample_size], dtype=np.int64)


def principal_axes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, the first two principal axes (rows) and their shares of the total variance. Each
    axis is signed so that its largest loading is positive: the same data gives the same picture."""
    from threadpoolctl import threadpool_limits  # see fit_kmeans

    mean = values.mean(axis=0)
    with threadpool_limits(limits=1):
        _, singular_values, axes = np.linalg.svd(values - mean, full_matrices=False)
    axes = axes[:2]
    signs = np.sign(axes[np.arange(len(axes)), np.abs(axes).argmax(axis=1)])
    variance = singular_values**2
    return mean, axes * signs[:, None], variance[:2] / variance.sum()


def pca_sample(matrix_frame: pd.DataFrame, features: Sequence[str], seed: int, sample_size: int) -> pd.DataFrame:
    """The sampled customers' coordinates on the first two principal axes of every customer."""
    matrix = training_matrix(matrix_frame, features)
    if matrix.values.shape[1] < 2:
        raise ValueError("seg_pca_sample needs at least two model features.")
    mean, axes, shares = principal_axes(matrix.values)
    sample = np.sort(silhouette_positions(matrix.customer_ids, seed, sample_size))
    coordinates = (matrix.values[sample] - mean) @ axes.T
    return pd.DataFrame(
        {
            "customer_id": matrix.customer_ids[sample],
            "pc1": coordinates[:, 0],
            "pc2": coordinates[:, 1],
            "pc1_variance_share": float(shares[0]),
            "pc2_variance_share": float(shares[1]),
            "reference_month": matrix.reference_month,
        }
    )
