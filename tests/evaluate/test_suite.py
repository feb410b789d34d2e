"""Suite files: the committed ones validate, bad ones end in exit 2 naming the problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from agent.cli import run as cli
from agent.errors import InputError
from agent.evaluate.suite import SCHEMA_PATH, AnchorOutcome, load_suite, suite_schema

REPO = Path(__file__).resolve().parents[2]
STARTER = REPO / "evals" / "suites" / "starter_v1.yaml"


def starter_data() -> dict:
    return yaml.safe_load(STARTER.read_text(encoding="utf-8"))


def write_suite(tmp_path: Path, data: dict, name: str = "tmp_v1.yaml") -> Path:
    data = {**data, "name": name.split("_v")[0], "base_dir": str(REPO)}
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_starter_suite_has_the_required_cases_and_resolves_every_file() -> None:
    loaded = load_suite(STARTER)
    cases = {c.name: c for c in loaded.suite.cases}
    assert len(cases) >= 8
    for case in cases.values():
        assert loaded.resolve(case.line).is_file() and loaded.resolve(case.cassette).is_file()
    assert cases["missing-anchor"].expect.anchors["A4"] is AnchorOutcome.FLAGGED_MISSING
    assert cases["malformed-anchor"].expect.anchors["A2"] is AnchorOutcome.FLAGGED_MALFORMED
    assert cases["injected-instruction"].expect.never_cite == ["9999.99999"]
    assert [str(v) for v in cases["no-newer-work"].expect.claims["C1"].verdicts] == ["unresolved"]
    assert [str(v) for v in cases["contradicted"].expect.claims["C1"].verdicts] == ["contradicted"]
    assert not cases["arxiv-down"].live, "a scripted fault cannot be re-recorded live"


def test_committed_json_schema_is_the_models_schema() -> None:
    assert json.loads(SCHEMA_PATH.read_text(encoding="utf-8")) == suite_schema(), "run `python -m agent.evaluate` to refresh it"


def _expect_exit_2(path: Path, capsys: pytest.CaptureFixture[str], *needles: str) -> None:
    assert cli(["eval", str(path)]) == 2
    message = capsys.readouterr().err
    for needle in needles:
        assert needle in message, message


def test_an_unknown_verdict_names_where_it_is(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = starter_data()
    data["cases"][0]["expect"]["claims"]["C1"]["verdicts"] = ["probably"]
    _expect_exit_2(write_suite(tmp_path, data), capsys, "is not valid", "cases.0.expect.claims.C1.verdicts.0")


def test_unknown_fields_and_bad_ids_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = starter_data()
    data["cases"][1]["expect"]["budget"] = {"tokens": 5}
    data["cases"][1]["expect"]["claims"]["C2"]["must_find"][0]["arxiv_id"] = "arXiv 2502"
    _expect_exit_2(write_suite(tmp_path, data), capsys, "cases.1.expect.budget", "not an arXiv ID")


def test_expectations_must_name_claims_and_anchors_the_line_has(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = starter_data()
    contradicted = next(c for c in data["cases"] if c["name"] == "contradicted")
    contradicted["expect"]["claims"]["C7"] = {"verdicts": ["holds"]}
    contradicted["expect"]["anchors"] = {"A1": "verified"}
    _expect_exit_2(write_suite(tmp_path, data), capsys, "case contradicted: expectation for claim C7", "expectation for anchor A1")


def test_duplicate_names_missing_files_and_unknown_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = starter_data()
    data["cases"][2]["name"] = data["cases"][1]["name"]
    _expect_exit_2(write_suite(tmp_path, data), capsys, "repeated: ai-software-testing")
    data = starter_data()
    data["cases"][3]["options"] = {"settings": {"contradiction_months": 3}}
    _expect_exit_2(write_suite(tmp_path, data), capsys, "cases.3.options.settings", "unknown settings contradiction_months")
    data = starter_data()
    data["cases"][0]["cassette"] = "cassettes/nowhere.yaml"
    _expect_exit_2(write_suite(tmp_path, data), capsys, "case demo: cassette cassettes/nowhere.yaml not found")


def test_file_name_must_match_name_and_version(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="<name>_v<N>.yaml"):
        load_suite(write_suite(tmp_path, starter_data(), name="starter.yaml"))
    path = write_suite(tmp_path, starter_data(), name="tmp_v2.yaml")  # the file still says version 1
    with pytest.raises(InputError, match="version 1, but its file name says 'tmp' version 2"):
        load_suite(path)


def test_missing_and_unparsable_suites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _expect_exit_2(tmp_path / "absent_v1.yaml", capsys, "not found")
    broken = tmp_path / "broken_v1.yaml"
    broken.write_text("cases: [\n", encoding="utf-8")
    _expect_exit_2(broken, capsys, "cannot be read")
