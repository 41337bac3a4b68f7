"""Generate the deterministic demo bank used as dbt seeds.

The bank has five latent personas with distinct behaviour. Customers join and
leave during the history, open and close products, and a share of them drift
from one persona to another, so segment transitions are real. The personas are
ground truth for tests only and are written apart from the contract tables.

Customers are generated in fixed-size chunks, each with its own random stream
derived from (seed, chunk number): memory stays bounded at any size and the
output depends only on --customers, --months and --seed.

    python scripts/generate_demo_data.py --customers 2500 --months 24 --seed 7 \
        --out seeds/demo --personas-out tests/fixtures/demo_personas.csv
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

CHUNK_CUSTOMERS = 10_000
DEFAULT_END_MONTH = "2025-12"

PERSONAS = ("young_digital", "family_borrower", "affluent_investor", "everyday_basic", "senior_saver")
PERSONA_SHARE = np.array([0.22, 0.20, 0.15, 0.25, 0.18])
# Where a drifting customer goes: life stages move forward, budgets tighten or grow.
DRIFT_TO = np.array([1, 2, 4, 1, 3])
DRIFT_SHARE = 0.12
LEAVE_SHARE = 0.07
JOIN_IN_HISTORY_SHARE = 0.20
NO_ACTIVITY_SHARE = 0.03
UNKNOWN_INCOME_SHARE = 0.03

PRODUCT_TYPES = (
    "current_account",
    "savings",
    "credit_card",
    "mortgage",
    "consumer_loan",
    "investment",
    "insurance",
)
CA, SV, CC, MG, CL, IV, IN = range(len(PRODUCT_TYPES))
# (product_id, product_name, product type index); the second of a type is the premium one.
PRODUCTS = (
    (1, "Everyday Account", CA),
    (2, "Premier Account", CA),
    (3, "Easy Saver", SV),
    (4, "Fixed Term Deposit", SV),
    (5, "Classic Card", CC),
    (6, "Platinum Card", CC),
    (7, "Home Mortgage", MG),
    (8, "Green Mortgage", MG),
    (9, "Personal Loan", CL),
    (10, "Car Loan", CL),
    (11, "Managed Fund", IV),
    (12, "Brokerage Account", IV),
    (13, "Home Insurance", IN),
    (14, "Life Insurance", IN),
)
BASIC_PRODUCT = np.array([1, 3, 5, 7, 9, 11, 13])

# Rows: personas; columns: product types.
HOLD_PROB = np.array(
    [
        [0.97, 0.25, 0.85, 0.02, 0.15, 0.05, 0.08],
        [0.97, 0.35, 0.60, 0.92, 0.45, 0.06, 0.80],
        [0.98, 0.85, 0.70, 0.20, 0.05, 0.92, 0.55],
        [0.99, 0.12, 0.20, 0.03, 0.25, 0.01, 0.08],
        [0.97, 0.92, 0.15, 0.02, 0.02, 0.30, 0.35],
    ]
)
PREMIUM_PROB = np.array([0.10, 0.30, 0.80, 0.05, 0.30])
# Median absolute balance per persona and product type; insurance carries none.
BALANCE_MEDIAN = np.array(
    [
        [1_500, 2_000, 900, 120_000, 5_000, 8_000, 0],
        [3_000, 8_000, 1_800, 180_000, 9_000, 10_000, 0],
        [25_000, 80_000, 2_500, 350_000, 12_000, 150_000, 0],
        [600, 1_000, 1_200, 110_000, 6_000, 5_000, 0],
        [6_000, 60_000, 300, 90_000, 4_000, 60_000, 0],
    ],
    dtype=float,
)
BALANCE_SIGMA = np.array([0.9, 1.0, 0.7, 0.5, 0.6, 1.2, 0.0])
# Loans and cards are carried as negative balances.
BALANCE_SIGN = np.array([1, 1, -1, -1, -1, 1, 1])
# Monthly revenue as a share of the absolute balance (interest margin or fee rate).
REVENUE_RATE = np.array([0.0, 0.012 / 12, 0.015, 0.011 / 12, 0.045 / 12, 0.009 / 12, 0.0])
OVERDRAFT_CUSTOMER_PROB = np.array([0.10, 0.15, 0.02, 0.40, 0.05])
REFUND_PROB = 0.015

AGE_RANGE = np.array([[19, 34], [30, 52], [42, 70], [20, 70], [62, 88]])
INCOME_MEDIAN = np.array([38_000, 62_000, 160_000, 26_000, 30_000], dtype=float)
INCOME_SIGMA = np.array([0.35, 0.35, 0.55, 0.40, 0.40])

ACTIVITY_COLUMNS = ("digital_logins", "branch_visits", "card_transactions", "call_center_calls")
ACTIVITY_RATE = np.array(
    [
        [28.0, 0.2, 55.0, 0.3],
        [14.0, 0.6, 35.0, 0.6],
        [9.0, 0.5, 25.0, 0.4],
        [4.0, 1.5, 12.0, 1.0],
        [1.5, 2.5, 8.0, 0.8],
    ]
)

GENDERS = np.array(["F", "M"])
MARITAL = np.array(["single", "married", "divorced", "widowed"])
MARITAL_PROB = np.array(
    [
        [0.75, 0.20, 0.05, 0.00],
        [0.10, 0.78, 0.12, 0.00],
        [0.15, 0.65, 0.15, 0.05],
        [0.45, 0.35, 0.15, 0.05],
        [0.10, 0.45, 0.10, 0.35],
    ]
)
OCCUPATIONS = np.array(["student", "employee", "self_employed", "executive", "retired", "unemployed"])
OCCUPATION_PROB = np.array(
    [
        [0.30, 0.55, 0.10, 0.02, 0.00, 0.03],
        [0.00, 0.70, 0.18, 0.10, 0.00, 0.02],
        [0.00, 0.30, 0.30, 0.35, 0.05, 0.00],
        [0.05, 0.60, 0.08, 0.00, 0.12, 0.15],
        [0.00, 0.05, 0.03, 0.00, 0.92, 0.00],
    ]
)
REGIONS = np.array(["capital", "north", "south", "east", "west"])
REGION_PROB = np.array(
    [
        [0.40, 0.15, 0.15, 0.15, 0.15],
        [0.25, 0.20, 0.20, 0.20, 0.15],
        [0.50, 0.10, 0.15, 0.10, 0.15],
        [0.15, 0.25, 0.20, 0.25, 0.15],
        [0.20, 0.20, 0.25, 0.15, 0.20],
    ]
)

TABLES = ("customers", "customer_activity", "products", "product_holdings", "balances", "revenues")


@dataclass(frozen=True)
class Calendar:
    """Month ends of the history, oldest first."""

    month_ends: np.ndarray  # datetime64[D]

    @classmethod
    def ending(cls, end_month: str, months: int) -> Calendar:
        last = np.datetime64(end_month, "M")
        starts = np.arange(last - (months - 1), last + 1)
        return cls(month_ends=((starts + 1).astype("datetime64[D]") - 1))

    @property
    def months(self) -> int:
        return len(self.month_ends)

    @property
    def month_starts(self) -> np.ndarray:
        return self.month_ends.astype("datetime64[M]").astype("datetime64[D]")


@dataclass(frozen=True)
class Chunk:
    """All tables for one block of customers."""

    customers: pd.DataFrame
    activity: pd.DataFrame
    holdings: pd.DataFrame
    balances: pd.DataFrame
    revenues: pd.DataFrame
    personas: pd.DataFrame


def random_day_in_month(rng: np.random.Generator, calendar: Calendar, month_idx: np.ndarray) -> np.ndarray:
    starts = calendar.month_starts[month_idx]
    lengths = (calendar.month_ends[month_idx] - starts).astype(int) + 1
    return starts + (rng.random(len(month_idx)) * lengths).astype(int)


def pick_rows(rng: np.random.Generator, probs: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One categorical draw per element of rows, from the probability row it names."""
    cumulative = probs.cumsum(axis=1)[rows]
    draws = rng.random(len(rows))[:, None]
    return np.minimum((draws > cumulative).sum(axis=1), probs.shape[1] - 1)


def generate_chunk(seed: int, chunk_no: int, first_id: int, size: int, calendar: Calendar) -> Chunk:
    rng = np.random.default_rng([seed, chunk_no])
    months = calendar.months
    ids = np.arange(first_id, first_id + size)
    history_start = calendar.month_starts[0]

    # Life cycle: persona, joining, drifting and leaving month (as month indexes).
    persona0 = rng.choice(len(PERSONAS), size=size, p=PERSONA_SHARE)
    joins_in_history = rng.random(size) < JOIN_IN_HISTORY_SHARE
    join_idx = np.where(joins_in_history, rng.integers(1, months, size), 0)
    drifts = rng.random(size) < DRIFT_SHARE
    drift_idx = np.where(drifts, rng.integers(2, months + 2, size), months + 1)
    drift_idx = np.where(drift_idx <= join_idx, join_idx + 1, drift_idx)
    persona1 = np.where(drift_idx < months, DRIFT_TO[persona0], persona0)
    leaves = rng.random(size) < LEAVE_SHARE
    leave_idx = np.where(leaves, rng.integers(2, months + 4, size), months + 1)
    leave_idx = np.where(leave_idx <= join_idx + 1, months + 1, leave_idx)

    # Demographics, fixed at the end of the history.
    age_lo, age_hi = AGE_RANGE[persona0, 0], AGE_RANGE[persona0, 1]
    age_days = ((age_lo + rng.random(size) * (age_hi - age_lo)) * 365.25).astype(int)
    birth_date = calendar.month_ends[-1] - age_days
    years_before = rng.random(size) ** 1.5 * np.minimum(25, (age_days / 365.25) - 18)
    since_before = history_start - 1 - (years_before * 365.25).astype(int)
    customer_since = np.where(
        joins_in_history,
        random_day_in_month(rng, calendar, np.clip(join_idx, 0, months - 1)),
        since_before,
    )
    income = np.round(INCOME_MEDIAN[persona0] * np.exp(INCOME_SIGMA[persona0] * rng.standard_normal(size)), -2)
    income_known = rng.random(size) >= UNKNOWN_INCOME_SHARE

    # Holdings: one candidate per customer and product type, held in phase 0 (before a
    # drift) and/or phase 1 (after it), using the same uniform so that holdings persist.
    n_types = len(PRODUCT_TYPES)
    u = rng.random((size, n_types))
    held0 = u < HOLD_PROB[persona0]
    held1 = u < HOLD_PROB[persona1]
    held0[:, CA] |= ~held0.any(axis=1)
    held1[:, CA] |= held0[:, CA] & ~held1.any(axis=1)
    premium = rng.random((size, n_types)) < PREMIUM_PROB[persona0][:, None]
    z = rng.standard_normal((size, n_types))

    cust_idx, type_idx = np.nonzero(held0 | held1)
    phase0 = held0[cust_idx, type_idx]
    phase1 = held1[cust_idx, type_idx]
    since = customer_since[cust_idx]
    n = len(cust_idx)
    # Phase-0 products: the current account from the first day; others later, some during history.
    opened_during_history = rng.random(n) < 0.2
    span_days = np.maximum((history_start - since).astype(int), 1)
    open_pre = since + (rng.random(n) * span_days).astype(int)
    open_in = random_day_in_month(rng, calendar, rng.integers(0, months, n))
    open0 = np.where(type_idx == CA, since, np.where(opened_during_history, open_in, open_pre))
    open0 = np.where(since >= history_start, since + (rng.random(n) * 60).astype(int) * (type_idx != CA), open0)
    # Phase-1-only products open at the drift, within two months.
    drift_open_idx = np.clip(drift_idx[cust_idx] + rng.integers(0, 3, n), 0, months - 1)
    opened_on = np.where(phase0, open0, random_day_in_month(rng, calendar, drift_open_idx))
    never = np.datetime64("9999-12-31")
    closed_on = np.full(n, never)
    dropped_at_drift = phase0 & ~phase1
    drift_day = random_day_in_month(rng, calendar, np.clip(drift_idx[cust_idx], 0, months - 1))
    closed_on = np.where(dropped_at_drift, drift_day, closed_on)
    attrition = (type_idx != CA) & (rng.random(n) < 0.06)
    attrition_day = random_day_in_month(rng, calendar, rng.integers(0, months, n))
    closed_on = np.where(attrition & (attrition_day > opened_on), np.minimum(closed_on, attrition_day), closed_on)
    leave_day = random_day_in_month(rng, calendar, np.clip(leave_idx[cust_idx], 0, months - 1))
    closed_on = np.where(leave_idx[cust_idx] < months, np.minimum(closed_on, leave_day), closed_on)
    # A holding opened after the end of history or closed before it opened never existed.
    exists = (opened_on <= calendar.month_ends[-1]) & (closed_on > opened_on)
    cust_idx, type_idx, opened_on, closed_on = cust_idx[exists], type_idx[exists], opened_on[exists], closed_on[exists]
    holding_premium = premium[cust_idx, type_idx]
    product_id = BASIC_PRODUCT[type_idx] + holding_premium

    # Balances and revenues: for every month end at which the holding is open.
    held_at = (opened_on[:, None] <= calendar.month_ends[None, :]) & (closed_on[:, None] > calendar.month_ends[None, :])
    h, m = np.nonzero(held_at)
    c, t = cust_idx[h], type_idx[h]
    persona_at = np.where(m >= drift_idx[c], persona1[c], persona0[c])
    magnitude = BALANCE_MEDIAN[persona_at, t] * np.exp(BALANCE_SIGMA[t] * z[c, t] + 0.08 * rng.standard_normal(len(h)))
    balance = BALANCE_SIGN[t] * magnitude
    overdraft_customer = rng.random(size) < OVERDRAFT_CUSTOMER_PROB[persona0]
    in_overdraft = (t == CA) & overdraft_customer[c] & (rng.random(len(h)) < 0.4)
    balance = np.where(in_overdraft, -(50 + rng.random(len(h)) * 1_450), balance)
    balance = np.round(balance, 2)

    revenue = np.abs(balance) * REVENUE_RATE[t]
    revenue += np.where(t == CA, np.where(holding_premium[h], 15.0, 6.0) + np.maximum(-balance, 0) * 0.19 / 12, 0)
    revenue += np.where(t == CC, 2.0, 0) + np.where(t == IN, 9.0 + 6.0 * holding_premium[h], 0)
    revenue *= np.exp(0.1 * rng.standard_normal(len(h)))
    refund = rng.random(len(h)) < REFUND_PROB
    revenue = np.round(np.where(refund, -(5 + rng.random(len(h)) * 55), revenue), 2)

    # Assets at the start decide the bank's business tier, with a few manual overrides.
    assets = np.zeros(size)
    first_months = m == m.min(initial=0)
    np.add.at(assets, c[first_months], np.maximum(balance[first_months], 0))
    income_for_tier = np.where(income_known, income, 0)
    tier = np.where(
        (assets >= 250_000) | (income_for_tier >= 250_000),
        "private",
        np.where((assets >= 40_000) | (income_for_tier >= 90_000), "affluent", "mass"),
    )
    override = rng.random(size) < 0.03
    tier = np.where(override, np.array(["mass", "affluent", "private"])[rng.integers(0, 3, size)], tier)

    # Activity: months from joining until leaving; a few customers never use any channel.
    in_relation = (np.arange(months)[None, :] >= join_idx[:, None]) & (np.arange(months)[None, :] <= leave_idx[:, None])
    ac, am = np.nonzero(in_relation & (rng.random(size) >= NO_ACTIVITY_SHARE)[:, None])
    activity_persona = np.where(am >= drift_idx[ac], persona1[ac], persona0[ac])
    intensity = rng.gamma(4.0, 0.25, size)[ac]
    counts = rng.poisson(ACTIVITY_RATE[activity_persona] * intensity[:, None])

    pc, pm = np.nonzero(in_relation & (np.arange(months)[None, :] < leave_idx[:, None]))
    return Chunk(
        customers=pd.DataFrame(
            {
                "customer_id": ids,
                "birth_date": birth_date,
                "customer_since": customer_since,
                "tier": tier,
                "annual_income": pd.array(np.where(income_known, income, np.nan), dtype="Int64"),
                "gender": GENDERS[rng.integers(0, 2, size)],
                "marital_status": MARITAL[pick_rows(rng, MARITAL_PROB, persona0)],
                "occupation": OCCUPATIONS[pick_rows(rng, OCCUPATION_PROB, persona0)],
                "region": REGIONS[pick_rows(rng, REGION_PROB, persona0)],
            }
        ),
        activity=pd.concat(
            [
                pd.DataFrame({"customer_id": ids[ac], "month_date": calendar.month_ends[am]}),
                pd.DataFrame(counts, columns=list(ACTIVITY_COLUMNS)),
            ],
            axis=1,
        ),
        holdings=pd.DataFrame(
            {
                "customer_id": ids[cust_idx],
                "product_id": product_id,
                "opened_on": opened_on,
                "closed_on": pd.Series(np.where(closed_on == never, np.datetime64("NaT"), closed_on)),
            }
        ).sort_values(["customer_id", "product_id"], kind="stable"),
        balances=pd.DataFrame(
            {
                "customer_id": ids[c],
                "product_id": product_id[h],
                "month_date": calendar.month_ends[m],
                "balance": balance,
            }
        )[t != IN],
        revenues=pd.DataFrame(
            {
                "customer_id": ids[c],
                "product_id": product_id[h],
                "month_date": calendar.month_ends[m],
                "revenue": revenue,
            }
        ),
        personas=pd.DataFrame(
            {
                "customer_id": ids[pc],
                "month_date": calendar.month_ends[pm],
                "persona": np.array(PERSONAS)[np.where(pm >= drift_idx[pc], persona1[pc], persona0[pc])],
            }
        ),
    )


def products_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "product_id": [p[0] for p in PRODUCTS],
            "product_name": [p[1] for p in PRODUCTS],
            "product_type": [PRODUCT_TYPES[p[2]] for p in PRODUCTS],
        }
    )


def iter_chunks(customers: int, calendar: Calendar, seed: int) -> Iterator[Chunk]:
    for chunk_no, first in enumerate(range(0, customers, CHUNK_CUSTOMERS)):
        size = min(CHUNK_CUSTOMERS, customers - first)
        yield generate_chunk(seed, chunk_no, first + 1, size, calendar)


class TableWriter:
    """Appends chunks to one CSV or Parquet file per table."""

    def __init__(self, path: Path, file_format: str) -> None:
        self.path = path
        self.file_format = file_format
        self._parquet = None
        self._first = True

    def write(self, frame: pd.DataFrame) -> None:
        frame = frame.reset_index(drop=True)
        for column in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[column]):
                frame[column] = frame[column].dt.date
        if self.file_format == "csv":
            frame.to_csv(
                self.path, mode="w" if self._first else "a", header=self._first, index=False, lineterminator="\n"
            )
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self.path, table.schema, compression="zstd")
            self._parquet.write_table(table)
        self._first = False

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()


def generate(
    customers: int, months: int, seed: int, out: Path, file_format: str, personas_out: Path | None, end_month: str
) -> None:
    calendar = Calendar.ending(end_month, months)
    out.mkdir(parents=True, exist_ok=True)
    suffix = "csv" if file_format == "csv" else "parquet"
    writers = {name: TableWriter(out / f"{name}.{suffix}", file_format) for name in TABLES}
    persona_writer = None
    if personas_out is not None:
        personas_out.parent.mkdir(parents=True, exist_ok=True)
        persona_writer = TableWriter(personas_out, "csv")
    writers["products"].write(products_table())
    for chunk in iter_chunks(customers, calendar, seed):
        writers["customers"].write(chunk.customers)
        writers["customer_activity"].write(chunk.activity)
        writers["product_holdings"].write(chunk.holdings)
        writers["balances"].write(chunk.balances)
        writers["revenues"].write(chunk.revenues)
        if persona_writer is not None:
            persona_writer.write(chunk.personas)
    for writer in [*writers.values(), persona_writer]:
        if writer is not None:
            writer.close()


def month_arg(value: str) -> str:
    try:
        dt.datetime.strptime(value, "%Y-%m")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--end-month must look like 2025-12, got {value!r}") from exc
    return value


def positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value!r}")
    return number


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=positive_int, default=2_500)
    parser.add_argument("--months", type=positive_int, default=24)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("seeds/demo"))
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--end-month", type=month_arg, default=DEFAULT_END_MONTH, help="last month of history, YYYY-MM")
    parser.add_argument("--personas-out", type=Path, default=None, help="ground-truth personas CSV (tests only)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    generate(args.customers, args.months, args.seed, args.out, args.format, args.personas_out, args.end_month)


if __name__ == "__main__":
    main()
