"""`retest run --all DIR --batch`: the example library replayed offline from its batch cassettes (issue 15, point 4)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agent.cli import run as cli
from agent.config import load_settings
from agent.runner import cassette_run_date, load_state, start_run
from agent.runs import RunStatus, list_runs, run_usage
from agent.services import RunRequest
from agent.store import Store

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
BATCH = REPO / "cassettes" / "batch"
SYNC = {
    "bargaining-power": REPO / "cassettes" / "demo" / "bargaining-power.yaml",
    "ai-software-testing": REPO / "cassettes" / "evals" / "ai-software-testing.yaml",
}


def _sync_run(name: str, store: Store):  # noqa: ANN202 - a RunOutcome
    cassette = SYNC[name]
    request = RunRequest(mode="replay", cassette=cassette, run_date=cassette_run_date(cassette), use_cache=False, settings=load_settings())
    return start_run(EXAMPLES / f"{name}.txt", request, store)


def _proposed(proposals) -> list[dict]:  # noqa: ANN001
    return sorted((p.model_dump(mode="json") for p in proposals), key=lambda p: p["id"])


@pytest.fixture(scope="module")
def batch_library(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The library re-tested with --batch --wait from the batch cassettes, in its own state directory: line name -> run ID."""
    home = tmp_path_factory.mktemp("batch-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RETEST_HOME", str(home))
        code = cli(["run", "--all", str(EXAMPLES), "--batch", "--wait", "--replay", str(BATCH)])
        assert code == 0
        runs = {Path(r.line_path).stem: r.id for r in list_runs(Store.open())}
    return {"home": str(home), **runs}


def test_every_line_reaches_review_with_the_same_proposals_as_a_synchronous_run(batch_library: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETEST_HOME", batch_library["home"])
    batch_store = Store.open()
    for name in SYNC:
        record, state, waiting = load_state(batch_library[name], batch_store)
        assert record.status is RunStatus.AWAITING_REVIEW and waiting == ("review",), name
        assert record.batch, "the run is recorded as a batch run"
        with Store.open(Path(batch_library["home"]) / "sync" / "retest.db") as sync_store:
            synchronous = _sync_run(name, sync_store)
        assert _proposed(state["proposals"]) == _proposed(synchronous.proposals), f"{name}: the batch answers are the synchronous ones"
        assert {k: str(v.verdict.verdict) for k, v in state["claim_results"].items() if v.verdict} == {
            k: str(v.verdict.verdict) for k, v in synchronous.claim_results.items() if v.verdict
        }


def test_a_batch_run_costs_half_and_makes_the_same_calls(batch_library: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETEST_HOME", batch_library["home"])
    store = Store.open()
    with Store.open(Path(batch_library["home"]) / "sync2" / "retest.db") as sync_store:
        synchronous = _sync_run("bargaining-power", sync_store)
    usage = run_usage(store, batch_library["bargaining-power"])
    assert sum(u.calls for u in usage) == sum(u.calls for u in synchronous.usage) == 14
    batch_cost = sum(u.cost_usd or 0 for u in usage)
    assert synchronous.cost_usd is not None and batch_cost == pytest.approx(synchronous.cost_usd / 2)
    assert all(u.latency_s == 0 for u in usage), "a batched answer's wait is not the call's latency"


def test_without_wait_the_runs_wait_and_a_later_resume_collects(capsys: pytest.CaptureFixture[str]) -> None:
    """The wait is durable: the first command submits and exits 11; each later one starts from the store alone."""
    assert cli(["run", "--all", str(EXAMPLES), "--batch", "--replay", str(BATCH)]) == 11
    err = capsys.readouterr().err
    assert "submitted openai batch" in err and "retest resume --waiting" in err
    runs = list_runs(Store.open())
    assert {r.status for r in runs} == {RunStatus.WAITING}
    # The recording's first check of each batch found it in progress: so does this one, and nothing moves.
    assert cli(["resume", "--waiting"]) == 11
    assert re.search(r"0 of \d+ requests done", capsys.readouterr().err)
    assert {r.status for r in list_runs(Store.open())} == {RunStatus.WAITING}
    assert cli(["resume", "--waiting", "--wait"]) == 0
    assert {r.status for r in list_runs(Store.open())} == {RunStatus.AWAITING_REVIEW}
    assert cli(["resume", "--waiting"]) == 0
    assert "No run waits for a batch" in capsys.readouterr().out


def test_the_batch_estimate_is_within_a_quarter_of_the_replay(batch_library: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    from agent.estimate import estimate_line
    from agent.line.read import load_line

    settings = load_settings()
    line = EXAMPLES / "bargaining-power.txt"
    estimate = estimate_line(load_line(line).line, settings, cassette_run_date(BATCH / "bargaining-power.yaml"), batch=True)
    with Store.open(Path(batch_library["home"]) / "retest.db") as store:
        spent = sum(u.cost_usd or 0 for u in run_usage(store, batch_library["bargaining-power"]))
    assert estimate.cost_low is not None and estimate.cost_high is not None
    assert estimate.cost_low * 0.75 <= spent <= estimate.cost_high * 1.25
    assert estimate.calls == 14


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["run", "--all", str(EXAMPLES), "--wait"], "--wait goes with --batch"),
        (["run", str(EXAMPLES / "bargaining-power.txt"), "--batch", "--record", "x.yaml"], "--record with --batch needs --wait"),
        (["run", "--all", str(EXAMPLES), "--batch", "--since-last"], "do not go together"),
        (["resume"], "give a RUN_ID, or --waiting"),
        (["run", "--all", str(EXAMPLES), "--batch", "--max-cost", "1"], "--max-cost does not go with --batch"),
    ],
)
def test_flags_that_do_not_go_together_are_input_errors(args: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(args) == 2
    assert needle in capsys.readouterr().err
    assert list_runs(Store.open()) == []


def test_a_waiting_run_is_never_pruned_and_cannot_be_reviewed_yet(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["run", str(EXAMPLES / "bargaining-power.txt"), "--batch", "--replay", str(BATCH / "bargaining-power.yaml")]) != 0
    (run,) = list_runs(Store.open())
    assert run.status is RunStatus.WAITING, "a batch that could not be submitted leaves the run waiting, its requests queued"
    capsys.readouterr()
    assert cli(["runs", "--prune", "--older-than", "0d", "--status", "waiting"]) == 2
    assert "never pruned" in capsys.readouterr().err
    assert cli(["review", run.id]) != 0
    assert f"retest resume {run.id}" in capsys.readouterr().err
