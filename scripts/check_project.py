"""Project-quality rules checked on dbt's manifest.json, in the spirit of dbt-project-evaluator
(whose package cannot be installed from dbt Hub here).

    python scripts/check_project.py target/manifest.json

Rules: every model and every mart column documented; every model has a primary-key test;
every mart has an enforced contract; only staging models read sources; no mart reads staging
directly; model names follow their layer's prefix. Exceptions live in one file,
scripts/project_rule_exceptions.yml, each with its reason.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

EXCEPTIONS_FILE = Path(__file__).with_name("project_rule_exceptions.yml")
# Staging holds base_ models too: the checked, typed input rows that stg_ models filter.
LAYER_PREFIXES = {"staging": ("stg_", "base_"), "intermediate": ("int_",), "segmentation": ("seg_",)}
# keeps_every_input_row is the grain test of base models: every input row, once.
KEY_TESTS = {"unique_combination_of_columns", "row_count_equals", "keeps_every_input_row"}


@dataclass(frozen=True)
class Violation:
    rule: str
    model: str
    detail: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.model}: {self.detail}"


def models(manifest: dict) -> Iterator[dict]:
    """This project's models (not those of installed packages)."""
    project = manifest["metadata"].get("project_name")
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and project in (None, node["package_name"]):
            yield node


def layer(node: dict) -> str:
    """staging, intermediate, segmentation or marts: the model's folder under its model path."""
    parts = Path(node["original_file_path"]).parts
    return parts[1] if len(parts) > 2 else ""


def is_mart(node: dict) -> bool:
    return layer(node) == "marts"


def tests_by_model(manifest: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test" or not node.get("test_metadata"):
            continue
        target = node.get("attached_node") or next(iter(node["depends_on"]["nodes"]), None)
        if target:
            found.setdefault(target, []).append(node)
    return found


def check_documented(manifest: dict) -> Iterator[Violation]:
    for node in models(manifest):
        if not node.get("description", "").strip():
            yield Violation("documented", node["name"], "model has no description")
        if is_mart(node):
            for column in node.get("columns", {}).values():
                if not column.get("description", "").strip():
                    yield Violation("documented", node["name"], f"column {column['name']} has no description")


def has_primary_key_test(tests: list[dict]) -> bool:
    names = {test["test_metadata"]["name"] for test in tests}
    if names & KEY_TESTS:
        return True
    unique = {test.get("column_name") for test in tests if test["test_metadata"]["name"] == "unique"}
    not_null = {test.get("column_name") for test in tests if test["test_metadata"]["name"] == "not_null"}
    return bool(unique & not_null - {None})


def check_primary_key(manifest: dict) -> Iterator[Violation]:
    tests = tests_by_model(manifest)
    for node in models(manifest):
        if not has_primary_key_test(tests.get(node["unique_id"], [])):
            yield Violation("primary_key", node["name"], "no unique + not_null or unique-combination test")


def check_contract(manifest: dict) -> Iterator[Violation]:
    for node in models(manifest):
        if is_mart(node) and not node["config"].get("contract", {}).get("enforced"):
            yield Violation("contract", node["name"], "mart without an enforced contract")


def check_sources_only_in_staging(manifest: dict) -> Iterator[Violation]:
    for node in models(manifest):
        sources = [uid for uid in node["depends_on"]["nodes"] if uid.startswith("source.")]
        if sources and layer(node) != "staging":
            yield Violation("sources_in_staging", node["name"], f"reads {', '.join(sources)}")


def check_marts_skip_staging(manifest: dict) -> Iterator[Violation]:
    nodes = manifest["nodes"]
    for node in models(manifest):
        if not is_mart(node):
            continue
        staging = [uid for uid in node["depends_on"]["nodes"] if uid in nodes and layer(nodes[uid]) == "staging"]
        if staging:
            yield Violation("marts_skip_staging", node["name"], f"reads {', '.join(staging)}")


def check_naming(manifest: dict) -> Iterator[Violation]:
    for node in models(manifest):
        prefix = LAYER_PREFIXES.get(layer(node))
        if prefix and not node["name"].startswith(prefix):
            yield Violation("naming", node["name"], f"{layer(node)} models are named {' or '.join(prefix)}*")
        if is_mart(node) and node["name"].startswith(tuple(p for group in LAYER_PREFIXES.values() for p in group)):
            yield Violation("naming", node["name"], "marts carry no layer prefix")


RULES: dict[str, Callable[[dict], Iterator[Violation]]] = {
    "documented": check_documented,
    "primary_key": check_primary_key,
    "contract": check_contract,
    "sources_in_staging": check_sources_only_in_staging,
    "marts_skip_staging": check_marts_skip_staging,
    "naming": check_naming,
}


def load_exceptions(path: Path = EXCEPTIONS_FILE) -> set[tuple[str, str]]:
    """(rule, model) pairs allowed to break a rule; each entry must give its reason."""
    entries = yaml.safe_load(path.read_text()) or []
    for entry in entries:
        if not str(entry.get("reason", "")).strip():
            raise ValueError(f"{path}: exception {entry} has no reason")
    return {(entry["rule"], entry["model"]) for entry in entries}


def violations(manifest: dict, exceptions: set[tuple[str, str]] | None = None) -> list[Violation]:
    allowed = exceptions or set()
    return [
        violation
        for check in RULES.values()
        for violation in check(manifest)
        if (violation.rule, violation.model) not in allowed
    ]


def main(argv: list[str]) -> int:
    manifest_path = Path(argv[1] if len(argv) > 1 else "target/manifest.json")
    found = violations(json.loads(manifest_path.read_text()), load_exceptions())
    for violation in found:
        print(violation)
    print(f"{len(found)} project-quality violation(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
