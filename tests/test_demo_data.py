"""The demo bank: deterministic, committed as seeds, and realistic enough to segment."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import ROOT, SEEDS

GENERATOR = ROOT / "scripts" / "generate_demo_data.py"
TABLES = ("customers", "customer_activity", "products", "product_holdings", "balances", "revenues")
PERSONAS = ROOT / "tests" / "fixtures" / "demo_personas.csv"


def generate(out: Path, *args: str) -> None:
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(out), *args], check=True)


@pytest.fixture(scope="module")
def seeds() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    for table in TABLES:
        connection.execute(f"create view {table} as select * from read_csv_auto('{SEEDS / table}.csv')")
    connection.execute(f"create view personas as select * from read_csv_auto('{PERSONAS}')")
    return connection


def scalar(connection: duckdb.DuckDBPyConnection, query: str):
    return connection.execute(query).fetchone()[0]


def test_committed_seeds_are_what_the_generator_writes(tmp_path: Path) -> None:
    generate(tmp_path, "--personas-out", str(tmp_path / "personas.csv"))
    for table in TABLES:
        assert filecmp.cmp(tmp_path / f"{table}.csv", SEEDS / f"{table}.csv", shallow=False), table
    assert filecmp.cmp(tmp_path / "personas.csv", PERSONAS, shallow=False)


@pytest.mark.parametrize("file_format", ["csv", "parquet"])
def test_same_arguments_give_byte_identical_files(tmp_path: Path, file_format: str) -> None:
    args = ("--customers", "300", "--months", "6", "--seed", "3", "--format", file_format)
    generate(tmp_path / "a", *args)
    generate(tmp_path / "b", *args)
    for table in TABLES:
        name = f"{table}.{file_format}"
        assert filecmp.cmp(tmp_path / "a" / name, tmp_path / "b" / name, shallow=False), name


def test_another_seed_gives_other_data(tmp_path: Path) -> None:
    generate(tmp_path / "a", "--customers", "200", "--months", "4", "--seed", "1")
    generate(tmp_path / "b", "--customers", "200", "--months", "4", "--seed", "2")
    assert not filecmp.cmp(tmp_path / "a" / "balances.csv", tmp_path / "b" / "balances.csv", shallow=False)


def test_seeds_stay_small() -> None:
    total = sum((SEEDS / f"{table}.csv").stat().st_size for table in TABLES)
    assert total <= 25 * 1024 * 1024


def test_size_and_breadth(seeds: duckdb.DuckDBPyConnection) -> None:
    assert scalar(seeds, "select count(*) from customers") >= 2_000
    assert scalar(seeds, "select count(distinct month_date) from balances") >= 24
    assert scalar(seeds, "select count(distinct product_type) from products") >= 7
    assert scalar(seeds, "select count(distinct tier) from customers") >= 3
    activity_columns = {row[0] for row in seeds.execute("describe customer_activity").fetchall()}
    assert len(activity_columns - {"customer_id", "month_date"}) >= 3
    assert scalar(seeds, "select count(distinct persona) from personas") >= 5


def test_money_is_heavy_tailed_and_signed(seeds: duckdb.DuckDBPyConnection) -> None:
    assert scalar(seeds, "select count(*) from balances where balance < 0") > 0
    assert scalar(seeds, "select count(*) from revenues where revenue < 0") > 0
    # Heavy tails: the top 1% of balances is far above the median.
    ratio = scalar(seeds, "select quantile_cont(abs(balance), 0.99) / median(abs(balance)) from balances")
    assert ratio > 20
    income_ratio = scalar(seeds, "select quantile_cont(annual_income, 0.99) / median(annual_income) from customers")
    assert income_ratio > 3


def test_customers_join_leave_and_move_products(seeds: duckdb.DuckDBPyConnection) -> None:
    first, last = seeds.execute("select min(month_date), max(month_date) from balances").fetchone()
    assert scalar(seeds, f"select count(*) from customers where customer_since > '{first}'") > 100
    held_first = f"select customer_id from balances where month_date = '{first}'"
    held_last = f"select customer_id from revenues where month_date = '{last}'"
    assert scalar(seeds, f"select count(*) from ({held_first} except {held_last})") > 50
    assert scalar(seeds, f"select count(*) from product_holdings where opened_on > '{first}'") > 500
    assert scalar(seeds, "select count(*) from product_holdings where closed_on is not null") > 500


def test_a_share_of_customers_drift_between_personas(seeds: duckdb.DuckDBPyConnection) -> None:
    drifting = scalar(
        seeds, "select count(*) from (select customer_id from personas group by 1 having count(distinct persona) > 1)"
    )
    customers = scalar(seeds, "select count(*) from customers")
    assert 0.05 < drifting / customers < 0.25


def test_tiers_follow_rules_not_personas(seeds: duckdb.DuckDBPyConnection) -> None:
    """Tiers correlate with behaviour but are not the personas renamed."""
    mixes = seeds.execute(
        """
        select persona, max(share) from (
            select persona, tier, count(*) / sum(count(*)) over (partition by persona) as share
            from personas join customers using (customer_id)
            where month_date = (select max(month_date) from personas)
            group by 1, 2
        ) group by 1
        """
    ).fetchall()
    assert all(top_share < 0.999 for _, top_share in mixes)
    tiers_by_income = seeds.execute(
        "select tier from customers group by tier order by median(annual_income)"
    ).fetchall()
    assert [row[0] for row in tiers_by_income] == ["mass", "affluent", "private"]
