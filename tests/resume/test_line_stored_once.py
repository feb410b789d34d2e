"""Issue 14 point 4: a run keeps its line once, in its record, not in each of its checkpoints."""

from __future__ import annotations

import sqlite3

import pytest

from agent.events import NodeFinished, RunEvent
from agent.line.read import load_line
from agent.runner import CHECKPOINTS, cassette_run_date, load_state, open_graph, resume_run, start_run
from agent.runs import list_runs, stored_line
from agent.services import RunRequest
from agent.store import Store
from tests.resume.harness import CASSETTE, LINE

# A sentence of the line's synthesis: no model answer, proposal or claim repeats it, so only a copy of the line holds it.
SYNTHESIS = b"The twist the reader may not expect"
REQUEST = RunRequest(mode="replay", cassette=CASSETTE, run_date=cassette_run_date(CASSETTE))


def _checkpoint_bytes(store: Store) -> bytes:
    conn = sqlite3.connect(store.path.parent / CHECKPOINTS)
    try:
        blobs = [row[0] for row in conn.execute("SELECT checkpoint FROM checkpoints")]
        blobs += [row[0] for row in conn.execute("SELECT value FROM writes")]
    finally:
        conn.close()
    return b"".join(bytes(b) for b in blobs if b is not None)


def _stop_after_anchors(event: RunEvent) -> None:
    if isinstance(event, NodeFinished) and event.node == "verify_anchors":
        raise KeyboardInterrupt


def test_no_checkpoint_or_write_of_a_run_holds_its_line():
    store = Store.open()
    outcome = start_run(LINE, REQUEST, store)
    held = _checkpoint_bytes(store)
    assert held, "the run wrote no checkpoint"
    assert SYNTHESIS not in held
    # The record keeps it, and everything that reads a run's state still gets it.
    assert stored_line(store, outcome.run.id) == load_line(LINE).line
    assert outcome.line == load_line(LINE).line
    assert load_state(outcome.run.id, store)[1]["line"] == outcome.line


def test_a_resumed_run_takes_its_line_from_its_record_and_ends_as_an_unbroken_one():
    store = Store.open()
    whole = start_run(LINE, REQUEST, store)
    with pytest.raises(KeyboardInterrupt):
        start_run(LINE, REQUEST, store, progress=_stop_after_anchors)
    stopped = next(r for r in list_runs(store) if r.id != whole.run.id)
    resumed = resume_run(stopped.id, store)
    assert [p.model_dump(exclude={"id"}) for p in resumed.proposals] == [p.model_dump(exclude={"id"}) for p in whole.proposals]
    assert resumed.line == whole.line
    assert SYNTHESIS not in _checkpoint_bytes(store)


def test_a_run_from_before_lines_were_kept_resumes_from_the_line_in_its_checkpoints():
    """Runs saved by an older Retest have no line in their record, and one in their state: they still resume."""
    store = Store.open()
    with pytest.raises(KeyboardInterrupt):
        start_run(LINE, REQUEST, store, progress=_stop_after_anchors)
    (run,) = list_runs(store)
    with store.transaction() as conn:
        conn.execute("UPDATE runs SET line = NULL WHERE id = ?", (run.id,))
    with open_graph(store.path.parent) as graph:
        graph.update_state({"configurable": {"thread_id": run.id}}, {"line": load_line(LINE).line})
    resumed = resume_run(run.id, store)
    assert resumed.proposals and resumed.line == load_line(LINE).line
    assert stored_line(store, run.id) is None
