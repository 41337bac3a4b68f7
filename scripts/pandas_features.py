"""The customer x month features of int_customer_month_features computed with pandas, as a
notebook pipeline would: read the Parquet inputs, pivot the facts per product type, count
holdings per month, and average over the lookback window with a group-by rolling window.

    .venv/bin/python scripts/pandas_features.py --data /tmp/bank --cutoff 2025-12-31 --out /tmp/features.parquet

It is the pandas side of scripts/benchmark.py: the same inputs (facts up to --cutoff) and the
same columns, so its time can be compared with the dbt build's.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd


def month_end(dates: pd.Series) -> pd.Series:
    return (pd.to_datetime(dates) + pd.offsets.MonthEnd(0)).dt.normalize()


def features(data: Path, cutoff: pd.Timestamp, lookback_months: int = 12) -> pd.DataFrame:
    customers = pd.read_parquet(data / "customers.parquet")
    customers = customers[pd.to_datetime(customers["customer_since"]) <= cutoff]
    products = pd.read_parquet(data / "products.parquet")
    holdings = pd.read_parquet(data / "product_holdings.parquet").merge(products, on="product_id")
    holdings["opened_on"] = pd.to_datetime(holdings["opened_on"])
    holdings["closed_on"] = pd.to_datetime(holdings["closed_on"])
    holdings = holdings[holdings["opened_on"] <= cutoff]
    holdings.loc[holdings["closed_on"] > cutoff, "closed_on"] = pd.NaT

    def facts(name: str, value: str) -> pd.DataFrame:
        frame = pd.read_parquet(data / f"{name}.parquet")
        frame["month_date"] = month_end(frame["month_date"])
        frame = frame[frame["month_date"] <= cutoff].merge(products, on="product_id")
        wide = frame.pivot_table(
            index=["customer_id", "month_date"], columns="product_type", values=value, aggfunc="sum", fill_value=0
        )
        wide.columns = [f"{value}_{column}" for column in wide.columns]
        wide[f"{value}_total"] = wide.sum(axis=1)
        return wide

    balances = facts("balances", "balance")
    revenues = facts("revenues", "revenue")
    activity = pd.read_parquet(data / "customer_activity.parquet")
    activity["month_date"] = month_end(activity["month_date"])
    activity = activity[activity["month_date"] <= cutoff].set_index(["customer_id", "month_date"])
    activity.columns = [f"activity_{column}" for column in activity.columns]

    months = pd.date_range(balances.index.get_level_values("month_date").min(), cutoff, freq="ME")
    spine = customers.merge(pd.DataFrame({"month_date": months}), how="cross")
    spine = spine[pd.to_datetime(spine["customer_since"]) <= spine["month_date"]]
    birth = pd.to_datetime(spine["birth_date"])
    spine["age_years"] = (
        spine["month_date"].dt.year
        - birth.dt.year
        - (
            (spine["month_date"].dt.month < birth.dt.month)
            | ((spine["month_date"].dt.month == birth.dt.month) & (spine["month_date"].dt.day < birth.dt.day))
        ).astype(int)
    )
    since = pd.to_datetime(spine["customer_since"])
    spine["tenure_months"] = (
        (spine["month_date"].dt.year - since.dt.year) * 12 + spine["month_date"].dt.month - (since.dt.month)
    )

    # Holdings per month: one pass per month over the holdings table.
    per_month = []
    for month_date in months:
        window_start = (month_date - pd.offsets.MonthBegin(1)) - pd.DateOffset(months=lookback_months - 1)
        open_by_end = holdings[holdings["opened_on"] <= month_date]
        open_by_end = open_by_end[open_by_end["closed_on"].isna() | (open_by_end["closed_on"] >= window_start)]
        held = open_by_end["closed_on"].isna() | (open_by_end["closed_on"] > month_date)
        flags = pd.DataFrame(
            {
                "customer_id": open_by_end["customer_id"],
                "product_type": open_by_end["product_type"],
                "held": held.astype(int),
                "opened": (open_by_end["opened_on"] >= window_start).astype(int),
                "closed": (open_by_end["closed_on"] <= month_date).astype(int),
                "before": (open_by_end["opened_on"] < window_start).astype(int),
            }
        )
        by_type = flags.pivot_table(index="customer_id", columns="product_type", values="held", aggfunc="sum")
        by_type.columns = [f"products_held_{column}" for column in by_type.columns]
        totals = flags.groupby("customer_id").agg(
            products_held_total=("held", "sum"),
            products_opened_in_window=("opened", "sum"),
            products_closed_in_window=("closed", "sum"),
            products_held_before_window=("before", "sum"),
        )
        totals["product_types_held"] = flags[flags["held"] == 1].groupby("customer_id")["product_type"].nunique()
        month = by_type.join(totals).fillna(0).astype(int)
        month["month_date"] = month_date
        per_month.append(month.reset_index())
    holdings_monthly = pd.concat(per_month).set_index(["customer_id", "month_date"])

    frame = spine.set_index(["customer_id", "month_date"])
    frame = frame.join(holdings_monthly).join(balances).join(revenues).join(activity)
    averaged = [*balances.columns, *revenues.columns, *activity.columns]
    frame[[*holdings_monthly.columns, *averaged]] = frame[[*holdings_monthly.columns, *averaged]].fillna(0)
    frame = frame.sort_index()
    rolled = frame.groupby(level="customer_id")[averaged].rolling(lookback_months, min_periods=1).mean()
    rolled.index = rolled.index.droplevel(0)
    frame = frame.join(rolled.add_suffix("_avg"))
    frame["is_active"] = frame["products_held_total"] > 0
    return frame.reset_index()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder of the generator's Parquet files")
    parser.add_argument("--cutoff", required=True, help="last month end to use, YYYY-MM-DD")
    parser.add_argument("--lookback-months", type=int, default=12)
    parser.add_argument("--out", type=Path, default=None, help="write the features as Parquet")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    result = features(args.data, pd.Timestamp(args.cutoff), args.lookback_months)
    if args.out is not None:
        result.to_parquet(args.out)
    print(f"{len(result)} rows, {result.shape[1]} columns, {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
