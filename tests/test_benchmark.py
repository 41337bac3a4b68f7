"""The scale benchmark keeps working: scripts/benchmark.py end to end at a tiny size (the real
sizes run with `make bench`), writing its JSON and a results row to files of the test."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from benchmark import Bench, node_name

FIGURES = [
    "floor_s", "bare_query_s", "features_s", "pandas_features_s", "full_build_s", "kmeans_fit_s", "scoring_s",
    "add_month_s",
    "diagnostics_s", "kmeans_inertia_vs_sklearn", "kmeans_ari_vs_sklearn",
    "peak_rss_mb", "ratio_features_to_floor", "ratio_full_to_floor", "ratio_add_month_to_full",
    "ratio_bare_query_to_floor", "ratio_features_to_bare_query",
]  # fmt: skip


@pytest.mark.slow
def test_benchmark_runs_at_a_tiny_size(tmp_path: Path) -> None:
    out, results = tmp_path / "bench.json", tmp_path / "RESULTS.md"
    command = [
        sys.executable, str(ROOT / "scripts" / "benchmark.py"), "--customers", "1000", "--months", "4",
        "--out", str(out), "--results", str(results), "--work", str(tmp_path / "work"),
    ]  # fmt: skip
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    figures = json.loads(out.read_text())
    for key in FIGURES:
        assert figures[key] is not None and figures[key] > 0, key
    assert figures["feature_rows_after_add_month"] > figures["feature_rows"] > 0
    assert figures["scored_rows"] > 0
    for stage in ("features", "full_build", "add_month"):
        nodes = figures[f"{stage}_slowest_nodes"]
        assert 0 < len(nodes) <= 10 and list(nodes.values()) == sorted(nodes.values(), reverse=True), stage
    rows = [line for line in results.read_text().splitlines() if line.startswith("| 20")]
    assert len(rows) == 1 and "| 1,000 | 4 |" in rows[0] and "x floor)" in rows[0]


def test_node_names_are_readable() -> None:
    assert node_name("model.bank_segmentation.int_months") == "int_months"
    assert node_name("test.bank_segmentation.unique_int_months_month_date.1a2b3c4d5e") == "unique_int_months_month_date"
    assert node_name("unit_test.bank_segmentation.segment_transitions.test_new_and_churned") == "test_new_and_churned"


def test_a_stage_of_a_build_ends_when_its_last_model_is_written(tmp_path: Path) -> None:
    """On Postgres the features are timed inside the full build: from the start of the command
    until int_customer_month_features is written, with the nodes finished by then."""

    def result(unique_id: str, completed_at: str | None, seconds: float) -> dict:
        timing = [{"name": "execute", "started_at": "2026-12-04T01:00:01Z", "completed_at": completed_at}]
        return {"unique_id": unique_id, "execution_time": seconds, "timing": timing if completed_at else []}

    bench = Bench(argparse.Namespace(target="duckdb", vars={}, duckdb_memory_limit="1GB", dbt_threads=1), tmp_path)
    bench.last_started = dt.datetime(2026, 12, 4, 1, 0, 0, tzinfo=dt.UTC)
    bench.last_results = [
        result("model.bank_segmentation.base_bank__balances", "2026-12-04T01:00:40.5Z", 39.5),
        result("test.bank_segmentation.not_null_base_bank__balances_balance.1a2b3c", "2026-12-04T01:01:00Z", 3.0),
        result("model.bank_segmentation.int_customer_month_features", "2026-12-04T01:02:00Z", 70.0),
        result("model.bank_segmentation.seg_training_matrix", "2026-12-04T01:02:30Z", 30.0),
        result("model.bank_segmentation.not_run", None, 0.0),
    ]
    seconds, nodes = bench.stage_within_last_command("int_customer_month_features")
    assert seconds == 120.0
    assert nodes == {"base_bank__balances": 39.5, "not_null_base_bank__balances_balance": 3.0,
                     "int_customer_month_features": 70.0}  # fmt: skip


@pytest.mark.slow
def test_postgres_model_benchmark_runs_a_sampled_fit(postgres_settings_checked: dict[str, str], tmp_path: Path) -> None:
    """scripts/bench_postgres_model.py at a tiny size on the Postgres server, with kmeans_sample
    below the training customers: the sampled SQL fit and k diagnostics run, and the fit stays
    within 1% of scikit-learn's inertia with the same segments."""
    out = tmp_path / "model.json"
    command = [
        sys.executable, str(ROOT / "scripts" / "bench_postgres_model.py"), "--customers", "1000", "--months", "4",
        "--vars", json.dumps({"kmeans_sample": 300, "diagnostics_k_min": 4, "diagnostics_k_max": 5}),
        "--out", str(out),
    ]  # fmt: skip
    completed = subprocess.run(
        command, cwd=ROOT, env={**os.environ, **postgres_settings_checked}, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    figures = json.loads(out.read_text())
    assert figures["training_rows"] > 300
    for key in ("floor_s", "features_s", "kmeans_fit_s", "diagnostics_s", "server_peak_pss_mb"):
        assert figures[key] > 0, key
    assert figures["kmeans_inertia_vs_sklearn"] <= 1.01
    assert figures["kmeans_ari_vs_sklearn"] >= 0.9
