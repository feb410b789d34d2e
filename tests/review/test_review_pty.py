"""The real `retest review` in a real terminal (pexpect pty): two sittings, then apply.

Sitting 1 accepts P1, edits P2 in $EDITOR (a script), rejects P3 with a reason,
skips P4, goes back to it and quits. Sitting 2 starts at P4 and accepts the
rest. The applied file must equal the expected canonical file.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect
import pytest

from agent.cli import run as cli
from agent.proposals import DecisionKind
from agent.review.review_run import load_review
from agent.runs import RunStatus
from tests.review.conftest import Demo
from tests.review.support import APPLY_DATE, EDITED_C1, EXPECTED, REJECT_REASON, REVIEWER, normalise

RETEST = Path(sys.executable).parent / "retest"
PROMPT = "[q]uit > "
EDITOR_SCRIPT = """#!/bin/sh
# Keep what the reviewer was shown, then replace the text below the '#' help lines.
cp "$1" "{seen}"
grep '^#' "$1" > "$1.new"
cat "{text}" >> "$1.new"
mv "$1.new" "$1"
"""


@pytest.fixture
def editor(tmp_path: Path) -> tuple[Path, Path]:
    """A fake $EDITOR script and the file where it keeps what it was shown."""
    seen, text, script = tmp_path / "seen.txt", tmp_path / "edited.txt", tmp_path / "fake-editor"
    text.write_text(EDITED_C1 + "\n", encoding="utf-8")
    script.write_text(EDITOR_SCRIPT.format(seen=seen, text=text), encoding="utf-8")
    script.chmod(0o755)
    return script, seen


def _spawn(demo: Demo, script: Path) -> pexpect.spawn:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(demo.home.parent),
        "LANG": "C.UTF-8",
        "TERM": "xterm",
        "NO_COLOR": "1",
        "RETEST_HOME": str(demo.home),
        "RETEST_REVIEWER": REVIEWER,
        "EDITOR": str(script),
    }
    # Wide enough that no panel title or message wraps; generous timeout for the first import.
    return pexpect.spawn(str(RETEST), ["review"], env=env, cwd=str(demo.home.parent), encoding="utf-8", timeout=90, dimensions=(60, 220))


def _at(child: pexpect.spawn, title: str) -> None:
    child.expect_exact(title)
    child.expect_exact(PROMPT)


def _finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


def test_review_in_two_sittings_then_apply(demo: Demo, editor: tuple[Path, Path]):
    script, seen = editor
    first = _spawn(demo, script)
    _at(first, "P1 (1 of 15) · replace_anchor · A3")
    first.send("a")
    first.expect_exact("Saved: P1 accept.")
    _at(first, "P2 (2 of 15) · revise_claim · C1")
    first.send("e")
    first.expect_exact("Saved: P2 edit.")
    _at(first, "P3 (3 of 15) · revise_claim · C3")
    first.send("r")
    first.expect_exact("Reason (optional, Enter for none): ")
    first.sendline(REJECT_REASON)
    first.expect_exact(f"Saved: P3 reject ({REJECT_REASON}).")
    _at(first, "P4 (4 of 15) · revise_claim · C4")
    first.send("s")
    _at(first, "P5 (5 of 15) · add_note · line")
    first.send("b")
    _at(first, "P4 (4 of 15) · revise_claim · C4")
    first.send("q")
    first.expect_exact(f"still pending: P4, P5, P6, P7, P8, P9, P10, P11, P12, P13, P14, P15. Continue later with: retest review {demo.run_id}")
    assert _finish(first) == 0

    shown = seen.read_text(encoding="utf-8")
    assert shown.startswith("# New text for P2") and "(~2026)" in shown and "In AGI scenarios wages are modelled" in shown
    with demo.store() as store:
        review = load_review(store, demo.run_id)
    assert review.run.status is RunStatus.AWAITING_REVIEW and review.pending == ["P4", "P5", "P6", "P7", "P8", "P9", "P10", "P11", "P12", "P13", "P14", "P15"]
    decisions = review.decisions
    assert {k: d.kind for k, d in decisions.items()} == {"P1": DecisionKind.ACCEPT, "P2": DecisionKind.EDIT, "P3": DecisionKind.REJECT}
    assert decisions["P2"].edited_after == EDITED_C1 and decisions["P3"].reason == REJECT_REASON
    assert {d.reviewer for d in decisions.values()} == {REVIEWER}

    second = _spawn(demo, script)
    second.expect_exact("12 proposals to review")
    for position, pid in enumerate(["P4", "P5", "P6", "P7", "P8", "P9"], start=1):
        _at(second, f"{pid} ({position} of 12)")
        second.send("a")
        second.expect_exact(f"Saved: {pid} accept.")
    # The anchor-fit proposals and the anchor replacements (issue 12) are rejected, so the applied line is the one expected before them.
    for position, pid in enumerate(["P10", "P11", "P12", "P13", "P14", "P15"], start=7):
        _at(second, f"{pid} ({position} of 12)")
        second.send("r")
        second.sendline("")
        second.expect_exact(f"Saved: {pid} reject.")
    second.expect_exact(f"every proposal is decided and run {demo.run_id} is completed. Next: retest apply {demo.run_id}")
    assert _finish(second) == 0

    assert cli(["apply", demo.run_id, "--date", APPLY_DATE]) == 0
    written = demo.line.with_suffix(".md").read_text(encoding="utf-8")
    assert normalise(written, demo.run_id) == EXPECTED.read_text(encoding="utf-8")
