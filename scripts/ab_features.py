"""A/B of the features stage: `dbt run --select +int_customer_month_features --full-refresh`
of two commits (or work trees) on the same generated Parquet bank, one DuckDB file per side,
alternating the sides (A B B A ...) so that a host that speeds up or slows down during the run
weighs on both alike. Prints and writes the wall time of each run and of each model.

    .venv/bin/python scripts/benchmark.py ...  # or scripts/generate_demo_data.py --format parquet
    .venv/bin/python scripts/ab_features.py --data /tmp/bench1m --a 832b050 --b HEAD --out bench/ab.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from benchmark import RAW, TABLES, view_sql  # noqa: E402


def project_at(revision: str, work: Path, side: str) -> Path:
    """A work tree of the project at revision (a directory is used as it is)."""
    if Path(revision).is_dir():
        return Path(revision)
    tree = work / f"tree_{side}"
    if not tree.exists():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(tree), revision], check=True)
    return tree


def database(data: Path, path: Path, cutoff: str) -> None:
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as connection:
        connection.execute(f"create schema {RAW}")
        for table in TABLES:
            source = f"read_parquet('{data / table}.parquet')"
            connection.execute(f"create view {RAW}.{table} as {view_sql(table, source, cutoff)}")


def features_run(project: Path, db_path: Path, work: Path, threads: int) -> dict:
    env = {**os.environ, "DBT_PROFILES_DIR": str(project), "DBT_DUCKDB_PATH": str(db_path)}
    env["DBT_DUCKDB_MEMORY_LIMIT"] = "6GB"
    target = work / f"target_{db_path.stem}"
    command = [
        str(Path(sys.executable).with_name("dbt")), "run", "--select", "+int_customer_month_features",
        "--full-refresh", "--threads", str(threads), "--vars", json.dumps({"input_schema": RAW}),
        "--target-path", str(target), "--log-path", str(work / "logs"), "-q",
    ]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, cwd=project, env=env, check=True)
    elapsed = time.perf_counter() - started
    results = json.loads((target / "run_results.json").read_text())["results"]
    nodes = {result["unique_id"].split(".")[-1]: round(result["execution_time"], 2) for result in results}
    return {"wall_s": round(elapsed, 2), "slowest": dict(sorted(nodes.items(), key=lambda item: -item[1])[:4])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="the Parquet bank (generate_demo_data.py)")
    parser.add_argument("--a", required=True, help="commit or directory of side A")
    parser.add_argument("--b", required=True, help="commit or directory of side B")
    parser.add_argument("--cutoff", default="2025-12-31", help="the bank as known at this day")
    parser.add_argument("--rounds", type=int, default=2, help="each round runs A B B A")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/ab_features"))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    sides = {side: project_at(revision, args.work, side) for side, revision in (("a", args.a), ("b", args.b))}
    runs = []
    for _ in range(args.rounds):
        for side in ("a", "b", "b", "a"):
            db_path = args.work / f"{side}.duckdb"
            database(args.data, db_path, args.cutoff)
            result = {"side": side, "load_average": round(os.getloadavg()[0], 2)}
            result.update(features_run(sides[side], db_path, args.work, args.threads))
            print(json.dumps(result), flush=True)
            runs.append(result)
    totals = {side: sum(run["wall_s"] for run in runs if run["side"] == side) for side in ("a", "b")}
    summary = {"a": args.a, "b": args.b, "data": str(args.data), "runs": runs, "b_over_a": totals["b"] / totals["a"]}
    args.out.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"b / a = {summary['b_over_a']:.3f}")


if __name__ == "__main__":
    main()
