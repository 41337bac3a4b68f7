"""Are the features fit to use? On the training customers, before the model's preprocessing is
final: per numeric candidate feature (seg_preprocessing_candidates, is_used) its variance before
scaling, its largest absolute correlation with another candidate and its variance inflation
factor (VIF), with the one-hot levels of each category but its most frequent one; and what the
usual screening would drop, one feature at a time, the figures computed again after each drop:
every feature with a variance below 0.01, then of the most correlated pair above |r| 0.8 the
feature with the higher VIF, then the feature with the highest VIF above 10. seg_preprocessing
drops those features only with var feature_screening: apply.

Runs as a dbt Python model on DuckDB (in process) and on Snowflake (Snowpark stored procedure);
everything it needs is in this file.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

VARIANCE_MIN = 0.01
CORRELATION_MAX = 0.8
VIF_MAX = 10.0
REPORTED_DECIMALS = 8
SCREENING_COLUMNS = [
    "feature",
    "variance_before_scaling",
    "max_abs_correlation",
    "most_correlated_feature",
    "vif",
    "screening_drops",
    "screening_step",
    "screening_reason",
    "fitted_customers",
    "reference_month",
]


def model(dbt: Any, session: Any) -> pd.DataFrame:
    dbt.config(
        materialized="table",
        python_version="3.11",
        # Versions from Snowflake's Anaconda channel (ignored on DuckDB, which uses the venv's).
        packages=["pandas==2.2.3", "numpy==1.26.4"],
    )
    column_case = dbt.config.get("column_case")
    candidates = to_pandas(dbt.ref("seg_preprocessing_candidates"))
    labels = to_pandas(dbt.ref("seg_feature_labels"))
    training = to_pandas(dbt.ref("seg_training_features"))
    if training.empty:
        return with_column_case(pd.DataFrame(columns=SCREENING_COLUMNS), column_case)
    design = candidate_design(training, candidates)
    screening = screen(design, numeric_variances(candidates), feature_labels(labels))
    screening["fitted_customers"] = len(design)
    screening["reference_month"] = as_date(training["reference_month"].iloc[0])
    # LAPACK's inverse differs in the last bits between CPUs (OpenBLAS picks its kernels by CPU):
    # rounded, the table is the same on every machine, not only on every rebuild of one.
    screening = screening.round({"max_abs_correlation": REPORTED_DECIMALS, "vif": REPORTED_DECIMALS})
    return with_column_case(screening[SCREENING_COLUMNS], column_case)


# --- Shared helpers ------------------------------------------------------------------------
# Snowflake ships each model file alone to a stored procedure (no project-local imports), so
# the helpers the Python models share are written out in each file; a test checks that the
# copies stay identical.


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


# --- The screening -------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """The correlation matrix and VIF of a design, by feature."""

    features: list[str]
    correlation: np.ndarray
    vif: dict[str, float]

    def strongest_partner(self, feature: str) -> tuple[str, float]:
        """The other feature most correlated with this one, and the absolute correlation."""
        position = self.features.index(feature)
        others = np.abs(np.delete(self.correlation[position], position))
        nearest = int(np.argmax(others))
        return [name for name in self.features if name != feature][nearest], float(others[nearest])


def candidate_design(training: pd.DataFrame, candidates: pd.DataFrame) -> pd.DataFrame:
    """The used candidate features of the training customers (sorted by id), as the model would
    see them: numeric ones transformed and standardized with the candidates' parameters (a null
    is the centre), one-hot levels as 0/1 but each category's most frequent level (ties: the
    first by name), so that the levels are not a linear combination of one another. Columns
    sorted by name."""
    training = training.sort_values("customer_id", kind="stable").reset_index(drop=True)
    used = candidates.loc[candidates["is_used"].astype(bool)].assign(feature=lambda f: f["feature"].str.lower())
    columns = {}
    for row in used.itertuples():
        raw = training[row.source_column.lower()]
        if row.kind == "numeric":
            values = pd.to_numeric(raw).astype(np.float64).to_numpy()
            if row.transform == "signed_log":
                values = np.sign(values) * np.log1p(np.abs(values))
            columns[row.feature] = (np.where(np.isnan(values), row.center, values) - row.center) / row.scale
        else:
            columns[row.feature] = (raw.fillna("unknown").astype(str) == row.level).astype(np.float64).to_numpy()
    design = pd.DataFrame(columns, index=training.index)
    for _, levels in used.loc[used["kind"] == "one_hot"].groupby("source_column"):
        shares = design[sorted(levels["feature"])].mean()
        design = design.drop(columns=shares.sort_values(ascending=False, kind="stable").index[0])
    return design[sorted(design.columns)]


def numeric_variances(candidates: pd.DataFrame) -> dict[str, float]:
    """Per used numeric candidate its variance after the transform, before scaling: the scale
    times the weight (scale is the standard deviation divided by the weight), squared."""
    numeric = candidates.loc[candidates["is_used"].astype(bool) & (candidates["kind"] == "numeric")]
    return {
        str(feature).lower(): float(scale * weight) ** 2
        for feature, scale, weight in zip(numeric["feature"], numeric["scale"], numeric["weight"], strict=True)
    }


def feature_labels(labels: pd.DataFrame) -> dict[str, str]:
    return dict(zip(labels["feature"].str.lower(), labels["feature_label"], strict=True))


def figures(design: pd.DataFrame) -> Figures:
    """Correlations, and the VIF as the diagonal of the inverse correlation matrix (the
    pseudo-inverse: a singular design gives large VIFs, not an error)."""
    correlation = np.corrcoef(design.to_numpy(dtype=np.float64), rowvar=False)
    inverse = np.linalg.pinv(correlation, hermitian=True)
    return Figures(list(design.columns), correlation, dict(zip(design.columns, np.diag(inverse), strict=True)))


def screen(design: pd.DataFrame, variances: dict[str, float], labels: dict[str, str]) -> pd.DataFrame:
    """One row per numeric feature: the figures with every candidate in, and whether the
    stepwise screening drops it, at which step and why (in business words)."""
    first = figures(design)
    rows = {}
    for feature in sorted(variances):
        partner, correlation = first.strongest_partner(feature)
        rows[feature] = {
            "feature": feature,
            "variance_before_scaling": variances[feature],
            "max_abs_correlation": correlation,
            "most_correlated_feature": partner,
            "vif": float(first.vif[feature]),
            "screening_drops": False,
            "screening_step": None,
            "screening_reason": None,
        }
    for step, (feature, reason) in enumerate(stepwise_drops(design, variances, labels), start=1):
        rows[feature].update({"screening_drops": True, "screening_step": step, "screening_reason": reason})
    frame = pd.DataFrame(list(rows.values()), columns=SCREENING_COLUMNS[:-2])
    # whole numbers and None (not pandas' NA, which Snowpark cannot write)
    frame["screening_step"] = pd.Series([row["screening_step"] for row in rows.values()], dtype=object)
    return frame


def stepwise_drops(design: pd.DataFrame, variances: dict[str, float], labels: dict[str, str]) -> list[tuple[str, str]]:
    """The features the usual screening drops, in order, with the reason: low variance first
    (each on its own figure), then one at a time - of the most correlated pair above the
    threshold the numeric feature with the higher VIF (ties: the later by name), else the
    feature with the highest VIF above the threshold - the figures computed again after each
    drop. At least one numeric feature always stays."""
    dropped = [
        (feature, f"variance {variance:.4f} before scaling, below {VARIANCE_MIN}")
        for feature, variance in sorted(variances.items())
        if variance < VARIANCE_MIN
    ]
    while True:
        remaining = [feature for feature in design.columns if feature not in dict(dropped)]
        numeric = [feature for feature in remaining if feature in variances]
        if len(numeric) <= 1 or len(remaining) <= 1:
            return dropped
        current = figures(design[remaining])
        pair = most_correlated_pair(current, numeric)
        if pair is not None:
            kept, drop, correlation = pair
            reason = (
                f"moves with {labels.get(kept, kept)} (|r| {correlation:.2f} above {CORRELATION_MAX}), which is kept"
            )
            dropped.append((drop, reason))
            continue
        worst = max(numeric, key=lambda feature: (current.vif[feature], feature))
        if current.vif[worst] <= VIF_MAX:
            return dropped
        dropped.append((worst, f"VIF {current.vif[worst]:.2f} above {VIF_MAX:g}: explained by the other features"))


def most_correlated_pair(current: Figures, numeric: list[str]) -> tuple[str, str, float] | None:
    """Of the pairs above CORRELATION_MAX with at least one numeric feature, the strongest:
    (the feature kept, the numeric feature dropped, |r|); None when there is no such pair."""
    strongest = None
    for feature in numeric:
        partner, correlation = current.strongest_partner(feature)
        if correlation > CORRELATION_MAX and (strongest is None or correlation > strongest[2]):
            strongest = (feature, partner, correlation)
    if strongest is None:
        return None
    feature, partner, correlation = strongest
    pair = [name for name in (feature, partner) if name in numeric]
    drop = max(pair, key=lambda name: (current.vif[name], name))
    kept = partner if drop == feature else feature
    return kept, drop, correlation
