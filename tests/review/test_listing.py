"""`retest review --list` reads the store alone: the same answer as the checkpoint, without loading LangGraph."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from agent.cli import run as cli
from agent.review.listing import list_review
from agent.review.review_run import load_review
from agent.runs import saved_proposals
from tests.review.conftest import Demo


def test_a_run_saves_its_proposals_beside_its_record(demo: Demo) -> None:
    with demo.store() as store:
        review = load_review(store, demo.run_id)
        assert saved_proposals(store, demo.run_id) == review.proposals


def test_the_listing_agrees_with_the_checkpoint_after_decisions(demo: Demo, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["review", demo.run_id, "--accept", "P1", "--reject", "P2", "--reason", "off topic"]) == 0
    capsys.readouterr()
    with demo.store() as store:
        listing, review = list_review(store, demo.run_id), load_review(store, demo.run_id)
    assert listing.pending == review.pending and "P1" not in listing.pending and len(listing.pending) == len(review.proposals) - 2
    assert listing.decisions == review.decisions
    assert cli(["review", demo.run_id, "--list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [p["id"] for p in listed["pending"]] == review.pending and {d["proposal_id"] for d in listed["decided"]} == {"P1", "P2"}


def test_listing_a_review_loads_neither_langgraph_nor_an_sdk(demo: Demo) -> None:
    probe = (
        "import sys; from agent.cli import run; code = run(['review', sys.argv[1], '--list']); "
        "heavy = sorted(m for m in ('langgraph', 'langchain_core', 'openai', 'anthropic', 'vcr') if m in sys.modules); "
        "print('HEAVY', heavy); sys.exit(code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, demo.run_id], capture_output=True, text=True, env={**os.environ, "RETEST_HOME": str(demo.home)}, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "HEAVY []" in done.stdout and "P1" in done.stdout
