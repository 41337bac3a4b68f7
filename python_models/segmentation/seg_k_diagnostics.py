"""Model diagnostics over a range of k: inertia (elbow), silhouette, Davies-Bouldin,
Calinski-Harabasz, stability and the smallest segment's share, with the segmentation's seed, on
seg_diagnostics_matrix: the training matrix, or a systematic sample of its customers when it
holds more than diagnostics_sample. The silhouette sample and the stability are defined as the
SQL engine's (seg_k_diagnostics_sql), so both engines report the same figures for the same fits.

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
DIAGNOSTICS_COLUMNS = [
    "k",
    "inertia",
    "silhouette",
    "davies_bouldin",
    "calinski_harabasz",
    "stability",
    "smallest_segment_share",
    "silhouette_sample_size",
    "fitted_customers",
    "reference_month",
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
    k_min = int(dbt.config.get("k_min"))
    k_max = int(dbt.config.get("k_max"))
    silhouette_sample = int(dbt.config.get("silhouette_sample"))
    column_case = dbt.config.get("column_case")
    refit = dbt.config.get("refit_model")
    # Only to run after seg_kmeans_fits (the relation is not read): dbt-duckdb runs Python models
    # in threads of one process, and two threads importing scikit-learn at once fail inside it
    # ("partially initialized module sklearn.base").
    dbt.ref("seg_kmeans_fits")
    fit_key = current_fit_key(to_pandas(dbt.ref("seg_fit_inputs")))
    if getattr(dbt, "is_incremental", False) and str(refit).strip().lower() != "true":
        stored = stored_diagnostics(to_pandas(session.sql(f"select * from {dbt.this}")), fit_key)
        if stored is not None:
            return with_column_case(stored, column_case)
    matrix = to_pandas(dbt.ref("seg_diagnostics_matrix"))
    if matrix.empty:
        # as seg_kmeans_fits: nothing to fit, the test on seg_training_matrix stops a build
        return with_column_case(pd.DataFrame(columns=[*DIAGNOSTICS_COLUMNS, "fit_key"]), column_case)
    features = used_features(to_pandas(dbt.ref("seg_preprocessing")))
    diagnostics = k_diagnostics(matrix, range(k_min, k_max + 1), settings, silhouette_sample, features)
    return with_column_case(diagnostics.assign(fit_key=fit_key), column_case)


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


def stored_diagnostics(stored: pd.DataFrame, fit_key: str) -> pd.DataFrame | None:
    """The stored diagnostics made from exactly the current inputs (the same fit_key), reused by
    a monthly run (refit_model false); None when there are none."""
    if stored.empty or not {"fit_key", *DIAGNOSTICS_COLUMNS} <= set(stored.columns):
        # rows of an earlier version of this model lack columns: computed again
        return None
    rows = stored[stored["fit_key"] == fit_key]
    if rows.empty:
        return None
    return rows.sort_values("k", ignore_index=True)


def fit_restarts(values: np.ndarray, settings: FitSettings) -> list[Fit]:
    """The n_init restarts of fit_kmeans one by one, drawing from one random state in turn as
    KMeans(n_init) does, so that the restart it would keep is among them (best_restart)."""
    from sklearn.cluster import KMeans  # see fit_kmeans
    from threadpoolctl import threadpool_limits

    random_state = np.random.RandomState(settings.random_seed)
    fits = []
    for _ in range(settings.n_init):
        model = KMeans(
            n_clusters=settings.n_clusters,
            init="k-means++",
            n_init=1,
            max_iter=settings.max_iter,
            random_state=random_state,
            algorithm="lloyd",
        )
        with threadpool_limits(limits=1):
            model.fit(values)
        fits.append(Fit(model.cluster_centers_, model.labels_, float(model.inertia_), int(model.n_iter_)))
    return fits


def best_restart(fits: Sequence[Fit]) -> int:
    """The restart KMeans(n_init) keeps: the first of the lowest inertia, a later one only when
    its inertia is lower and its clustering another."""
    best = 0
    for index, fit in enumerate(fits[1:], start=1):
        if fit.inertia < fits[best].inertia and not same_clustering(fit.labels, fits[best].labels):
            best = index
    return best


def same_clustering(labels: np.ndarray, other: np.ndarray) -> bool:
    """True when two labelings are the same partition under other segment numbers."""
    pairs = np.unique(np.column_stack([labels, other]), axis=0)
    return len(pairs) == len(np.unique(labels)) == len(np.unique(other))


def restart_stability(fits: Sequence[Fit], best: int) -> float | None:
    """Adjusted Rand index between the kept restart's segments and those of the restart with the
    next lowest inertia (ties to the earlier): 1 when the two best starts find the same segments.
    None with a single restart."""
    from sklearn.metrics import adjusted_rand_score

    others = [index for index in range(len(fits)) if index != best]
    if not others:
        return None
    runner_up = min(others, key=lambda index: (fits[index].inertia, index))
    return float(adjusted_rand_score(fits[best].labels, fits[runner_up].labels))


def silhouette_positions(customer_ids: np.ndarray, seed: int, sample_size: int) -> np.ndarray:
    """Row positions of the silhouette sample: the first sample_size customers in the order of
    md5('<customer_id>:<seed>'), then customer_id, the SQL engine's sample."""
    draws = [hashlib.md5(f"{customer_id}:{seed}".encode()).hexdigest() for customer_id in customer_ids]
    order = sorted(range(len(customer_ids)), key=lambda position: (draws[position], customer_ids[position]))
    return np.array(order[:sample_size], dtype=np.int64)


def k_diagnostics(
    matrix_frame: pd.DataFrame,
    k_values: Sequence[int],
    settings: FitSettings,
    silhouette_sample: int,
    features: Sequence[str] | None = None,
) -> pd.DataFrame:
    """For each k: inertia, silhouette (on the md5 sample of silhouette_positions), Davies-Bouldin,
    Calinski-Harabasz, stability across restarts and the smallest segment's share, so that a user
    can choose k."""
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score  # see fit_kmeans

    matrix = training_matrix(matrix_frame, features)
    sample_positions = silhouette_positions(matrix.customer_ids, settings.random_seed, silhouette_sample)
    rows = []
    for k in k_values:
        if k >= len(matrix.values):
            continue
        restarts = fit_restarts(matrix.values, FitSettings(k, settings.random_seed, settings.n_init, settings.max_iter))
        best = best_restart(restarts)
        fit = restarts[best]
        sample = sample_positions[: min(silhouette_sample, len(matrix.values))]
        sample_labels = fit.labels[sample]
        rows.append(
            {
                "k": int(k),
                "inertia": fit.inertia,
                "silhouette": (
                    float(silhouette_score(matrix.values[sample], sample_labels))
                    if 1 < len(np.unique(sample_labels)) < len(sample)
                    else None
                ),
                "davies_bouldin": float(davies_bouldin_score(matrix.values, fit.labels)),
                "calinski_harabasz": float(calinski_harabasz_score(matrix.values, fit.labels)),
                "stability": restart_stability(restarts, best),
                "smallest_segment_share": float(np.bincount(fit.labels, minlength=k).min() / len(fit.labels)),
                "silhouette_sample_size": len(sample),
                "fitted_customers": len(matrix.values),
                "reference_month": matrix.reference_month,
            }
        )
    return pd.DataFrame(rows)
