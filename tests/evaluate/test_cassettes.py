"""The eval cassettes are what their scenarios generate: edit the scenario, never the YAML."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.authoring.build_cassette import build
from evals.authoring.record_against_index import build_slice_index, record
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


@pytest.fixture(scope="module")
def slice_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_slice_index(tmp_path_factory.mktemp("slice") / "index")


# The index cassettes are recorded over HTTP from the stand-in on 127.0.0.1 (nothing else is reachable).
@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_index_cassette_is_what_the_stand_in_and_its_scenario_record(slice_index: Path, tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIOS / "agent-reliability.yaml")
    committed = REPO / scenario.cassette
    fresh, _ = record(scenario.model_copy(update={"cassette": tmp_path / committed.name}), slice_index)
    assert fresh.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8"), (
        "re-record with: .venv/bin/python -m evals.authoring.record_against_index evals/scenarios/agent-reliability.yaml"
    )


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_index_recording_refuses_screening_that_does_not_fit_what_the_engine_returned(slice_index: Path, tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIOS / "agent-reliability.yaml")
    c2 = scenario.claims["C2"]
    short = scenario.model_copy(
        update={"cassette": tmp_path / "short.yaml", "claims": {**scenario.claims, "C2": c2.model_copy(update={"screen": c2.screen[:-1]})}}
    )
    with pytest.raises(SystemExit, match=r"C2: the engine returned \[.*'2603\.16397'\]"):
        record(short, slice_index)
    assert not (tmp_path / "short.yaml").exists()


def test_index_recording_refuses_a_scenario_that_chooses_arxiv_answers(slice_index: Path, tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIOS / "agent-reliability.yaml")
    chosen = scenario.model_copy(
        update={
            "cassette": tmp_path / "chosen.yaml",
            "claims": {**scenario.claims, "C1": scenario.claims["C1"].model_copy(update={"results": {"support": ["2603.29231"]}})},
        }
    )
    with pytest.raises(SystemExit, match="C1: results"):
        record(chosen, slice_index)


def test_the_scripted_builder_leaves_index_scenarios_to_the_stand_in(tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIOS / "llm-judges.yaml")
    with pytest.raises(ValueError, match="record_against_index"):
        build(scenario.model_copy(update={"cassette": tmp_path / "llm-judges.yaml"}))
    assert not (tmp_path / "llm-judges.yaml").exists()


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
