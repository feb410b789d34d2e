"""The demo line replayed on LangGraph's own server, through its API, reviewed through it, and compared with a CLI run."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import pytest

from agent.cli import remote
from agent.cli import run as cli
from agent.config import load_settings
from agent.proposals import Decision, DecisionKind
from agent.runner import cassette_run_date, resume_review, start_run
from agent.runs import RunStatus, get_run
from agent.services import RunRequest
from agent.store import Store

from .conftest import Served

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"
CASSETTE = REPO / "cassettes" / "demo" / "bargaining-power.yaml"
AT = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])


def _decision(pid: str, kind: DecisionKind, reason: str = "") -> Decision:
    # Stamped alike on both sides, so the two runs' decisions compare equal.
    return Decision(proposal_id=pid, kind=kind, reason=reason, reviewer="curator", at=AT)


def test_the_demo_on_the_server_matches_the_cli(served: Served, capsys: pytest.CaptureFixture[str]) -> None:
    on_server = remote.start(served.url, remote.run_context(LINE, mode="replay", cassette=CASSETTE))
    assert on_server.status == "interrupted", served.output()

    store = Store.open()
    request = RunRequest(mode="replay", cassette=CASSETTE, run_date=cassette_run_date(CASSETTE), settings=load_settings())
    on_cli = start_run(LINE, request, store)
    assert on_cli.run.status is RunStatus.AWAITING_REVIEW

    assert on_server.proposals == on_cli.proposals
    assert len(on_server.proposals) == 15 and on_server.pending == [p.id for p in on_cli.proposals]

    # First sitting: one accepted, one rejected, through the API on one side and the runner on the other.
    first = [_decision("P1", DecisionKind.ACCEPT), _decision("P2", DecisionKind.REJECT, "off topic")]
    after = remote.decide(served.url, on_server.thread_id, first)
    cli_state = resume_review(on_cli.run.id, [d.model_dump(mode="json") for d in first], store)
    assert after.decisions == cli_state["decisions"] and set(after.decisions) == {"P1", "P2"}
    assert after.status == "interrupted" and after.pending == [p.id for p in on_cli.proposals][2:]

    # Second sitting through `retest review --server`: every grounded proposal still pending.
    capsys.readouterr()
    assert cli(["review", "--server", served.url, on_server.thread_id, "--accept-grounded"]) == 0, capsys.readouterr().err
    done = remote.load(served.url, on_server.thread_id)
    rest = [_decision(pid, DecisionKind.ACCEPT) for pid in done.decisions if pid not in ("P1", "P2")]
    cli_state = resume_review(on_cli.run.id, [d.model_dump(mode="json") for d in rest], store)
    assert done.pending == [] and done.status == "idle", "every proposal of the demo is grounded: the run ends"
    assert get_run(store, on_cli.run.id).status is RunStatus.COMPLETED
    strip = {"at", "reviewer"}  # the CLI stamps its own reviewer and time
    assert {k: d.model_dump(exclude=strip) for k, d in done.decisions.items()} == {k: d.model_dump(exclude=strip) for k, d in cli_state["decisions"].items()}

    capsys.readouterr()
    assert cli(["runs", "--server", served.url, "--json"]) == 0
    listed = {t["thread_id"]: t for t in json.loads(capsys.readouterr().out)}
    assert listed[on_server.thread_id]["line"] == LINE.name and listed[on_server.thread_id]["mode"] == "replay"
    assert listed[on_server.thread_id]["run_date"] == on_cli.run.run_date.isoformat() == "2026-11-29"


def test_a_served_review_refuses_what_is_not_pending(served: Served, capsys: pytest.CaptureFixture[str]) -> None:
    thread = remote.start(served.url, remote.run_context(LINE, mode="replay", cassette=CASSETTE)).thread_id
    assert cli(["review", "--server", served.url, thread, "--accept", "P99"]) == 2
    assert "P99 is not a pending proposal" in capsys.readouterr().err
    assert remote.load(served.url, thread).decisions == {}, "nothing was sent"
    for missing in (str(uuid.uuid4()), "not-a-thread-id"):
        assert cli(["review", "--server", served.url, missing, "--list"]) == 2
        assert f"retest runs --server {served.url}" in capsys.readouterr().err


def test_a_served_replay_without_its_cassette_fails_in_one_line(served: Served) -> None:
    context = remote.run_context(LINE, mode="replay", cassette=served.home / "missing.yaml")
    with pytest.raises(remote.ServerError, match=r"missing\.yaml"):
        remote.start(served.url, context)
