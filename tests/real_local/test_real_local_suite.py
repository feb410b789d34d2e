"""The real-local eval suite: written from the recording's manifest, structural expectations only.

`make test` replays it (`retest eval evals/suites/real-local_v1.yaml`); these tests
keep it honest: it is what scripts/local_model/suite.py writes from the committed
manifest (so a re-recording that moved the ports cannot leave it stale), it covers
every recorded cassette, and it expects nothing of what the weak model concluded.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from agent.evaluate.suite import load_suite
from scripts.local_model.suite import MANIFEST, SUITE, suite_text

REPO = Path(__file__).resolve().parents[2]


def test_the_committed_suite_is_what_the_manifest_writes() -> None:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    assert SUITE.read_text(encoding="utf-8") == suite_text(manifest), "run .venv/bin/python scripts/local_model/suite.py"


def test_every_cassette_is_a_case_gated_on_guarantees_only() -> None:
    loaded = load_suite(SUITE)
    cassettes = {p.relative_to(REPO).as_posix() for p in (REPO / "cassettes" / "real-local").glob("*.yaml")}
    assert {c.cassette.as_posix() for c in loaded.suite.cases} == cassettes
    for case in loaded.suite.cases:
        expect = case.expect
        assert expect.guarantees
        assert not expect.claims and not expect.anchors and not expect.must_drop, "no stance, verdict, paper or anchor is expected of this model"
        assert expect.proposals.min == 0 and expect.proposals.max is None


def test_make_test_runs_the_suite_before_pytest() -> None:
    recipe = (REPO / "Makefile").read_text(encoding="utf-8").split("\ntest:", 1)[1].split("\n\n", 1)[0]
    steps = [line.strip() for line in recipe.splitlines() if line.startswith("\t")]
    assert any("retest eval evals/suites/real-local_v1.yaml" in s for s in steps)
    assert "pytest" in steps[-1], "pytest's summary stays the last line"
    assert yaml.safe_load(SUITE.read_text(encoding="utf-8"))["name"] == "real-local"
