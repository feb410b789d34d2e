"""Helpers for the review tests: scripted keys, a scripted editor, and the demo review script.

The demo review script is the same in the pty test (real terminal, real
`retest` process) and in-process tests, so both must produce the one expected
canonical file in tests/review/expected/.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from agent.review.review_run import load_review
from agent.review.session import Session, SessionResult
from agent.store import Store

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"
CASSETTE = REPO / "cassettes" / "demo" / "bargaining-power.yaml"
EXPECTED = Path(__file__).parent / "expected" / "bargaining-power.md"
APPLY_DATE = "2026-11-30"
REVIEWER = "tester"

# What the reviewer writes over P2 (revise_claim C1); the trailing date becomes the claim's.
EDITED_C1 = (
    "In AGI scenarios wages stagnate while labor's share of tasks decays slowly; convergence to "
    "computational replication cost is one scenario among several (~2026)"
)
REJECT_REASON = "the mechanism is not new"

# Sitting 1: accept P1, edit P2, reject P3 with a reason, skip P4, back to P4, quit.
FIRST_SITTING_KEYS = ["a", "e", "r", "s", "b", "q"]
# Sitting 2 starts at P4 (the first still pending), accepts P4..P9 and rejects P10..P15 (the anchor-fit proposals and
# the two anchor replacements, issue 12).
SECOND_SITTING_KEYS = ["a"] * 6 + ["r"] * 6


@dataclass
class ScriptedKeys:
    """Keys and lines from lists; '' once a list runs out (end of input)."""

    keys: list[str]
    lines: list[str] = field(default_factory=list)
    prompts: list[str] = field(default_factory=list)

    def key(self, prompt: str) -> str:
        self.prompts.append(prompt)
        return self.keys.pop(0) if self.keys else ""

    def line(self, prompt: str) -> str:
        self.prompts.append(prompt)
        return self.lines.pop(0) if self.lines else ""


@dataclass
class ScriptedEditor:
    """Stands in for $EDITOR: records what it was shown and returns fixed texts in turn."""

    texts: list[str]
    shown: list[tuple[str, list[str]]] = field(default_factory=list)

    def __call__(self, text: str, help_lines: list[str]) -> str:
        self.shown.append((text, help_lines))
        return self.texts.pop(0)


def quiet_console() -> Console:
    """A console that keeps what it printed (console.file.getvalue()) instead of writing to stdout."""
    return Console(file=io.StringIO(), width=120, color_system=None)


def sitting(store: Store, run_id: str, keys: Iterable[str], *, lines: Iterable[str] = (), edits: Iterable[str] = ()) -> tuple[SessionResult, Console]:
    """One in-process sitting of interactive review with scripted keys and editor."""
    console = quiet_console()
    session = Session(load_review(store, run_id), store, console, ScriptedKeys(list(keys), list(lines)), ScriptedEditor(list(edits)))
    return session.run(), console


def review_demo_in_process(store: Store, run_id: str) -> None:
    """The demo review script of the pty test, in process."""
    sitting(store, run_id, FIRST_SITTING_KEYS, lines=[REJECT_REASON], edits=[EDITED_C1])
    sitting(store, run_id, SECOND_SITTING_KEYS)


def normalise(text: str, run_id: str) -> str:
    """A canonical file with the run's random ID replaced, to compare with the expected file."""
    return text.replace(run_id, "RUN-ID")
