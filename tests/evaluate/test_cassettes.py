"""The eval cassettes are what their scenarios generate: edit the scenario, never the YAML."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.authoring.build_cassette import build
from evals.authoring.scenario import load_scenario, merge, scenario_data

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "evals" / "scenarios"


# Only the small ones: regenerating all takes longer than a test should.
@pytest.mark.parametrize("name", ["contradicted", "no-newer-work"])
def test_committed_cassette_is_what_its_scenario_generates(name: str, tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    committed = REPO / scenario.cassette
    fresh, _ = build(scenario.model_copy(update={"cassette": tmp_path / committed.name}))
    assert fresh.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8"), (
        f"regenerate with: .venv/bin/python -m evals.authoring.build_cassette evals/scenarios/{name}.yaml"
    )


def test_every_scenario_names_an_existing_line_and_cassette() -> None:
    for path in sorted(SCENARIOS.glob("*.yaml")):
        scenario = load_scenario(path)
        assert (REPO / scenario.line).is_file(), path
        assert (REPO / scenario.cassette).is_file(), f"{path}: build it with evals.authoring.build_cassette"


def test_a_variant_states_only_how_it_departs_from_its_base(tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    base.write_text("line: a.txt\ncassette: a.yaml\nclaims:\n  C1: {queries: [], down: false}\n  C2: {queries: []}\ndraft: [1, 2]\n", encoding="utf-8")
    variant = tmp_path / "variant.yaml"
    variant.write_text("base: base.yaml\ncassette: b.yaml\nclaims:\n  C1: {down: true}\ndraft: [3]\n", encoding="utf-8")
    assert scenario_data(variant) == {
        "line": "a.txt",
        "cassette": "b.yaml",
        "claims": {"C1": {"queries": [], "down": True}, "C2": {"queries": []}},
        "draft": [3],
    }
    assert merge({"a": {"b": 1}}, {"a": 2}) == {"a": 2}
    loop = tmp_path / "loop.yaml"
    loop.write_text("base: loop.yaml\n", encoding="utf-8")
    with pytest.raises(ValueError, match="cycle"):
        scenario_data(loop)
