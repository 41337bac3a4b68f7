"""The scale benchmark keeps working: scripts/benchmark.py end to end at a tiny size (the real
sizes run with `make bench`), writing its JSON and a results row to files of the test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from benchmark import node_name

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
