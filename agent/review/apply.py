"""Write a reviewed run's accepted proposals into the line's canonical Markdown file.

Where: a canonical Markdown line is rewritten in place; a plain-text line gets
`<stem>.md` beside it (the user's original is never overwritten); `out`
overrides both. Safety, in this order:

1. idempotent: a target whose changelog already names the run is left alone;
2. conflict: the line file must still have the hash the run read, unless forced;
3. a target that exists and is not the run's line file is only replaced when forced;
4. no accepted text may cite an arXiv ID the run did not retrieve, however
   encoded (agent.line.citable), even with --force: ground_check removes them,
   and this holds for state that did not pass through it;
5. the old target is copied to the backup directory, then the new text is
   written to a temporary file beside it and renamed over it (os.replace), so a
   crash leaves either the old file or the new one.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from enum import StrEnum
from functools import reduce
from pathlib import Path

from agent.errors import ConflictError, InputError, LineFormatError
from agent.line.markdown import render_markdown
from agent.line.models import ChangelogEntry, Line
from agent.line.read import LoadedLine, load_line, write_text_atomic
from agent.review.changes import Accepted, accepted, apply_one, changelog_line, refuse_foreign_citations, refuse_unappliable_items
from agent.review.review_run import ReviewRun


class ApplyStatus(StrEnum):
    WRITTEN = "written"
    ALREADY_APPLIED = "already_applied"
    NOTHING_ACCEPTED = "nothing_accepted"


@dataclass(frozen=True)
class ApplyResult:
    status: ApplyStatus
    target: Path
    applied: list[str] = field(default_factory=list)  # IDs of the proposals written
    backup: Path | None = None  # the copy of the file that was replaced


def default_target(source: Path, loaded: LoadedLine) -> Path:
    """The canonical file for a line file: itself if Markdown, else `<stem>.md` beside it."""
    if loaded.format == "md":
        return source
    beside = source.with_suffix(".md")
    return beside if beside != source else source.with_name(f"{source.stem}.retest.md")


def applied_line(line: Line, items: list[Accepted], review: ReviewRun, today: dt.date) -> Line:
    """`line` with every accepted proposal applied and one changelog entry naming the run."""
    changed = reduce(lambda current, item: apply_one(current, item, review.papers), items, line)
    entry = ChangelogEntry(date=today, run_id=review.run.id, models=dict(review.run.models), applied=[changelog_line(i) for i in items])
    return changed.model_copy(update={"changelog": [*changed.changelog, entry]})


def _names_run(line: Line, run_id: str) -> bool:
    return any(entry.run_id == run_id for entry in line.changelog)


def _existing_target(target: Path) -> Line | None:
    """The line a target file holds, or None when it holds none (or does not exist)."""
    if not target.exists():
        return None
    try:
        return load_line(target).line
    except LineFormatError:
        return None


def _check_pending(review: ReviewRun) -> None:
    if review.pending:
        raise InputError(
            f"run {review.run.id} still has proposals waiting for a decision: {', '.join(review.pending)}",
            hint=f"Finish the review first: retest review {review.run.id}",
        )


def _check_unchanged(review: ReviewRun, source: Path, loaded: LoadedLine) -> None:
    if loaded.sha256 != review.run.line_sha256:
        raise ConflictError(
            f"{source} changed after run {review.run.id} started (its sha256 is no longer {review.run.line_sha256[:12]}…)",
            hint="Re-run on the changed file to re-test it, or pass --force to apply the accepted proposals on top of it.",
        )


def _refuse_foreign_target(review: ReviewRun, target: Path) -> None:
    raise ConflictError(
        f"{target} already exists and was not written from run {review.run.id}",
        hint=f"Run Retest on {target} to build on it, choose another file with --out, or pass --force to replace it (a backup is kept).",
    )


def backup(target: Path, backup_dir: Path, run_id: str) -> Path:
    """Copy `target` to `<backup_dir>/<run_id>/<name>` (numbered if taken) and return the copy."""
    folder = backup_dir / run_id
    copy = folder / target.name
    n = 1
    while copy.exists():
        n += 1
        copy = folder / f"{target.name}.{n}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy2(target, copy)
    except OSError as exc:
        raise InputError(
            f"cannot back up {target} to {copy}: {exc.strerror or exc}", hint="Nothing was written. Check that the state directory is writable."
        ) from None
    return copy


def apply_review(
    review: ReviewRun,
    *,
    backup_dir: Path,
    out: Path | None = None,
    force: bool = False,
    today: dt.date | None = None,
) -> ApplyResult:
    """Write the run's accepted and edited proposals; see the module docstring for the rules."""
    _check_pending(review)
    source = Path(review.run.line_path)
    if not source.exists():
        # load_line's own hint (check the path) does not help: the path is the run's, not the user's input.
        raise InputError(
            f"{source}, the line run {review.run.id} read, no longer exists; the changes apply onto it",
            hint=f"Put the file back at that path, then run `retest apply {review.run.id}` again.",
        )
    loaded = load_line(source)
    target = (out or default_target(source, loaded)).absolute()
    if target.is_dir():
        # Not a conflict to --force through: no line file can be written over a folder.
        raise InputError(f"{target} is a directory, not a line file", hint=f"Name a file, e.g. --out {target / default_target(source, loaded).name}")
    same_file = target.exists() and source.exists() and target.samefile(source)
    if same_file and loaded.format == "text":
        raise InputError(f"{target} is the plain-text line the run read; Retest never overwrites it", hint="Choose a .md file with --out.")
    existing = loaded.line if same_file else _existing_target(target)
    if existing is not None and _names_run(existing, review.run.id):
        return ApplyResult(ApplyStatus.ALREADY_APPLIED, target)
    items = accepted(review.proposals, review.decisions)
    if not items:
        return ApplyResult(ApplyStatus.NOTHING_ACCEPTED, target)
    refuse_foreign_citations(items, set(review.papers), review.run.id)
    refuse_unappliable_items(items, review.line, review.run.id)
    if not force:
        _check_unchanged(review, source, loaded)
        if target.exists() and not same_file:
            _refuse_foreign_target(review, target)
    new_line = applied_line(loaded.line, items, review, today or dt.date.today())
    saved = backup(target, backup_dir, review.run.id) if target.exists() else None
    write_text_atomic(target, render_markdown(new_line))
    return ApplyResult(ApplyStatus.WRITTEN, target, [i.proposal.id for i in items], saved)
