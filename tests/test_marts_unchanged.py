"""The marts of a default demo build (DuckDB, Python engine) are, value for value, those of the
committed fingerprints (tests/fixtures/expected_mart_fingerprints.json, written by
`python tests/mart_fingerprints.py segmentation.duckdb` after `make build`). A change meant to
alter the marts updates the fixture in the same commit and says why."""

from __future__ import annotations

import json

from conftest import ROOT, DuckdbBuild
from mart_fingerprints import mart_fingerprints

EXPECTED = ROOT / "tests" / "fixtures" / "expected_mart_fingerprints.json"


def test_default_demo_marts_equal_the_committed_fingerprints(duckdb_build: DuckdbBuild) -> None:
    with duckdb_build.connect() as connection:
        actual = mart_fingerprints(connection)
    expected = json.loads(EXPECTED.read_text())
    changed = {
        mart: (expected.get(mart), actual.get(mart))
        for mart in expected.keys() | actual.keys()
        if expected.get(mart) != actual.get(mart)
    }
    assert not changed, f"marts differ from the committed fingerprints (expected, actual): {changed}"
