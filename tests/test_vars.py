"""Every var is validated: a bad value stops the run with a message naming the var."""

from __future__ import annotations

import json

import pytest

from conftest import DuckdbBuild

BAD_VARS = [
    ("reference_date", "2025-13-01", "a date as 'YYYY-MM-DD' or 'YYYY-MM'"),
    ("reference_date", "yesterday", "a date as 'YYYY-MM-DD' or 'YYYY-MM'"),
    ("reference_date", "2025-02-30", "a date as 'YYYY-MM-DD' or 'YYYY-MM'"),
    ("lookback_months", 0, "an integer from 1 to 120"),
    ("lookback_months", "twelve", "an integer from 1 to 120"),
    ("lookback_months", 1.5, "an integer from 1 to 120"),
    ("n_clusters", 1, "an integer from 2 to 50"),
    ("n_clusters", "five", "an integer from 2 to 50"),
    ("random_seed", -1, "an integer from 0 to 2147483647"),
    ("input_schema", "bank; drop table customers", "a plain identifier"),
    # A string var carrying SQL is rejected before anything is interpolated.
    ("bi_read_role", "reader; drop role admin", "a plain identifier"),
    ("reference_date", "2025-12'; drop table marts.customer_segments; --", "a date as 'YYYY-MM-DD' or 'YYYY-MM'"),
    ("customer_id_type", "bigint); drop table x; --", "bigint, integer, varchar"),
    ("as_of_date", "2026-02-30", "null or a date as 'YYYY-MM-DD'"),
    ("as_of_date", "current_date; drop table x", "null or a date as 'YYYY-MM-DD'"),
    ("min_segment_share", 0.9, "a number from 0 to 0.5"),
    ("min_segment_share", "tiny", "a number from 0 to 0.5"),
    ("refit_model", "yes please", "true or false"),
]


def run_with_vars(build: DuckdbBuild, variables: dict) -> tuple[int, str]:
    result = build.project.run(
        "run", "--select", "int_months", "int_reference_month", "--vars", json.dumps(variables), check=False
    )
    return result.returncode, result.stdout


@pytest.mark.parametrize(("name", "value", "allowed"), BAD_VARS)
def test_bad_var_stops_the_run_naming_it(duckdb_copy: DuckdbBuild, name: str, value: object, allowed: str) -> None:
    returncode, output = run_with_vars(duckdb_copy, {name: value})
    assert returncode != 0
    assert f"Invalid var '{name}'" in output
    assert allowed in output


def test_reference_date_outside_the_data_stops_the_build_naming_the_range(duckdb_copy: DuckdbBuild) -> None:
    result = duckdb_copy.project.run(
        "build", "--select", "int_months+", "--vars", json.dumps({"reference_date": "2030-01"}), check=False
    )
    assert result.returncode != 0
    assert "Failure in test reference_date_is_a_month_of_the_data" in result.stdout
    assert "SKIP relation intermediate.int_reference_month" in " ".join(result.stdout.split())
    with duckdb_copy.connect() as connection:
        stored = connection.execute("select * from audit.reference_date_is_a_month_of_the_data").fetchall()
    assert [tuple(str(value) for value in row) for row in stored] == [("2030-01-31", "2024-01-31", "2025-12-31")]


def test_any_day_of_a_month_selects_that_month(duckdb_copy: DuckdbBuild) -> None:
    returncode, output = run_with_vars(duckdb_copy, {"reference_date": "2025-06-15", "lookback_months": "6"})
    assert returncode == 0, output
    with duckdb_copy.connect() as connection:
        month, start, lookback = connection.execute(
            "select reference_month, lookback_start, lookback_months from intermediate.int_reference_month"
        ).fetchone()
    assert (str(month), str(start), lookback) == ("2025-06-30", "2025-01-01", 6)
