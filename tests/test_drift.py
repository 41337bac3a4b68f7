"""Model health: drift of the segment mix and of each feature against the reference month, and
the refit advice for the months scored after it."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from conftest import ROOT, DuckdbBuild, copy_demo_inputs, duckdb_project, slow_fixture

PERSONAS = ROOT / "tests" / "fixtures" / "demo_personas.csv"
REFERENCE_MONTH = "2025-09"  # three months before the demo's last month


def load_shifted_bank(db_path: Path, demo: DuckdbBuild, schema: str) -> None:
    """The demo bank whose everyday_basic customers, in its last three months, run their current
    accounts 50 times as deep into overdraft as they used to hold in credit: a shock that the
    12-month averages of the features show from the first month on."""
    with duckdb.connect(str(db_path)) as connection:
        copy_demo_inputs(connection, demo, schema)
        connection.execute(
            f"""
            update {schema}.balances set balance = round(-50 * abs(balance), 2)
            where month_date > last_day(date '{REFERENCE_MONTH}-01')
                and product_id in (select product_id from {schema}.products where product_type = 'current_account')
                and customer_id in (select customer_id from read_csv('{PERSONAS}') where persona = 'everyday_basic')
            """
        )


@pytest.fixture(scope="module")
@slow_fixture
def shifted_bank(tmp_path_factory: pytest.TempPathFactory, duckdb_build: DuckdbBuild) -> DuckdbBuild:
    work_dir = tmp_path_factory.mktemp("shifted_bank")
    db_path = work_dir / "bank.duckdb"
    load_shifted_bank(db_path, duckdb_build, "bank_raw")
    project = duckdb_project(work_dir, db_path)
    variables = {"input_schema": "bank_raw", "reference_date": REFERENCE_MONTH}
    project.run(
        "build", "--select", "+segment_drift", "--indirect-selection", "cautious", "--vars", json.dumps(variables)
    )
    return DuckdbBuild(project=project, path=db_path)


def query(build: DuckdbBuild, sql: str) -> pd.DataFrame:
    with build.connect() as connection:
        return connection.execute(sql).df()


def test_psi_is_zero_at_the_reference_month(duckdb_build: DuckdbBuild) -> None:
    drift = query(duckdb_build, "select * from marts.segment_drift where is_reference_month").iloc[0]
    assert drift["segment_mix_psi"] == 0 and drift["largest_feature_psi"] == 0
    assert drift["relative_mean_distance"] == 1 and pd.isna(drift["refit_recommended"])
    features = query(duckdb_build, "select psi from marts.feature_drift where is_reference_month")
    assert (features["psi"].abs() < 1e-12).all()


def test_feature_drift_covers_every_used_feature_every_month(duckdb_build: DuckdbBuild) -> None:
    drift = query(duckdb_build, "select month_date, feature, psi, drives_advice from marts.feature_drift")
    used = query(duckdb_build, "select feature from segment_model.seg_preprocessing where is_used")["feature"]
    months = query(duckdb_build, "select count(*) from marts.segment_drift").iloc[0, 0]
    assert len(drift) == len(used) * months and (drift["psi"] >= 0).all()
    assert set(drift.loc[~drift["drives_advice"], "feature"]) == {"f_age_years", "f_tenure_months"}


def test_months_after_the_reference_get_advice_and_the_demo_needs_no_refit(duckdb_copy: DuckdbBuild) -> None:
    duckdb_copy.project.run("build", "--select", "+segment_drift", "--vars", json.dumps({"reference_date": "2025-09"}))
    drift = query(duckdb_copy, "select * from marts.segment_drift order by month_date")
    after = drift[drift["is_after_reference"]]
    assert [str(month)[:7] for month in after["month_date"]] == ["2025-10", "2025-11", "2025-12"]
    assert not after["refit_recommended"].any() and after["reason"].notna().all()
    assert drift.loc[~drift["is_after_reference"], "refit_recommended"].isna().all()


def test_a_shifted_persona_gets_a_refit_after_the_reference_month_only(shifted_bank: DuckdbBuild) -> None:
    drift = query(shifted_bank, "select * from marts.segment_drift order by month_date")
    drift["month"] = drift["month_date"].astype(str).str[:7]
    reference = drift[drift["is_reference_month"]].iloc[0]
    assert reference["month"] == REFERENCE_MONTH and pd.isna(reference["refit_recommended"])
    assert reference["segment_mix_psi"] == 0 and reference["largest_feature_psi"] == 0
    after = drift[drift["is_after_reference"]]
    assert list(after["month"]) == ["2025-10", "2025-11", "2025-12"]
    assert after["refit_recommended"].all(), after[["month", "largest_feature_psi", "reason"]]
    assert after["reason"].str.startswith("Refit: Current account balance").all()
    assert drift.loc[~drift["is_after_reference"], "refit_recommended"].isna().all()
