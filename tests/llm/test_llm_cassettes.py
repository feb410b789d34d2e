"""The committed LLM cassettes are exactly what make_cassettes.py writes from scenarios.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.llm import make_cassettes
from tests.llm.scenarios import CASSETTE_DIR, SCENARIOS


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_committed_cassette_is_current(name: str, tmp_path: Path) -> None:
    # Also catches an SDK upgrade that changes the request bodies: the cassettes would miss in replay.
    written = make_cassettes.write_cassette(SCENARIOS[name], tmp_path)

    committed = CASSETTE_DIR / f"{name}.yaml"
    assert committed.is_file(), f"run tests/llm/make_cassettes.py to write {committed}"
    assert written.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8"), (
        f"{committed} is stale: run .venv/bin/python tests/llm/make_cassettes.py"
    )


def test_every_committed_cassette_has_a_scenario() -> None:
    assert {path.stem for path in CASSETTE_DIR.glob("*.yaml")} == set(SCENARIOS)
