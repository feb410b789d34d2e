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
   written to a temporary file and renamed over it (os.replace), so a crash
   leaves either the old file or the new one; the temporary file lives in the
   state directory when it shares the line's file system, so a kill leaves no
   copy of the new text beside the line (agent/review/_writing.py).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import reduce
from pathlib import Path

from agent.errors import ConflictError, InputError, LineFormatError, storage_error
from agent.line.markdown import render_markdown
from agent.line.models import ChangelogEntry, Line
from agent.line.read import LoadedLine, load_line
from agent.redact import redact_values
from agent.review._writing import write_line_file
from agent.review.changes import Accepted, accepted, apply_one, changelog_line, refuse_foreign_citations, refuse_unappliable_items
from agent.review.changing import refuse_placeholders, run_applied_ids
from agent.review.links import LinkCorrection, link_changelog, linked_line, unwritten
from agent.review.review_run import ReviewRun

# Beside the backup directory (both in the state directory): where the new text is written before it is renamed over the line.
WORK_DIR = "tmp"


class ApplyStatus(StrEnum):
    WRITTEN = "written"
    ALREADY_APPLIED = "already_applied"
    NOTHING_ACCEPTED = "nothing_accepted"
    PREVIEW = "preview"  # a dry run: every check passed, nothing was written


@dataclass(frozen=True)
class ApplyResult:
    status: ApplyStatus
    target: Path
    applied: list[str] = field(default_factory=list)  # IDs of the proposals written
    backup: Path | None = None  # the copy of the file that was replaced
    old_text: str = ""  # with PREVIEW: the target's text now ("" when it does not exist) ...
    new_text: str = ""  # ... and the text apply would write
    links: list[str] = field(default_factory=list)  # IDs of the anchors whose link set in review is written


def default_target(source: Path, loaded: LoadedLine) -> Path:
    """The canonical file for a line file: itself if Markdown, else `<stem>.md` beside it."""
    if loaded.format == "md":
        return source
    beside = source.with_suffix(".md")
    return beside if beside != source else source.with_name(f"{source.stem}.retest.md")


def applied_line(line: Line, items: list[Accepted], review: ReviewRun, today: dt.date, links: Mapping[str, LinkCorrection] | None = None) -> Line:
    """`line` with every accepted proposal applied, the reviewer's anchor links set, and one changelog entry naming the run."""
    changed = reduce(lambda current, item: apply_one(current, item, review.papers), items, line)
    changed = linked_line(changed, links or {})
    # The changelog is the line's own text, kept and shared: never a password from a model URL.
    applied = [changelog_line(i) for i in items] + link_changelog(line, links or {})
    entry = ChangelogEntry(date=today, run_id=review.run.id, models=redact_values(dict(review.run.models)), applied=applied)
    return changed.model_copy(update={"changelog": [*changed.changelog, entry]})


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
        full_or_read_only = storage_error(exc, backup_dir.parent)
        if full_or_read_only is not None:
            full_or_read_only.message += f"; nothing was written (backing up {target} failed)"
            raise full_or_read_only from exc
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
    dry_run: bool = False,
    partial: bool = False,
    links: Mapping[str, LinkCorrection],
) -> ApplyResult:
    """Write the run's accepted and edited proposals; see the module docstring for the rules.

    `dry_run` runs every check and returns the text it would write (PREVIEW); `partial`
    applies what is accepted while other proposals wait, and a later apply of the run
    writes only the proposals its changelog entries do not name yet. `links` are the
    reviewer's anchor links (agent.review.links.links_in_force), written with the accepted
    proposals: no default, so no front end can apply a review and lose its links.
    """
    if not partial:
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
    done = run_applied_ids(existing, review.run.id) if existing is not None else None
    items = [i for i in accepted(review.proposals, review.decisions) if done is None or i.proposal.id not in done]
    base = existing if done is not None and existing is not None else loaded.line
    new_links = [c.anchor_id for c in unwritten(base, links)]
    if done is not None and not items and not new_links:
        return ApplyResult(ApplyStatus.ALREADY_APPLIED, target)
    if not items and not new_links:
        return ApplyResult(ApplyStatus.NOTHING_ACCEPTED, target)
    refuse_foreign_citations(items, set(review.papers), review.run.id)
    refuse_placeholders(items, review.run.id)
    refuse_unappliable_items(items, review.line, review.run.id)
    # After a partial apply the target names this run: the changes since the run read it are its own.
    if not force and done is None:
        _check_unchanged(review, source, loaded)
        if target.exists() and not same_file:
            _refuse_foreign_target(review, target)
    # After a partial apply, the rest goes on top of what it wrote (for a plain-text line, the file beside it): `base`.
    new_line = applied_line(base, items, review, today or dt.date.today(), links)
    if dry_run:
        old = target.read_text(encoding="utf-8") if target.exists() else ""
        return ApplyResult(ApplyStatus.PREVIEW, target, [i.proposal.id for i in items], None, old, render_markdown(new_line), new_links)
    saved = backup(target, backup_dir, review.run.id) if target.exists() else None
    # The temporary file goes to the state directory (beside the backups), so a kill leaves no new text beside the line.
    write_line_file(target, render_markdown(new_line), backup_dir.parent / WORK_DIR)
    return ApplyResult(ApplyStatus.WRITTEN, target, [i.proposal.id for i in items], saved, links=new_links)
