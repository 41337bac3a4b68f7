"""Small derivations from the marts that the pages show: pure pandas, no Streamlit.

The marts already hold every figure per segment and tier; what is left here is arithmetic a
BI tool does in its own layer (totals over tiers, which months can be compared), kept out
of the pages so that it can be unit-tested.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

SUMMARY_COLUMNS = [
    "group_key",
    "group_label",
    "customers",
    "customer_share",
    "revenue_share",
    "total_revenue",
    "avg_revenue",
    "asset_share",
    "total_assets",
    "total_liabilities",
    "net_balance",
]


@dataclass(frozen=True)
class ModelSummary:
    reference_month: pd.Timestamp
    k: int
    training_customers: int
    inertia: float
    random_seed: int


def model_summary(diagnostics: pd.DataFrame, profiles: pd.DataFrame) -> ModelSummary:
    """The chosen fit: its k and inertia are the diagnostics row flagged is_chosen_k (the same
    seed and restarts as the model); every active customer at the reference month trained it."""
    chosen = diagnostics.loc[diagnostics["is_chosen_k"].astype(bool)].iloc[0]
    return ModelSummary(
        reference_month=pd.Timestamp(chosen["reference_month"]),
        k=int(chosen["k"]),
        training_customers=int(profiles["customers"].sum()),
        inertia=float(chosen["inertia"]),
        random_seed=int(chosen["random_seed"]),
    )


def segment_summary(profiles: pd.DataFrame) -> pd.DataFrame:
    """Size, share, revenue, assets and liabilities per segment, with its name and description."""
    summary = profiles.assign(group_key=profiles["segment_id"].astype(str), group_label=profiles["segment_name"])
    return summary.sort_values("segment_id")[[*SUMMARY_COLUMNS, "segment_description"]].reset_index(drop=True)


def tier_summary(tier_matrix: pd.DataFrame) -> pd.DataFrame:
    """Size, share, revenue, assets and liabilities per tier, in the bank's tier order
    (tier_rank): the segment x tier matrix summed over segments."""
    money = ["customers", "total_revenue", "total_assets", "total_liabilities", "net_balance"]
    summary = (
        tier_matrix.groupby(["tier", "tier_rank"], as_index=False)[money].sum().rename(columns={"tier": "group_key"})
    )
    return (
        summary.assign(
            group_label=summary["group_key"],
            customer_share=summary["customers"] / summary["customers"].sum(),
            revenue_share=summary["total_revenue"] / summary["total_revenue"].sum(),
            avg_revenue=summary["total_revenue"] / summary["customers"],
            asset_share=summary["total_assets"] / summary["total_assets"].sum(),
        )
        .sort_values("tier_rank")[SUMMARY_COLUMNS]
        .reset_index(drop=True)
    )


def comparable_months(transitions: pd.DataFrame) -> dict[pd.Timestamp, list[pd.Timestamp]]:
    """For each month, the later months the transitions mart compares it with (the next month,
    and for some months the reference month), in order."""
    pairs = transitions[["from_month", "to_month"]].drop_duplicates().sort_values(["from_month", "to_month"])
    return {
        pd.Timestamp(from_month): [pd.Timestamp(month) for month in group["to_month"]]
        for from_month, group in pairs.groupby("from_month")
    }


def flows_between(transitions: pd.DataFrame, from_month: pd.Timestamp, to_month: pd.Timestamp) -> pd.DataFrame:
    """The flows of one pair of months, largest first."""
    flows = transitions.loc[(transitions["from_month"] == from_month) & (transitions["to_month"] == to_month)]
    return flows.sort_values("customers", ascending=False).reset_index(drop=True)


@dataclass(frozen=True)
class FlowTotals:
    stayed: int
    moved: int
    new: int
    churned: int

    @property
    def stayed_share(self) -> float:
        """Of the customers active in both months, the share who kept their segment."""
        both = self.stayed + self.moved
        return self.stayed / both if both else float("nan")


def flow_totals(flows: pd.DataFrame) -> FlowTotals:
    new = flows["from_state"] == "new"
    churned = flows["to_state"] == "churned"
    kept = ~new & ~churned
    stayed = kept & (flows["from_state"] == flows["to_state"])
    return FlowTotals(
        stayed=int(flows.loc[stayed, "customers"].sum()),
        moved=int(flows.loc[kept & ~stayed, "customers"].sum()),
        new=int(flows.loc[new, "customers"].sum()),
        churned=int(flows.loc[churned, "customers"].sum()),
    )


def moves_between(drivers: pd.DataFrame, from_month: pd.Timestamp, to_month: pd.Timestamp) -> pd.DataFrame:
    """The moves between two segments of one pair of months that segment_transition_drivers
    explains, largest first: from and to segment, movers, stayers and the top three drivers in
    words ("Mortgage owed (average) +1.71")."""
    rows = drivers.loc[(drivers["from_month"] == from_month) & (drivers["to_month"] == to_month)]
    keys = ["from_segment_id", "from_label", "to_segment_id", "to_label", "customers", "stayers"]
    if rows.empty:
        return pd.DataFrame(columns=[*keys, "top_drivers"])
    top = rows.loc[rows["driver_rank"] <= 3].sort_values("driver_rank")
    top = top.assign(driver=top["feature_label"] + " " + top["relative_change"].map("{:+.2f}".format))
    moves = top.groupby(keys, as_index=False, sort=False)["driver"].agg("; ".join)
    moves = moves.rename(columns={"driver": "top_drivers"})
    return moves.sort_values(
        ["customers", "from_segment_id", "to_segment_id"], ascending=[False, True, True]
    ).reset_index(drop=True)


def move_drivers(
    drivers: pd.DataFrame, from_month: pd.Timestamp, to_month: pd.Timestamp, from_segment: int, to_segment: int
) -> pd.DataFrame:
    """Every feature's driver row of one move, by rank."""
    rows = drivers.loc[
        (drivers["from_month"] == from_month)
        & (drivers["to_month"] == to_month)
        & (drivers["from_segment_id"] == from_segment)
        & (drivers["to_segment_id"] == to_segment)
    ]
    return rows.sort_values("driver_rank").reset_index(drop=True)


@dataclass(frozen=True)
class HealthSummary:
    latest_month: pd.Timestamp
    refit_recommended: bool | None  # None: the latest month is not after the reference month
    reason: str
    segment_mix_psi: float
    share_borderline: float
    borderline: int
    outliers: int
    recommended_k: int
    recommendation_note: str


def health_summary(drift: pd.DataFrame, diagnostics: pd.DataFrame, profiles: pd.DataFrame) -> HealthSummary:
    """The model's state in a few figures: the latest month's drift and advice, the borderline
    and outlier customers at the reference month, the recommended k."""
    latest = drift.sort_values("month_date").iloc[-1]
    recommended = diagnostics.loc[diagnostics["is_recommended"].astype(bool)].iloc[0]
    advice = latest["refit_recommended"]
    return HealthSummary(
        latest_month=pd.Timestamp(latest["month_date"]),
        refit_recommended=None if pd.isna(advice) else bool(advice),
        reason=str(latest["reason"]) if pd.notna(latest["reason"]) else "The reference month: nothing to compare yet.",
        segment_mix_psi=float(latest["segment_mix_psi"]),
        share_borderline=float(latest["share_borderline"]),
        borderline=round(float((profiles["customers"] * profiles["share_borderline"]).sum())),
        outliers=round(float((profiles["customers"] * profiles["share_outlier"]).sum())),
        recommended_k=int(recommended["k"]),
        recommendation_note=str(recommended["recommendation_note"]),
    )


def drift_window(drift: pd.DataFrame, months_before: int = 12) -> pd.DataFrame:
    """The months a drift chart shows: from months_before the reference month on. The first
    months of the history have lookback windows not yet full, and their PSI (often above 1)
    would flatten every later month to the axis."""
    reference = drift.loc[drift["is_reference_month"].astype(bool), "month_date"]
    if reference.empty:
        return drift
    start = pd.Timestamp(reference.iloc[0]) - pd.DateOffset(months=months_before)
    return drift.loc[drift["month_date"] >= start]
