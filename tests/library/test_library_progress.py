"""The library's progress bars follow a real (replayed) run to its end."""

from __future__ import annotations

from pathlib import Path

from agent.cli.run_all import LibraryView
from agent.library import LineResult, run_library
from agent.runner import cassette_run_date
from agent.services import RunRequest
from agent.store import Store

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"
CASSETTE = REPO / "cassettes" / "demo" / "bargaining-power.yaml"


def test_a_lines_bar_fills_exactly_when_it_pauses_for_review() -> None:
    view = LibraryView(total=1)
    seen: list[tuple[float, float | None]] = []

    def done(result: LineResult) -> None:
        seen.extend((t.completed, t.total) for t in view.progress.tasks if t.id != view.library)
        view.done(result)

    # The default settings are the models the demo cassette was made with.
    request = RunRequest(mode="replay", cassette=CASSETTE, run_date=cassette_run_date(CASSETTE))
    outcome = run_library([LINE], lambda _: request, Store.open(), progress_for=view.line, on_done=done)
    assert outcome.results[0].ok, outcome.results[0].error
    # Five claims and seven steps (verify_anchors, read_anchors, plan_claims ... ground_check): a renamed node would leave the bar short.
    assert seen == [(12, 12)]
    library = view.progress.tasks[0]
    assert (library.completed, library.total) == (1, 1)
    assert not any(t.visible for t in view.progress.tasks[1:]), "a finished line's bar leaves the display"
