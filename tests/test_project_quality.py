"""Project-quality rules on dbt's manifest: they pass on this project, and each one catches a
deliberately broken manifest."""

from __future__ import annotations

import copy
import json
import sys

import pytest

from conftest import ROOT, DuckdbBuild

sys.path.insert(0, str(ROOT / "scripts"))
import check_project as checks


def test_the_project_follows_every_rule(duckdb_build: DuckdbBuild) -> None:
    manifest = json.loads((duckdb_build.project.work_dir / "target" / "manifest.json").read_text())
    assert checks.violations(manifest, checks.load_exceptions()) == []


def test_every_exception_has_a_reason_and_is_still_needed(duckdb_build: DuckdbBuild) -> None:
    manifest = json.loads((duckdb_build.project.work_dir / "target" / "manifest.json").read_text())
    found = {(violation.rule, violation.model) for violation in checks.violations(manifest)}
    assert checks.load_exceptions() <= found


def model(name: str, path: str, depends_on: list[str] | None = None, **extra) -> dict:
    return {
        "unique_id": f"model.demo.{name}",
        "resource_type": "model",
        "package_name": "demo",
        "name": name,
        "original_file_path": path,
        "description": "A model.",
        "columns": {"id": {"name": "id", "description": "Key."}},
        "config": {"contract": {"enforced": True}},
        "depends_on": {"nodes": depends_on or []},
        **extra,
    }


def key_tests(model_name: str) -> dict:
    return {
        f"test.demo.{kind}_{model_name}": {
            "unique_id": f"test.demo.{kind}_{model_name}",
            "resource_type": "test",
            "package_name": "demo",
            "test_metadata": {"name": kind},
            "column_name": "id",
            "attached_node": f"model.demo.{model_name}",
            "depends_on": {"nodes": [f"model.demo.{model_name}"]},
        }
        for kind in ("unique", "not_null")
    }


def good_manifest() -> dict:
    nodes = {
        "model.demo.stg_bank__customers": model(
            "stg_bank__customers", "models/staging/stg_bank__customers.sql", ["source.demo.bank.customers"]
        ),
        "model.demo.int_features": model(
            "int_features", "models/intermediate/int_features.sql", ["model.demo.stg_bank__customers"]
        ),
        "model.demo.customer_segments": model(
            "customer_segments", "models/marts/segmentation/customer_segments.sql", ["model.demo.int_features"]
        ),
    }
    for name in ("stg_bank__customers", "int_features", "customer_segments"):
        nodes.update(key_tests(name))
    return {"metadata": {"project_name": "demo"}, "nodes": nodes}


def rules_broken(manifest: dict) -> set[str]:
    return {violation.rule for violation in checks.violations(manifest)}


def test_the_fixture_manifest_is_clean() -> None:
    assert rules_broken(good_manifest()) == set()


def broken(change) -> dict:
    manifest = copy.deepcopy(good_manifest())
    change(manifest["nodes"])
    return manifest


BREAKS = {
    "documented": lambda nodes: nodes["model.demo.int_features"].update(description=""),
    "documented ": lambda nodes: nodes["model.demo.customer_segments"]["columns"]["id"].update(description=" "),
    "primary_key": lambda nodes: nodes.pop("test.demo.unique_int_features"),
    "contract": lambda nodes: nodes["model.demo.customer_segments"].update(config={}),
    "sources_in_staging": lambda nodes: nodes["model.demo.int_features"]["depends_on"]["nodes"].append(
        "source.demo.bank.balances"
    ),
    "marts_skip_staging": lambda nodes: nodes["model.demo.customer_segments"]["depends_on"]["nodes"].append(
        "model.demo.stg_bank__customers"
    ),
    "naming": lambda nodes: nodes["model.demo.int_features"].update(name="features"),
}


@pytest.mark.parametrize("rule", sorted(BREAKS))
def test_each_rule_catches_its_break(rule: str) -> None:
    assert rules_broken(broken(BREAKS[rule])) == {rule.strip()}


def test_an_exception_silences_exactly_its_rule_and_model() -> None:
    manifest = broken(BREAKS["contract"])
    assert checks.violations(manifest, {("contract", "customer_segments")}) == []
    assert checks.violations(manifest, {("contract", "other_model")}) != []


def test_an_exception_without_a_reason_is_refused(tmp_path) -> None:
    path = tmp_path / "exceptions.yml"
    path.write_text("- rule: contract\n  model: customer_segments\n  reason: ''\n")
    with pytest.raises(ValueError, match="has no reason"):
        checks.load_exceptions(path)
