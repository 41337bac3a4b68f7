"""Marts an analyst reads without a glossary: names and descriptions in words, assets and
liabilities whichever sign the bank stores, and the risk dimension.

Besides the demo build, one bank built from the demo data that the labels seed does not know:
its activity columns and product types have other names, its products say which are borrowing
(is_liability) and its balances store what customers owe as positive figures
(liability_balances_sign: positive), and it segments with trend_features on.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from conftest import ROOT, DuckdbBuild, copy_demo_inputs, duckdb_project, slow_fixture

ACTIVITY_NAMES = {
    "digital_logins": "cash_withdrawals",
    "branch_visits": "incoming_amount",
    "card_transactions": "transactions",
    "call_center_calls": "standing_orders",
}
PRODUCT_NAMES = {
    "mortgage": "Leasing",
    "consumer_loan": "Car Finance",
    "investment": "Pension Plan",
    "insurance": "Home Cover",
}
LIABILITIES = ("mortgage", "consumer_loan", "credit_card")
PERSONAS = ROOT / "tests" / "fixtures" / "demo_personas.csv"


def load_unknown_bank(db_path: Path, demo: DuckdbBuild, schema: str) -> None:
    """The demo inputs with other activity and product type names, an is_liability column, and
    liabilities stored as positive balances."""
    with duckdb.connect(str(db_path)) as connection:
        copy_demo_inputs(connection, demo, schema)
        for old, new in ACTIVITY_NAMES.items():
            connection.execute(f"alter table {schema}.customer_activity rename column {old} to {new}")
        connection.execute(
            f"alter table {schema}.products add column is_liability boolean;"
            f" update {schema}.products set is_liability = product_type in {LIABILITIES}"
        )
        connection.execute(
            f"update {schema}.balances set balance = -balance where product_id in"
            f" (select product_id from {schema}.products where is_liability)"
        )
        for old, new in PRODUCT_NAMES.items():
            connection.execute(f"update {schema}.products set product_type = '{new}' where product_type = '{old}'")


@pytest.fixture(scope="module")
@slow_fixture
def unknown_bank(tmp_path_factory: pytest.TempPathFactory, duckdb_build: DuckdbBuild) -> DuckdbBuild:
    work_dir = tmp_path_factory.mktemp("unknown_bank")
    db_path = work_dir / "bank.duckdb"
    load_unknown_bank(db_path, duckdb_build, "bank_raw")
    project = duckdb_project(work_dir, db_path)
    variables = {"input_schema": "bank_raw", "liability_balances_sign": "positive", "trend_features": True}
    selection = ("--select", "+segment_profiles", "+segment_feature_heatmap", "--indirect-selection", "cautious")
    project.run("build", *selection, "--vars", json.dumps(variables))
    return DuckdbBuild(project=project, path=db_path)


def query(build: DuckdbBuild, sql: str) -> pd.DataFrame:
    with build.connect() as connection:
        return connection.execute(sql).df()


def assert_worded_for_people(profiles: pd.DataFrame) -> None:
    assert profiles["segment_name"].is_unique
    for name, description in zip(profiles["segment_name"], profiles["segment_description"], strict=True):
        assert not re.search(r"\bf_|_avg\b|__", name + description), (name, description)
        words = [word.lower() for word in re.sub(r" \(\d+\)$", "", name).replace(" · ", " ").split()]
        assert len(words) == len(set(words)), f"a word repeats in {name!r}"
        assert 1 <= len(name.split(" · ")) <= 3 and description.endswith(".")


def test_demo_names_and_descriptions_are_words(duckdb_build: DuckdbBuild) -> None:
    profiles = query(duckdb_build, "select segment_name, segment_description from marts.segment_profiles")
    assert_worded_for_people(profiles)
    assert profiles["segment_description"].str.contains("%|all customers").all()


def test_unknown_columns_name_segments_in_words(unknown_bank: DuckdbBuild) -> None:
    profiles = query(unknown_bank, "select segment_name, segment_description from marts.segment_profiles")
    assert_worded_for_people(profiles)
    labels = query(unknown_bank, "select * from segment_model.seg_feature_labels").set_index("feature")
    assert labels.loc["f_activity_cash_withdrawals_avg", "feature_label"] == "Cash withdrawals per month (average)"
    assert labels.loc["f_balance_leasing_avg", "feature_label"] == "Leasing owed (average)"
    assert labels.loc["f_products_held_pension_plan", "high_words"] == "Pension plan holders"


def test_a_name_part_holds_for_most_of_its_segment(duckdb_build: DuckdbBuild) -> None:
    """Single-product is the name of a segment only where most of it holds one product type."""
    profiles = query(duckdb_build, "select segment_id, segment_name from marts.segment_profiles")
    held = query(
        duckdb_build,
        "select segment_id, avg(case when product_types_held <= 1 then 1.0 else 0 end) as single"
        " from marts.customer_segments group by segment_id",
    ).set_index("segment_id")["single"]
    for row in profiles.itertuples():
        if "Single-product" in row.segment_name:
            assert held.loc[row.segment_id] > 0.5, row


def off_net(build: DuckdbBuild, relation: str, prefix: str, net: str = "balance_net") -> int:
    """Rows where assets - liabilities is not the net balance, in exact decimals."""
    sql = f"select count(*) from {relation} where {prefix}assets - {prefix}liabilities <> {net}"
    return int(query(build, sql).iloc[0, 0])


def money_features(build: DuckdbBuild) -> pd.DataFrame:
    return query(
        build,
        "select customer_id, month_date, balance_assets, balance_liabilities, balance_net"
        " from intermediate.int_customer_month_features order by customer_id, month_date",
    )


def test_assets_and_liabilities_do_not_depend_on_the_sign_convention(
    unknown_bank: DuckdbBuild, duckdb_build: DuckdbBuild
) -> None:
    mine, demo = money_features(unknown_bank), money_features(duckdb_build)
    pd.testing.assert_frame_equal(mine, demo)
    assert (demo["balance_liabilities"] >= 0).all() and demo["balance_liabilities"].sum() > 0
    assert not off_net(duckdb_build, "intermediate.int_customer_month_features", "balance_")


def test_profiles_split_assets_and_liabilities(duckdb_build: DuckdbBuild) -> None:
    profiles = query(duckdb_build, "select * from marts.segment_profiles")
    assert not off_net(duckdb_build, "marts.segment_profiles", "total_", "net_balance")
    assert (profiles["total_liabilities"] >= 0).all()
    heatmap = query(duckdb_build, "select * from marts.segment_feature_heatmap where feature_group = 'balances'")
    assert (heatmap["raw_mean"] >= 0).all(), "borrowing reads as a positive liability"
    mix = query(duckdb_build, "select * from marts.product_mix where grouping = 'segment'")
    assert set(mix.loc[mix["is_liability"], "product_type"]) == set(LIABILITIES)
    assert not off_net(duckdb_build, "marts.product_mix", "total_", "net_balance")


def test_trend_features_keep_the_personas(unknown_bank: DuckdbBuild) -> None:
    used = query(unknown_bank, "select feature from segment_model.seg_preprocessing where is_used")["feature"]
    assert {"f_months_since_last_activity", "f_activity_transactions_trend"} <= set(used)
    personas = pd.read_csv(PERSONAS)
    segments = query(unknown_bank, "select customer_id, segment_id, reference_month from marts.customer_segments")
    month = str(segments["reference_month"].iloc[0])[:10]
    personas = personas[personas["month_date"] == month].set_index("customer_id")["persona"]
    assert adjusted_rand_score(personas.loc[segments["customer_id"]], segments["segment_id"]) >= 0.80


def test_the_risk_dimension_is_in_the_profiles(duckdb_build: DuckdbBuild) -> None:
    profiles = query(duckdb_build, "select share_activity_falling from marts.segment_profiles")
    assert profiles["share_activity_falling"].between(0, 1).all()
    customers = query(duckdb_build, "select * from marts.customer_segments")
    assert customers["months_since_last_activity"].between(0, 12).all()
    used = query(duckdb_build, "select feature from segment_model.seg_preprocessing")["feature"]
    assert not used.str.contains("_trend|months_since").any(), "trend_features is off by default"
