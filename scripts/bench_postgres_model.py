"""The model stage on Postgres at scale, apart from the full benchmark: the SQL KMeans fit and
the k diagnostics on a database whose features are built, against the same run's Postgres floor,
with the fit's quality against scikit-learn on the same training matrix.

    .venv/bin/python scripts/bench_postgres_model.py --customers 1000000 --data /tmp/bench1m --out bench/x.json

A full `scripts/benchmark.py --target postgres` run at a million customers builds the features
twice (about 40 minutes each on a 2-core machine); this builds them once (features_s), or reuses
a database built before (--reuse-prefix, features_s then null), then times:

- floor_s: the scan-aggregate floor of scripts/benchmark.py;
- kmeans_fit_s, diagnostics_s: `dbt run` of seg_kmeans_fits_sql and of seg_k_diagnostics_sql
  with refit_model true, each node's execution time;
- kmeans_inertia_vs_sklearn, kmeans_ari_vs_sklearn: as in scripts/benchmark.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from bench_kmeans import drop_postgres_schemas  # noqa: E402
from benchmark import Bench, generate, next_month, run_context, slowest  # noqa: E402

MODEL_NODES = ("seg_kmeans_fits_sql", "seg_k_diagnostics_sql")


def run(args: argparse.Namespace, work: Path) -> dict:
    end_month, cutoff = next_month(args.end_month)
    bench_args = argparse.Namespace(target="postgres", vars=args.vars, duckdb_memory_limit="6GB", dbt_threads=1)
    bench = Bench(bench_args, work)
    result: dict = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "customers": args.customers,
        "months": args.months,
        **run_context("scripts/bench_postgres_model.py"),
        "vars": args.vars,
        "server_settings": bench.server_settings(),
        "features_s": None,
    }
    if args.reuse_prefix:
        bench.prefix = args.reuse_prefix
    else:
        data = args.data or work / "data"
        if not (data / "balances.parquet").exists():
            generate(argparse.Namespace(customers=args.customers, months=args.months, seed=args.seed), data, end_month)
        bench.reset_database(data, cutoff)
        result["features_s"], nodes = bench.dbt("run", "--select", "+seg_training_matrix", "+seg_diagnostics_matrix")
        result["features_slowest_nodes"] = slowest(nodes)
    try:
        result["floor_s"] = bench.floor()
        bench.dbt("run", "--select", "seg_fit_inputs")
        for node, key in zip(MODEL_NODES, ("kmeans_fit_s", "diagnostics_s"), strict=True):
            _, nodes = bench.dbt("run", "--select", node, variables={"refit_model": True})
            result[key] = nodes[node]
        result.update(bench.kmeans_quality("seg_kmeans_fits_sql"))
        result["training_rows"] = bench.count(f"{bench.prefix}segment_model.seg_training_matrix")
        result["server_peak_pss_mb"] = bench.rss.server_peak_kb / 1024
    finally:
        if not args.keep:
            drop_postgres_schemas(bench.pg, bench.prefix)
    result["ratio_kmeans_fit_to_floor"] = result["kmeans_fit_s"] / result["floor_s"]
    result["ratio_diagnostics_to_floor"] = result["diagnostics_s"] / result["floor_s"]
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--end-month", default="2025-12", help="last month of the build, YYYY-MM")
    parser.add_argument("--data", type=Path, default=None, help="reuse (or create) the generated Parquet here")
    parser.add_argument("--reuse-prefix", default="", help="schema prefix of a database whose features are built")
    parser.add_argument("--keep", action="store_true", help="keep the schemas afterwards")
    parser.add_argument("--vars", type=json.loads, default={}, help="more dbt vars, as JSON")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as temp:
        result = run(args, Path(os.environ.get("BENCH_WORK", temp)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
