"""evals/planning_compare.py replays both real-local recordings of the demo line, one per planning mode (issue 12 point 5)."""

from __future__ import annotations

from evals import planning_compare


def test_each_recording_replays_with_its_own_planning_and_is_measured() -> None:
    wanted = planning_compare.must_find()
    assert sum(len(v) for v in wanted.values()) == 9 and set(wanted) == {"C1", "C2", "C3", "C4", "C5"}
    rows = {mode: planning_compare.measure(planning_compare.replay(m, c), wanted) for mode, (m, c) in planning_compare.MODES.items()}
    assert rows["claim"]["planning calls"] == "plan_claims 0, plan_queries 5"
    assert rows["line"]["planning calls"] == "plan_claims 1, plan_queries 0"
    # The numbers the README and cassettes/README.md quote.
    assert (rows["claim"]["queries sent"], rows["claim"]["papers retrieved"]) == (14, 31)
    assert (rows["line"]["queries sent"], rows["line"]["queries arXiv rejected"], rows["line"]["papers retrieved"]) == (10, 5, 10)
