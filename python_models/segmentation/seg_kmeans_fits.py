"""The registry of KMeans fits: one row per fit, segment and feature (the centroid in the
standardized space), with the fit's summary on every row. Incremental: a new reference month
adds a fit whose segment ids are matched to the previous fit's, so segments keep their ids.

Runs as a dbt Python model on DuckDB (in process) and on Snowflake (Snowpark stored procedure);
everything it needs is in this file.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

FEATURE_PREFIX = "f_"
REGISTRY_COLUMNS = [
    "fit_number",
    "reference_month",
    "segment_id",
    "feature",
    "centroid",
    "cluster_size",
    "n_clusters",
    "random_seed",
    "n_init",
    "max_iter",
    "training_rows",
    "inertia",
    "n_iter",
    "fitted_at",
    "fit_key",
]


def model(dbt: Any, session: Any) -> pd.DataFrame:
    dbt.config(
        materialized="incremental",
        incremental_strategy="delete+insert",
        unique_key="reference_month",
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
    column_case = dbt.config.get("column_case")
    refit = dbt.config.get("refit_model")
    fit_key = current_fit_key(to_pandas(dbt.ref("seg_fit_inputs")))
    registry = to_pandas(session.sql(f"select * from {dbt.this}")) if dbt.is_incremental else None
    stored = None if as_bool(refit) else stored_fit(registry, fit_key)
    if stored is not None:
        return with_column_case(stored, column_case)
    matrix = to_pandas(dbt.ref("seg_training_matrix"))
    if matrix.empty:
        # Nothing to fit (or dbt run --empty): the error-severity test on seg_training_matrix
        # stops a build before this runs; an empty registry keeps the children's columns.
        return with_column_case(pd.DataFrame(columns=REGISTRY_COLUMNS), column_case)
    features = used_features(to_pandas(dbt.ref("seg_preprocessing")))
    return with_column_case(fit_registry_rows(matrix, features, registry, settings, fit_key), column_case)


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


def initial_ids(centers: np.ndarray, labels: np.ndarray) -> list[int]:
    """First fit: segment 1 is the largest cluster; ties by centroid values."""
    sizes = np.bincount(labels, minlength=len(centers))
    order = sorted(range(len(centers)), key=lambda c: (-sizes[c], tuple(centers[c])))
    ids = [0] * len(centers)
    for rank, cluster in enumerate(order, start=1):
        ids[cluster] = rank
    return ids


def matched_ids(centers: np.ndarray, features: Sequence[str], labels: np.ndarray, previous: pd.DataFrame) -> list[int]:
    """Stable ids: each new centroid takes the id of a previous centroid, one-to-one, so that
    the total distance between matched pairs is minimal (Hungarian algorithm). Distances use
    the features both fits share. New clusters beyond the previous count get fresh ids."""
    from scipy.optimize import linear_sum_assignment  # only when a fit is made (see fit_kmeans)

    if previous.empty:
        return initial_ids(centers, labels)
    wide = previous.pivot_table(index="segment_id", columns="feature", values="centroid", aggfunc="first")
    shared = [f for f in features if f in wide.columns]
    if not shared:
        return initial_ids(centers, labels)
    previous_ids = list(wide.index)
    new = centers[:, [features.index(f) for f in shared]]
    old = wide[shared].to_numpy(dtype=np.float64)
    cost = np.sqrt(((new[:, None, :] - old[None, :, :]) ** 2).sum(axis=2))
    rows, cols = linear_sum_assignment(cost)
    ids = [0] * len(centers)
    for row, col in zip(rows, cols, strict=True):
        ids[row] = int(previous_ids[col])
    unmatched = [c for c in initial_order(centers, labels) if ids[c] == 0]
    next_id = max(previous_ids) + 1
    for cluster in unmatched:
        ids[cluster] = next_id
        next_id += 1
    return ids


def initial_order(centers: np.ndarray, labels: np.ndarray) -> list[int]:
    ids = initial_ids(centers, labels)
    return sorted(range(len(centers)), key=lambda c: ids[c])


def previous_fit(registry: pd.DataFrame | None, reference_month: dt.date) -> tuple[pd.DataFrame, int]:
    """The most recent earlier fit to match against (not a rerun of this month) and the
    fit_number this fit gets (a rerun keeps its number)."""
    if registry is None or registry.empty:
        return pd.DataFrame(columns=["segment_id", "feature", "centroid"]), 1
    registry = registry.assign(reference_month=registry["reference_month"].map(as_date))
    same_month = registry[registry["reference_month"] == reference_month]
    others = registry[registry["reference_month"] != reference_month]
    fit_number = (
        int(same_month["fit_number"].iloc[0]) if not same_month.empty else int(registry["fit_number"].max()) + 1
    )
    if others.empty:
        return pd.DataFrame(columns=["segment_id", "feature", "centroid"]), fit_number
    latest = others[others["fit_number"] == others["fit_number"].max()]
    return latest[["segment_id", "feature", "centroid"]], fit_number


def registry_rows(
    matrix: TrainingMatrix, fit: Fit, ids: list[int], settings: FitSettings, fit_number: int, fit_key: str
) -> pd.DataFrame:
    sizes = np.bincount(fit.labels, minlength=len(ids))
    rows = [
        {
            "fit_number": fit_number,
            "reference_month": matrix.reference_month,
            "segment_id": ids[cluster],
            "feature": feature,
            "centroid": float(fit.centers[cluster, position]),
            "cluster_size": int(sizes[cluster]),
            "n_clusters": settings.n_clusters,
            "random_seed": settings.random_seed,
            "n_init": settings.n_init,
            "max_iter": settings.max_iter,
            "training_rows": len(matrix.customer_ids),
            "inertia": fit.inertia,
            "n_iter": fit.n_iter,
            "fitted_at": matrix.reference_month,
            "fit_key": fit_key,
        }
        for cluster in range(len(ids))
        for position, feature in enumerate(matrix.features)
    ]
    return pd.DataFrame(rows, columns=REGISTRY_COLUMNS).sort_values(["segment_id", "feature"], ignore_index=True)


def as_bool(value: Any) -> bool:
    """The refit_model var as it arrives through config: a boolean or its text."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if str(value).strip().lower() in ("true", "false"):
        return str(value).strip().lower() == "true"
    raise ValueError(f"refit_model must be true or false, got {value!r}.")


def stored_fit(registry: pd.DataFrame | None, fit_key: str) -> pd.DataFrame | None:
    """The registry's fit made from exactly the current inputs (the same fit_key: training rows,
    month and settings), reused by a monthly run; None when there is none (fit)."""
    if registry is None or registry.empty or "fit_key" not in registry.columns:
        return None
    rows = registry[registry["fit_key"] == fit_key]
    if rows.empty:
        return None
    return rows[REGISTRY_COLUMNS].sort_values(["segment_id", "feature"], ignore_index=True)


def fit_registry_rows(
    matrix_frame: pd.DataFrame,
    features: Sequence[str] | None,
    registry: pd.DataFrame | None,
    settings: FitSettings,
    fit_key: str,
) -> pd.DataFrame:
    """The whole fit: matrix -> KMeans -> stable ids -> the registry rows of this fit."""
    matrix = training_matrix(matrix_frame, features)
    fit = fit_kmeans(matrix.values, settings)
    previous, fit_number = previous_fit(registry, matrix.reference_month)
    ids = matched_ids(fit.centers, matrix.features, fit.labels, previous)
    return registry_rows(matrix, fit, ids, settings, fit_number, fit_key)
