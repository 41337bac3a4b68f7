"""Model health: drift of the segment mix and of each feature against the reference month, and
the refit advice for the months scored after it."""

from __future__ import annotations

import json

import pandas as pd

from conftest import DuckdbBuild


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
