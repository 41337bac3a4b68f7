"""Numbers as people read them: thousands separators, currency, percentages, months.

Charts and tables take their labels from here, so a figure reads the same in a bar's label,
its hover and the table under it.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Mapping

import pandas as pd

DEFAULT_CURRENCY = "€"
NOTHING = "\u2013"  # an en dash stands for a missing value
RANGE = "\u2013"
_COMPACT_UNITS = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def currency_from_env(environ: Mapping[str, str] = os.environ) -> str:
    """The currency symbol for amounts: the marts carry numbers, not currencies."""
    return environ.get("DASHBOARD_CURRENCY", DEFAULT_CURRENCY)


def count(value: float) -> str:
    """2,365"""
    return NOTHING if _missing(value) else f"{value:,.0f}"


def number(value: float, decimals: int = 1) -> str:
    """4.2, or 21,231.8"""
    return NOTHING if _missing(value) else f"{value:,.{decimals}f}"


def money(value: float, currency: str) -> str:
    """€1,234,567 for totals; €20.45 below a hundred, where cents still matter."""
    if _missing(value):
        return NOTHING
    decimals = 2 if abs(value) < 100 else 0
    return f"{'-' if value < 0 else ''}{currency}{abs(value):,.{decimals}f}"


def money_compact(value: float, currency: str) -> str:
    """€93.3M, -€1.7M, €12.1k, €950: for labels on bars, where space is short."""
    if _missing(value):
        return NOTHING
    sign = "-" if value < 0 else ""
    for threshold, unit in _COMPACT_UNITS:
        if abs(value) >= threshold:
            return f"{sign}{currency}{abs(value) / threshold:,.1f}{unit}"
    return f"{sign}{currency}{abs(value):,.0f}"


def percent(value: float, decimals: int = 1) -> str:
    """0.2503 -> 25.0%"""
    return NOTHING if _missing(value) else f"{value:.{decimals}%}"


def month(value: dt.date | pd.Timestamp) -> str:
    """Dec 2025"""
    return pd.Timestamp(value).strftime("%b %Y")


def product_label(label: str) -> str:
    """A product type as the bank writes it, kept; a code-like one made readable:
    current_account -> Current account, (Mortgage) stays (Mortgage)."""
    if " " in label or "_" not in label:
        return label
    return label.replace("_", " ").capitalize()


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA
