"""`retest run`, `resume`, `runs` and `report` when the input is wrong or the user presses Ctrl-C.

Each foreseeable problem ends in one message and its exit code, and leaves no
run record that cannot be continued.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

import agent.cli.run_cmd as run_cmd
import agent.runner as runner
from agent.cli import run as cli
from agent.events import LineWarning, NodeFinished, RunEvent, RunStarted
from agent.recording import incomplete_path
from agent.runner import cassette_run_date, load_state, start_run
from agent.runs import RunRecord, RunStatus, get_run, insert_run, list_runs
from agent.services import RunRequest
from agent.store import Store
from tests.graph.test_record_then_replay import standins  # noqa: F401 - the stand-in services fixture

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"
CASSETTE = REPO / "cassettes" / "demo" / "bargaining-power.yaml"


def _err(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "no-such-line.txt", "--replay", str(CASSETTE)], "no-such-line.txt: no such file"),
        (["run", str(LINE), "--replay", str(REPO / "cassettes")], "is a directory, not a cassette file"),
    ],
)
def test_a_problem_found_before_the_run_starts_is_the_only_output(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(args) == 2
    err = _err(capsys)
    assert message in err
    assert "Re-testing claims" not in err, "no empty progress table before the error"
    assert err.startswith("error: ")
    assert list_runs(Store.open()) == []


@pytest.mark.parametrize("content", [b"{{{{ not: yaml: [\n", b"\xff\xfe binary"])
def test_a_cassette_that_is_not_yaml_leaves_no_failed_run(content: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_bytes(content)
    assert cli(["run", str(LINE), "--replay", str(broken)]) == 2
    err = _err(capsys)
    assert f"cassette {broken} cannot be read" in err and "Traceback" not in err
    assert list_runs(Store.open()) == [], "a run that could never start is not recorded"


def _raise_after_start(line: Path, request: RunRequest, store: Store, *, progress: Any = None) -> Any:
    """start_run, with Ctrl-C pressed right after the run is recorded (before its first checkpoint)."""

    def interrupt(event: RunEvent) -> None:
        if progress:
            progress(event)
        if isinstance(event, RunStarted):
            raise KeyboardInterrupt

    return start_run(line, request, store, progress=interrupt)


def test_ctrl_c_names_the_run_and_how_to_continue_it(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(runner, "start_run", _raise_after_start)
    assert cli(["run", str(LINE), "--replay", str(CASSETTE)]) == 130
    (run,) = list_runs(Store.open())
    err = " ".join(_err(capsys).split())
    assert f"interrupted: run {run.id} stopped" in err and f"retest resume {run.id}" in err


def test_a_run_stopped_before_its_first_checkpoint_resumes_from_its_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(runner, "start_run", _raise_after_start)
    assert cli(["run", str(LINE), "--replay", str(CASSETTE)]) == 130
    (run,) = list_runs(Store.open())
    assert load_state(run.id, Store.open())[1] == {}, "nothing was checkpointed"
    capsys.readouterr()
    assert cli(["resume", run.id]) == 0, _err(capsys)
    record, state, waiting = load_state(run.id, Store.open())
    assert record.status is RunStatus.AWAITING_REVIEW and waiting == ("review",) and len(state["proposals"]) == 15


def test_resume_refuses_a_line_that_changed_before_the_first_checkpoint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = tmp_path / "line.txt"
    line.write_bytes(LINE.read_bytes())
    request = RunRequest(mode="replay", cassette=CASSETTE, run_date=cassette_run_date(CASSETTE))
    with pytest.raises(KeyboardInterrupt):
        _raise_after_start(line, request, Store.open())
    (run,) = list_runs(Store.open())
    line.write_text(LINE.read_text(encoding="utf-8").replace("In partner-selection", "In partner-choice"), encoding="utf-8")
    assert cli(["resume", run.id]) == 5
    err = _err(capsys)
    assert f"{line} changed after run {run.id} started" in err and "retest run" in err


def _insert(store: Store, run_id: str, *, line: str = "/x.txt", status: RunStatus = RunStatus.FAILED) -> None:
    insert_run(store, RunRecord(
        id=run_id, line_path=line, line_sha256="0" * 64, mode="replay", run_date=dt.date(2026, 11, 29), models={},
        version="0", started_at=dt.datetime(2026, 11, 29, tzinfo=dt.UTC), status=status,
    ))  # fmt: skip


def test_run_ids_are_matched_by_plain_prefix(capsys: pytest.CaptureFixture[str]) -> None:
    store = Store.open()
    for run_id in ("20261129-212400-3f9a", "20261129-212401-aaaa", "20261130-080000-bbbb"):
        _insert(store, run_id)
    assert get_run(store, "20261130").id == "20261130-080000-bbbb"
    for typed in ("%", "2026112_-212400-3f9a", ""):
        # '%' and '_' are no wildcards, and an empty ID (an unset shell variable) matches nothing.
        assert cli(["report", typed]) == 2
        assert "Traceback" not in _err(capsys)
    assert cli(["report", "20261129-2124"]) == 2
    err = _err(capsys)
    assert "2 runs start with '20261129-2124'" in err and "20261129-212400-3f9a" in err and "20261129-212401-aaaa" in err


def test_runs_never_cuts_a_run_id(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_cmd.out, "width", 80)  # a standard terminal
    _insert(Store.open(), "20261129-212400-3f9a", line="/lines/bargaining-power-and-more.txt", status=RunStatus.AWAITING_REVIEW)
    assert cli(["runs"]) == 0
    out = capsys.readouterr().out
    assert "20261129-212400-3f9a" in out and "awaiting_review" in out, "the ID is what `retest review` needs"


def _record_until_anchors_are_checked(cassette: Path) -> RunRecord:
    """Start a record run and press Ctrl-C once the anchors' step is checkpointed; the run it leaves."""
    request = RunRequest(mode="record", cassette=cassette, run_date=dt.date(2026, 11, 29))

    def stop_after_anchors(event: RunEvent) -> None:
        if isinstance(event, NodeFinished) and event.node == "verify_anchors":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        start_run(LINE, request, Store.open(), progress=stop_after_anchors)
    (run,) = list_runs(Store.open())
    return run


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_an_interrupted_recording_keeps_its_paid_calls_and_resume_records_on(standins, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811 - the imported fixture
    arxiv, model = standins
    cassette = tmp_path / "recorded.yaml"
    run = _record_until_anchors_are_checked(cassette)
    assert load_state(run.id, Store.open())[1], "the anchors' step was checkpointed"
    assert not cassette.exists(), "an interrupted recording never passes for a whole one"
    kept = incomplete_path(cassette)
    assert kept.is_file() and "uri: http://127.0.0.1" in kept.read_text(encoding="utf-8"), "the calls paid for so far are kept"
    assert run.status is RunStatus.INTERRUPTED and str(kept) in (run.error or "")
    paid_before = len(arxiv.log) + len(model.log)

    assert cli(["resume", run.id]) == 0, _err(capsys)
    assert cassette.is_file() and not kept.exists()
    text = cassette.read_text(encoding="utf-8")
    # Every call the stand-ins answered is in the cassette once: nothing paid twice, nothing lost.
    assert text.count("uri: http://127.0.0.1") == len(arxiv.log) + len(model.log) > paid_before
    resumed = {k: r.verdict.verdict for k, r in load_state(run.id, Store.open())[1]["claim_results"].items()}
    for server in (arxiv, model):  # offline from now on
        server.shutdown()
        server.server_close()
    assert cli(["run", str(LINE), "--replay", str(cassette)]) == 0, _err(capsys)
    replayed = list_runs(Store.open())[0]
    assert {k: r.verdict.verdict for k, r in load_state(replayed.id, Store.open())[1]["claim_results"].items()} == resumed


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_a_recording_resumed_without_its_kept_calls_is_refused(standins, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811 - the imported fixture
    cassette = tmp_path / "recorded.yaml"
    run = _record_until_anchors_are_checked(cassette)
    incomplete_path(cassette).unlink()
    assert cli(["resume", run.id]) == 2
    err = " ".join(_err(capsys).split())
    assert f"run {run.id} was recording to {cassette}" in err and f"--record {cassette}" in err
    assert not cassette.exists(), "no cassette missing the anchors' calls"


def test_runs_prints_a_line_name_verbatim(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_cmd.out, "width", 200)
    _insert(Store.open(), "20261129-212400-3f9a", line="/lines/notes[red]-2026.txt")
    assert cli(["runs"]) == 0
    assert "notes[red]-2026.txt" in capsys.readouterr().out


def test_what_a_run_cannot_do_is_said_before_it_pays(tmp_path: Path) -> None:
    line = tmp_path / "line.txt"
    text = LINE.read_text(encoding="utf-8")
    # C2 dated after the run date, and a repeated claim: warned with file and line, the run goes on.
    text = text.replace("warmth proved as mimicable as task performance (~2026).", "warmth proved as mimicable as task performance (~2027).")
    repeated = "- Wages in AGI scenarios converge to computational replication cost, not to scarcity or human preference (~2025).\n"
    line.write_text(text.replace(repeated, repeated + repeated), encoding="utf-8")
    seen: list[RunEvent] = []

    def stop_at_start(event: RunEvent) -> None:
        seen.append(event)
        if isinstance(event, RunStarted):
            raise KeyboardInterrupt

    request = RunRequest(mode="replay", cassette=CASSETTE, run_date=dt.date(2026, 11, 29))
    with pytest.raises(KeyboardInterrupt):
        start_run(line, request, Store.open(), progress=stop_at_start)
    warnings = [e.message for e in seen if isinstance(e, LineWarning)]
    assert any("not re-testable" in w and f"{line}:" in w for w in warnings), warnings
    assert any("claim C2 repeats claim C1" in w and f"{line}:54" in w for w in warnings), warnings
    assert isinstance(seen[-1], RunStarted), "warnings come before the run starts"


def test_a_line_with_no_claim_to_re_test_is_refused_before_a_run_is_recorded(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["run", str(LINE), "--replay", str(CASSETTE), "--run-date", "2020-01-01"]) == 2
    err = " ".join(_err(capsys).split())
    assert "no claim can be re-tested on 2020-01-01" in err and "--run-date" in err
    assert list_runs(Store.open()) == []
