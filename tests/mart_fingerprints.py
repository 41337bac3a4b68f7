"""Fingerprints of every mart of a build: an md5 per mart of its rows in a canonical order,
every value written exactly (doubles by repr, decimals and dates as text). Columns that name
the run (run ids, timestamps) are left out, so two builds of the same input and vars compare
equal bit for bit. `python tests/mart_fingerprints.py DB` prints them as JSON."""

from __future__ import annotations

import hashlib
import json
import sys
from typing import Any

import duckdb

RUN_COLUMNS = {"run_id", "run_started_at", "recorded_at", "invocation_id"}


def canonical(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def mart_fingerprints(connection: duckdb.DuckDBPyConnection, leave_out: frozenset[str] = frozenset()) -> dict[str, str]:
    """{mart: md5} over every table and view of the marts schema, without the columns in leave_out."""
    marts = [
        row[0]
        for row in connection.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by table_name"
        ).fetchall()
    ]
    fingerprints = {}
    for mart in marts:
        columns = [
            row[0]
            for row in connection.execute(
                "select column_name from information_schema.columns"
                " where table_schema = 'marts' and table_name = ? order by ordinal_position",
                [mart],
            ).fetchall()
            if row[0] not in RUN_COLUMNS | leave_out
        ]
        rows = connection.execute(f"select {', '.join(columns)} from marts.{mart}").fetchall()
        lines = sorted("|".join(canonical(value) for value in row) for row in rows)
        digest = hashlib.md5()
        digest.update(("|".join(columns) + "\n").encode())
        for line in lines:
            digest.update((line + "\n").encode())
        fingerprints[mart] = f"{len(lines)}:{digest.hexdigest()}"
    return fingerprints


if __name__ == "__main__":
    with duckdb.connect(sys.argv[1], read_only=True) as connection:
        print(json.dumps(mart_fingerprints(connection), indent=2, sort_keys=True))
