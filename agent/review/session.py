"""The interactive review: one proposal at a time, each decision saved as it is made.

The loop takes its input (`Keys`) and output (a rich Console) as arguments, so
tests drive it with scripted keys and the CLI with the terminal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from rich.console import Console

from agent.errors import InputError
from agent.proposals import Decision, DecisionKind, Proposal, ProposalKind
from agent.review.changes import check_text
from agent.review.changing import decide
from agent.review.decisions import make_decision
from agent.review.editor import edit_text
from agent.review.links import parse_link, set_link, stranded_now
from agent.review.render import after_text, proposal_view
from agent.review.review_run import ReviewRun
from agent.store import Store

PROMPT = "[a]ccept  [r]eject  [e]dit  [l]ink  [s]kip  [b]ack  [q]uit > "
HELP = (
    "a: accept as proposed · r: reject (you may give a reason) · e: edit the new text in $EDITOR, then accept it · "
    "l: correct which claim an anchor is cited for (e.g. A2=C3) · "
    "s: skip for now · b: back to the previous proposal · q: quit (every decision so far is saved)"
)

Editor = Callable[[str, list[str]], str]


class Keys(Protocol):
    """Where the session reads the reviewer's answers."""

    def key(self, prompt: str) -> str:
        """One key, lower-cased; '' at end of input."""

    def line(self, prompt: str) -> str:
        """One line without its newline; '' at end of input."""


@dataclass
class TerminalKeys:
    """Keys from stdin: single keystrokes on a terminal, whole lines from a pipe."""

    console: Console

    def key(self, prompt: str) -> str:
        self.console.print(prompt, end="", markup=False, highlight=False)
        if not sys.stdin.isatty():
            return sys.stdin.readline().strip()[:1].lower()
        char = _read_char()
        self.console.print(char if char.isprintable() else "", markup=False, highlight=False)
        return char.lower()

    def line(self, prompt: str) -> str:
        self.console.print(prompt, end="", markup=False, highlight=False)
        return sys.stdin.readline().rstrip("\n")


def _read_char() -> str:
    """One keystroke without waiting for Enter (cbreak mode; Ctrl-C still interrupts)."""
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        data = os.read(fd, 1)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    return data.decode("utf-8", "replace") if data and data != b"\x04" else ""


def edit_help(proposal: Proposal) -> list[str]:
    """The '#' lines shown above the text in the editor."""
    lines = [f"New text for {proposal.id} ({proposal.kind} {proposal.target}). Lines starting with # are ignored."]
    if proposal.kind is ProposalKind.REVISE_CLAIM:
        lines.append("A date in parentheses at the end, e.g. (~2026), becomes the claim's date.")
    elif proposal.kind in (ProposalKind.ADD_ANCHOR, ProposalKind.REPLACE_ANCHOR):
        lines.append("Keep the form: arXiv:ID (YYYY-MM): Title")
    elif proposal.kind is ProposalKind.ADD_NOTE:
        lines.append("Keep the form: Title: summary")
    return lines


@dataclass
class SessionResult:
    review: ReviewRun
    decided: list[str] = field(default_factory=list)
    quit: bool = False


@dataclass
class Session:
    """One sitting of interactive review over the proposals pending when it starts."""

    review: ReviewRun
    store: Store
    console: Console
    keys: Keys
    edit: Editor = edit_text
    decided: list[str] = field(default_factory=list)

    def run(self) -> SessionResult:
        queue = self.review.pending
        if not self.review.open or not queue:
            run = self.review.run
            self.console.print(f"Run {run.id} is {run.status}: nothing is waiting for a decision.", markup=False, highlight=False)
            return SessionResult(self.review)
        self.console.print(f"Run {self.review.run.id}: {len(queue)} proposals to review. {HELP}", markup=False, highlight=False)
        index = 0
        while 0 <= index < len(queue) and self.review.open:
            step = self._step(self.review.proposal(queue[index]), index, len(queue))
            if step is None:
                return SessionResult(self.review, self.decided, quit=True)
            index = max(0, index + step)
        return SessionResult(self.review, self.decided)

    def _step(self, proposal: Proposal, index: int, total: int) -> int | None:
        """Show one proposal and act on one key: how far to move, or None to quit."""
        self.console.print(proposal_view(self.review, proposal, index + 1, total))
        self._say_stranded(proposal)
        while True:
            key = self.keys.key(PROMPT)
            if key in ("q", ""):
                return None
            if key == "s":
                return 1
            if key == "b":
                if index == 0:
                    self.console.print("This is the first proposal of this sitting.")
                    continue
                return -1
            if key == "l":
                self._link()
                continue
            decided = self._decide(proposal, key)
            if decided is None:
                continue
            try:
                self._save(*decided)
            except InputError as exc:  # a decision the review's rules refuse: say why, stay on the proposal
                self.console.print(f"Not saved: {exc}", markup=False, highlight=False)
                continue
            return 1

    def _decide(self, proposal: Proposal, key: str) -> tuple[Decision, bool] | None:
        """The decision a key asks for, and whether the reviewer confirmed accepting a NOT GROUNDED proposal."""
        if key == "a":
            needs = bool(proposal.confirm_reasons())
            if needs and not self._confirmed(proposal):
                return None
            return make_decision(proposal.id, DecisionKind.ACCEPT), needs
        if key == "r":
            reason = self.keys.line("Reason (optional, Enter for none): ")
            return make_decision(proposal.id, DecisionKind.REJECT, reason=reason), False
        if key == "e":
            edited = self._edited(proposal)
            return (edited, False) if edited else None
        self.console.print(HELP, markup=False, highlight=False)
        return None

    def _say_stranded(self, proposal: Proposal) -> None:
        why = stranded_now(self.store, self.review).get(proposal.id)
        if why:
            self.console.print(f"{why}.", style="bold red", highlight=False)

    def _link(self) -> None:
        """Ask for one anchor link and save it; say which pending proposals it leaves to be rejected."""
        text = self.keys.line("Anchor and its claims, e.g. A2=C3 (Enter to cancel): ").strip()
        if not text:
            return
        try:
            saved = set_link(self.store, self.review, *parse_link(text, self.review.line))
        except InputError as exc:
            self.console.print(f"Not saved: {exc}", markup=False, highlight=False)
            return
        self.console.print(f"Saved: {saved}." if saved else "That is the link already; nothing to do.", markup=False, highlight=False)
        waiting = set(self.review.pending)
        for pid, why in stranded_now(self.store, self.review).items():
            if pid in waiting:
                self.console.print(f"{why}.", markup=False, highlight=False)

    def _confirmed(self, proposal: Proposal) -> bool:
        # The same rule as the page's second click and the CLI's --force: NOT GROUNDED, or resting on a retracted paper.
        for reason in proposal.confirm_reasons():
            self.console.print(f"{reason}.", style="bold red", highlight=False)
        if self.keys.key("Accept it anyway? [y/N] > ") == "y":
            return True
        self.console.print("Not accepted; edit it (e) or reject it (r).", markup=False)
        return False

    def _edited(self, proposal: Proposal) -> Decision | None:
        original = after_text(proposal).strip()
        try:
            text = self.edit(original, edit_help(proposal))
            check_text(proposal, text)
        except InputError as exc:
            self.console.print(f"Not saved: {exc}", markup=False, highlight=False)
            return None
        if text == original:
            self.console.print("The text is unchanged; press a to accept it as proposed.", markup=False)
            return None
        return make_decision(proposal.id, DecisionKind.EDIT, edited_after=text)

    def _save(self, decision: Decision, confirmed: bool = False) -> None:
        self.review = decide(self.store, self.review, [decision], confirmed=confirmed)
        if decision.proposal_id not in self.decided:
            self.decided.append(decision.proposal_id)
        note = f" ({decision.reason})" if decision.reason else ""
        self.console.print(f"Saved: {decision.proposal_id} {decision.kind}{note}.", markup=False, highlight=False)


def summary(result: SessionResult) -> str:
    """What happened in the sitting and the next command."""
    review = result.review
    done = f"{len(result.decided)} decided in this sitting"
    if review.pending:
        return f"{done}; still pending: {', '.join(review.pending)}. Continue later with: retest review {review.run.id}"
    return f"{done}; every proposal is decided and run {review.run.id} is {review.run.status}. Next: retest apply {review.run.id}"
