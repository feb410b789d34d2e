"""`retest eval` end to end, replaying the committed cassettes offline."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from agent.cli import run as cli
from agent.errors import ExitCode
from agent.graph.records import VerdictKind
from agent.recording import serializer
from evals.authoring.build_cassette import build
from evals.authoring.scenario import load_scenario

REPO = Path(__file__).resolve().parents[2]
STARTER = REPO / "evals" / "suites" / "starter_v1.yaml"
BASELINE = REPO / "evals" / "baseline.json"


def one_case_suite(tmp_path: Path, name: str, cassette: Path | None = None) -> Path:
    """The starter suite cut down to one case, optionally replaying another cassette."""
    data = yaml.safe_load(STARTER.read_text(encoding="utf-8"))
    case = next(c for c in data["cases"] if c["name"] == name)
    if cassette is not None:
        case["cassette"] = str(cassette)
    data.update(name="one", base_dir=str(REPO), cases=[case])
    path = tmp_path / "one_v1.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_starter_suite_passes_against_the_committed_baseline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_json = tmp_path / "report.json"
    code = cli(["eval", str(STARTER), "--baseline", str(BASELINE), "--json", str(out_json)])
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err
    names = [c["name"] for c in yaml.safe_load(STARTER.read_text(encoding="utf-8"))["cases"]]
    for name in names:
        assert re.search(rf"^{re.escape(name)}\s+\d+/\d+", captured.out, re.M), f"no score row for {name}"
    assert re.search(r"^total\s+\d+/\d+", captured.out, re.M) and "eval passed against" in captured.out
    report = json.loads(out_json.read_text(encoding="utf-8"))
    manifest = report["manifest"]
    assert manifest["mode"] == "replay" and manifest["suite"]["path"] == "evals/suites/starter_v1.yaml"
    assert set(manifest["cassettes"]) == set(names) and all(len(h) == 64 for h in manifest["cassettes"].values())
    assert {"judge", "screen", "plan_queries", "propose_questions", "draft_proposals"} <= set(manifest["prompts"])
    assert manifest["packages"]["langgraph"] and "git_dirty" in manifest
    assert report["total"]["ungrounded"] == [] and report["total"]["verdicts"]["value"] == 1.0
    assert [c["status"] for c in report["cases"]] == ["scored"] * len(names)


def test_a_worse_verdict_in_a_cassette_fails_naming_case_and_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A consistent cassette in which the judge answers C3 worse: generated like the real one, from its scenario.
    scenario = load_scenario(REPO / "evals" / "scenarios" / "ai-software-testing.yaml")
    c3 = scenario.claims["C3"]
    worse_c3 = c3.model_copy(update={"judge": c3.judge.model_copy(update={"verdict": VerdictKind.HOLDS})})
    cassette, _ = build(scenario.model_copy(update={"claims": {**scenario.claims, "C3": worse_c3}, "cassette": tmp_path / "worse.yaml"}))
    code = cli(["eval", str(one_case_suite(tmp_path, "ai-software-testing", cassette)), "--baseline", str(BASELINE)])
    err = capsys.readouterr().err
    assert code == ExitCode.REGRESSION
    assert "case ai-software-testing: verdict accuracy 1.00 -> 0.75 (C3: verdict holds, expected qualified)" in err


def test_a_costlier_answer_fails_beyond_the_tolerance(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The writer's answer is the last call, so editing its usage changes no later request.
    data = serializer.deserialize((REPO / "cassettes" / "evals" / "contradicted.yaml").read_text(encoding="utf-8"))
    draft = next(i for i in data["interactions"] if "You draft changes" in (i["request"]["body"] or ""))
    payload = json.loads(draft["response"]["body"]["string"])
    payload["usage"]["output_tokens"] *= 3
    draft["response"]["body"]["string"] = json.dumps(payload)
    costlier = tmp_path / "costlier.yaml"
    costlier.write_text(serializer.serialize(data), encoding="utf-8")
    suite = one_case_suite(tmp_path, "contradicted", costlier)
    assert cli(["eval", str(suite), "--baseline", str(BASELINE), "--tolerance", "50"]) == ExitCode.REGRESSION
    assert re.search(r"case contradicted: tokens out \d+ -> \d+ \(\+\d+\.\d%, over the 50% tolerance\)", capsys.readouterr().err)


def test_a_cassette_miss_is_reported_as_a_miss_naming_case_and_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = serializer.deserialize((REPO / "cassettes" / "evals" / "contradicted.yaml").read_text(encoding="utf-8"))
    data["interactions"] = [i for i in data["interactions"] if "one dated claim a verdict" not in json.dumps(i["request"].get("body"))]
    short = tmp_path / "short.yaml"
    short.write_text(serializer.serialize(data), encoding="utf-8")
    out_json = tmp_path / "report.json"
    code = cli(["eval", str(one_case_suite(tmp_path, "contradicted", short)), "--baseline", str(BASELINE), "--json", str(out_json)])
    captured = capsys.readouterr()
    assert code == ExitCode.CASSETTE_MISS
    assert "case contradicted: cassette miss: POST api.anthropic.com/v1/messages (node judge, claim C1)" in captured.err
    assert "MISS" in captured.out and "REGRESSION" not in captured.out, "a miss is not a score"
    case = json.loads(out_json.read_text(encoding="utf-8"))["cases"][0]
    assert case["status"] == "cassette_miss" and case["metrics"] is None


def test_a_broken_scorer_fails_the_eval_against_the_baseline(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import agent.evaluate.scorers as scorers

    monkeypatch.setattr(scorers, "_anchor_ok", lambda outcome, check, kinds: False)
    assert cli(["eval", str(one_case_suite(tmp_path, "no-newer-work")), "--baseline", str(BASELINE)]) == ExitCode.REGRESSION
    err = capsys.readouterr().err
    assert "case no-newer-work: anchor accuracy 1.00 -> 0.00 (A1 (arXiv:2502.07719): expected verified, got title exact, date matches; no proposal)" in err


def test_help_carries_runnable_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["eval", "--help"]) == 0
    assert "retest eval evals/suites/starter_v1.yaml --baseline evals/baseline.json" in capsys.readouterr().out


def test_live_flags_are_checked_before_anything_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["eval", str(STARTER), "--live"]) == ExitCode.BAD_INPUT
    assert "--live needs --record-dir" in capsys.readouterr().err
    assert cli(["eval", str(STARTER), "--record-dir", str(tmp_path)]) == ExitCode.BAD_INPUT
    assert "--record-dir is for --live" in capsys.readouterr().err
    # The test environment holds no keys: a live eval must stop before spending anything.
    assert cli(["eval", str(STARTER), "--live", "--record-dir", str(tmp_path / "new")]) == ExitCode.CONFIG
    message = capsys.readouterr().err
    assert "ANTHROPIC_API_KEY" in message and "OPENAI_API_KEY" in message
    assert not (tmp_path / "new").exists()


def test_bad_baseline_and_unknown_case_are_input_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "baseline.json"
    bad.write_text('{"cases": []}', encoding="utf-8")
    assert cli(["eval", str(STARTER), "--baseline", str(bad)]) == ExitCode.BAD_INPUT
    assert "is not an eval report" in capsys.readouterr().err
    assert cli(["eval", str(STARTER), "--case", "nope"]) == ExitCode.BAD_INPUT
    assert "no case named nope" in capsys.readouterr().err


@pytest.mark.live
def test_live_eval_records_fresh_cassettes(tmp_path: Path) -> None:
    """Real services (keys, network): re-record the contradicted case and score it."""
    record_dir = tmp_path / "recorded"
    code = cli(["eval", str(STARTER), "--case", "contradicted", "--live", "--record-dir", str(record_dir), "--json", str(tmp_path / "r.json")])
    assert code in (0, ExitCode.REGRESSION)  # a live model may judge differently; the cassette must exist either way
    assert (record_dir / "contradicted.yaml").is_file()
