"""Every var is validated: a bad value stops the run with a message naming the var.

The validators see every case below in one dbt process (`dbt run-operation check_vars`); real
`dbt run`s prove that a bad var stops the run, naming every bad var at once.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import DuckdbBuild, duckdb_project

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
    ("month_drop_warning_share", 0.75, "a number from 0 to 0.5"),
    ("k_score_tolerance", 0.6, "a number from 0 to 0.5"),
    ("k_stability_min", 1.5, "a number from 0 to 1"),
    ("transition_driver_min_customers", 0, "an integer from 1 to 1000000"),
    ("refit_model", "yes please", "true or false"),
    ("reprocess_months", -1, "an integer from 0 to 120"),
    ("kmeans_engine", "spark", "'python' or 'sql'"),
    ("kmeans_sample", 50, "an integer from 100 to 1000000000"),
    ("postgres_work_mem", "256MB'; drop table x; --", "null or a size such as '256MB'"),
    ("postgres_work_mem", "lots", "null or a size such as '256MB'"),
    ("postgres_unlogged", "sometimes", "true or false"),
    ("feature_screening", "always", "report or apply"),
    ("categorical_features", "tier", "a list drawn from tier, gender"),
    ("transition_comparison_months", [3, 0], "a list of integers from 1 to 120"),
]

# A malformed mapping of a bank's own names: the problem names the bad entry.
BAD_MAPPINGS = [
    ({"input_tables": {"customers": "crm_clients"}}, "'input_tables': got customers: crm_clients; allowed: {contract"),
    ({"input_schema": "bank", "input_tables": {"clients": "crm"}}, "'input_tables': got clients: crm; allowed:"),
    ({"input_schema": "bank", "input_tables": {"customers": "crm; drop table x"}}, "got customers: crm; drop table x;"),
    (
        {"input_schema": "bank", "input_columns": {"customers": {"customer_sience": "start"}}},
        "'input_columns': got customers.customer_sience; allowed: the columns of customers: customer_id, birth_date,",
    ),
    (
        {"input_schema": "bank", "input_columns": {"balances": {"customer_id": "id", "product_id": "ID"}}},
        "'input_columns': got balances.product_id: ID; allowed: a plain column name, each of your columns once.",
    ),
    ({"input_schema": "bank", "input_columns": {"ledger": {"x": "y"}}}, "'input_columns': got ledger: {'x': 'y'};"),
    ({"input_columns": {"customers": {"tier": "segment"}}}, "'input_columns': got customers: {'tier': 'segment'};"),
    (
        {"activity_columns": "logins"},
        "Invalid var 'activity_columns': got logins; allowed: null or a list of column names.",
    ),
    ({"activity_columns": ["logins", "x; drop"]}, "Invalid var 'activity_columns': got ['logins', 'x; drop'];"),
    # the screening that apply uses runs in a Python model, which the SQL engine does not run
    (
        {"feature_screening": "apply", "kmeans_engine": "sql"},
        "Invalid var 'feature_screening': got apply; allowed: report, with the SQL KMeans engine",
    ),
]

# Values at the edges of what each validator lets through: no problem may be reported.
GOOD_VARS = [
    {},
    {"reference_date": "2024-02"},
    {"reference_date": "2024-02-29", "as_of_date": "2024-02-29"},
    {"lookback_months": " 6 ", "n_clusters": 50, "random_seed": 0},
    {"input_schema": "_bank_2025", "bi_read_role": "reader"},
    {"customer_id_type": "varchar", "kmeans_engine": "sql", "categorical_features": []},
    {"feature_screening": "apply", "kmeans_engine": "python"},
    {"min_segment_share": "0.5", "refit_model": "TRUE"},
    {"transition_comparison_months": 3},
    {"diagnostics_k_min": 4, "diagnostics_k_max": 4},
    {"postgres_work_mem": "256MB", "postgres_unlogged": True},
    {
        "input_schema": "bank",
        "input_tables": {"customers": "crm_clients", "balances": "monthly_positions"},
        "input_columns": {"customers": {"customer_since": "relationship_start"}, "balances": {"loaded_at": "ts"}},
        "activity_columns": ["digital_logins"],
    },
    {"input_tables": {}, "input_columns": None, "activity_columns": []},
]

TWO_BAD_VARS = {"lookback_months": 0, "n_clusters": 1}
TWO_BAD_MESSAGES = [
    "Invalid var 'lookback_months': got 0; allowed: an integer from 1 to 120.",
    "Invalid var 'n_clusters': got 1; allowed: an integer from 2 to 50.",
]


def key(case: dict) -> str:
    return json.dumps(case, sort_keys=True)


@pytest.fixture(scope="module")
def problems(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """The problems check_vars reports for each case (keyed by key(case)), all in one process."""
    cases = (
        [{name: value} for name, value, _ in BAD_VARS] + [case for case, _ in BAD_MAPPINGS] + GOOD_VARS + [TWO_BAD_VARS]
    )
    work_dir = tmp_path_factory.mktemp("check_vars")
    project = duckdb_project(work_dir, work_dir / "check_vars.duckdb")
    output = project.run("run-operation", "check_vars", "--args", json.dumps({"cases": cases})).stdout
    reports = [json.loads(line) for line in output.splitlines() if line.startswith('{"case"')]
    assert [report["case"] for report in reports] == list(range(1, len(cases) + 1)), output
    return {key(case): report["problems"] for case, report in zip(cases, reports, strict=True)}


@pytest.mark.parametrize(("name", "value", "allowed"), BAD_VARS)
def test_bad_var_is_reported_naming_it(problems: dict[str, list[str]], name: str, value: object, allowed: str) -> None:
    [problem] = problems[key({name: value})]
    assert problem.startswith(f"Invalid var '{name}': got {value}; allowed: ")
    assert allowed in problem and problem.endswith(".")


@pytest.mark.parametrize(("case", "message"), BAD_MAPPINGS, ids=[key(case) for case, _ in BAD_MAPPINGS])
def test_a_malformed_mapping_is_reported_naming_the_entry(
    problems: dict[str, list[str]], case: dict, message: str
) -> None:
    [problem] = problems[key(case)]
    assert message in problem, problem


@pytest.mark.parametrize("case", GOOD_VARS, ids=key)
def test_good_vars_are_let_through(problems: dict[str, list[str]], case: dict) -> None:
    assert problems[key(case)] == []


def test_every_bad_var_of_a_case_is_reported(problems: dict[str, list[str]]) -> None:
    assert problems[key(TWO_BAD_VARS)] == TWO_BAD_MESSAGES


def run_with_vars(build: DuckdbBuild, variables: dict) -> tuple[int, str]:
    result = build.project.run(
        "run", "--select", "int_months", "int_reference_month", "--vars", json.dumps(variables), check=False
    )
    return result.returncode, result.stdout


def unbuilt(tmp_path: Path) -> DuckdbBuild:
    """An empty database: a run stopped by its vars never reaches it."""
    return DuckdbBuild(duckdb_project(tmp_path, tmp_path / "empty.duckdb"), tmp_path / "empty.duckdb")


def test_a_bad_var_stops_the_run(tmp_path: Path) -> None:
    returncode, output = run_with_vars(unbuilt(tmp_path), {"random_seed": -1})
    assert returncode != 0
    assert "Invalid var 'random_seed': got -1; allowed: an integer from 0 to 2147483647." in output
    assert not (tmp_path / "target" / "run_results.json").exists()


def test_a_run_with_two_bad_vars_names_both(tmp_path: Path) -> None:
    # lookback_months is read by the models as dbt parses them, before the on-run-start hook runs.
    returncode, output = run_with_vars(unbuilt(tmp_path), TWO_BAD_VARS)
    assert returncode != 0
    for message in TWO_BAD_MESSAGES:
        assert output.count(message) == 1, output


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


def test_a_protected_attribute_in_the_model_gives_a_warning_naming_it(duckdb_copy: DuckdbBuild) -> None:
    variables = {"categorical_features": ["occupation", "gender"]}
    result = duckdb_copy.project.run(
        "compile", "--select", "seg_preprocessing_candidates", "--vars", json.dumps(variables)
    )
    output = " ".join(result.stdout.split())
    assert "categorical_features: gender is a protected attribute" in output, result.stdout
    assert "marital_status is a protected attribute" not in output
    quiet = duckdb_copy.project.run("compile", "--select", "seg_preprocessing_candidates")
    assert "protected attribute" not in quiet.stdout
