"""A replayed demo run in a private state directory, and ways to plant untrusted text in it."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent.cli import run as cli
from agent.runs import list_runs
from agent.store import Store

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"
CASSETTE = REPO / "cassettes" / "demo" / "bargaining-power.yaml"
# What an abstract may hold: arXiv text is untrusted, so the page must print this as text.
SCRIPT = "<script>window.__pwned = 1</script>"
FORGED = '<a id="forged" href="javascript:window.__pwned=2">a forged link</a>'


@dataclass(frozen=True)
class Demo:
    home: Path
    line: Path
    run_id: str

    def store(self) -> Store:
        return Store.open(self.home / "retest.db")


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    root = tmp_path_factory.mktemp("web-demo")
    line = root / LINE.name
    shutil.copy2(LINE, line)
    home = root / ".retest"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RETEST_HOME", str(home))
        assert cli(["run", str(line), "--replay", str(CASSETTE)]) == 0
    with Store.open(home / "retest.db") as store:
        (run,) = list_runs(store)
    return Demo(home, line, run.id)


@pytest.fixture
def demo(demo_template: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Demo:
    """A private copy of the demo run, waiting for review, with $RETEST_HOME pointing at it."""
    home = tmp_path / ".retest"
    shutil.copytree(demo_template.home, home)
    line = tmp_path / demo_template.line.name
    shutil.copy2(demo_template.line, line)
    with Store.open(home / "retest.db") as store, store.transaction() as conn:
        conn.execute("UPDATE runs SET line_path = ?", (str(line),))
    monkeypatch.setenv("RETEST_HOME", str(home))
    monkeypatch.setenv("RETEST_REVIEWER", "tester")
    return Demo(home, line, demo_template.run_id)


def rewrite_state(demo: Demo, **values: object) -> None:
    """Write `values` into the run's graph state and let it wait in its review node again."""
    from agent.graph.context import RunContext
    from agent.runner import open_graph

    config = {"configurable": {"thread_id": demo.run_id}}
    with open_graph(demo.home) as graph:
        graph.update_state(config, values, as_node="ground_check")
        graph.invoke(None, config, context=RunContext(models={}, source=None))


def poison_abstract(demo: Demo, proposal_id: str) -> str:
    """Append a script and a forged link to the abstract of the first paper `proposal_id` cites; returns its ID."""
    from agent.review.review_run import load_review

    with demo.store() as store:
        review = load_review(store, demo.run_id)
    arxiv_id = review.proposal(proposal_id).evidence[0].arxiv_id
    paper = review.papers[arxiv_id]
    rewrite_state(demo, papers={arxiv_id: paper.model_copy(update={"summary": f"{paper.summary} {SCRIPT} {FORGED}"})})
    return arxiv_id


def unground(demo: Demo, proposal_id: str, after: str | None = None) -> None:
    """Mark one proposal NOT GROUNDED (optionally with new text), as the ground check would."""
    from agent.review.review_run import load_review

    with demo.store() as store:
        review = load_review(store, demo.run_id)
    update: dict[str, object] = {"grounded": False, "removed_ids": ["2999.99999"]}
    if after is not None:
        update["after"] = after
    proposals = [p.model_copy(update=update) if p.id == proposal_id else p for p in review.proposals]
    rewrite_state(demo, proposals=proposals)
