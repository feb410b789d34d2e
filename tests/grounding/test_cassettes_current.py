"""Each citations cassette is exactly what its scenario builds (evals/authoring/build_citations_cassette.py), so neither drifts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from evals.authoring.build_citations_cassette import build, load
from tests.grounding.conftest import KEYS, REPO

SCENARIOS = sorted((REPO / "evals" / "scenarios" / "citations").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_the_cassette_is_what_its_scenario_builds(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in KEYS:
        monkeypatch.delenv(key, raising=False)
    scenario = load(path)
    (tmp_path / scenario.line).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / scenario.line, tmp_path / scenario.line)
    (tmp_path / scenario.cassette).parent.mkdir(parents=True, exist_ok=True)
    target, _ = build(scenario, repo=tmp_path)
    assert target.read_text(encoding="utf-8") == (REPO / scenario.cassette).read_text(encoding="utf-8"), (
        f"{scenario.cassette} is stale: .venv/bin/python -m evals.authoring.build_citations_cassette {path.relative_to(REPO)}"
    )
