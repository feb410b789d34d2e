"""`retest apply`: the canonical file, conflicts, idempotence, backups, and crashes that leave the original intact."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from agent.cli import run as cli
from agent.line import load_line
from agent.proposals import DecisionKind
from agent.review.review_run import load_review
from agent.runs import RunStatus
from tests.review.conftest import Demo
from tests.review.support import APPLY_DATE, EDITED_C1, EXPECTED, REJECT_REASON, normalise


def _apply(demo: Demo, *extra: str) -> int:
    return cli(["apply", demo.run_id, "--date", APPLY_DATE, *extra])


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_applied_demo_matches_the_expected_canonical_file(reviewed: Demo, capsys):
    original = reviewed.line.read_bytes()
    assert _apply(reviewed) == 0
    written = reviewed.line.with_suffix(".md")
    assert normalise(written.read_text(encoding="utf-8"), reviewed.run_id) == EXPECTED.read_text(encoding="utf-8")
    assert reviewed.line.read_bytes() == original, "the plain-text original is never overwritten"
    assert f"retest run {written}" in capsys.readouterr().out


def test_applied_file_holds_every_accepted_change(reviewed: Demo):
    assert _apply(reviewed) == 0
    line = load_line(reviewed.line.with_suffix(".md")).line
    claims = {c.id: c for c in line.prompt.claims}
    assert claims["C1"].text == EDITED_C1.removesuffix(" (~2026)") and claims["C1"].date.text == "~2026"
    assert claims["C3"].date.text == "~2025", "P3 was rejected"
    assert claims["C4"].date.text == "~2026" and claims["C4"].text.startswith("Dialectical reconciliation (true")
    notes = {n.id: n for n in line.notes}
    assert notes["N7"].arxiv_id == "2605.03210" and str(notes["N7"].date.value) == "2026-05-04"
    assert notes["N8"].title == "Do LLMs hold their position under counterargument?"
    assert line.prompt.anchors[2].cited_title == "Dialectical Reconciliation via Structured Argumentative Dialogues"
    assert [(f.id, f.target) for f in line.flags] == [("F1", "C1")]
    assert len(line.prompt.proposed_questions) == 2
    (entry,) = line.changelog
    assert entry.run_id == reviewed.run_id and str(entry.date) == APPLY_DATE and entry.models
    assert [a.split()[0] for a in entry.applied] == ["P1", "P2", "P4", "P5", "P6", "P7", "P8", "P9"]
    assert "edited and accepted by tester" in entry.applied[1] and "arXiv:2606.10127" in entry.applied[1]


def test_applying_twice_changes_nothing(reviewed: Demo, capsys):
    assert _apply(reviewed) == 0
    written = reviewed.line.with_suffix(".md")
    before = (written.read_bytes(), written.stat().st_mtime_ns)
    capsys.readouterr()
    assert cli(["apply", reviewed.run_id, "--date", "2027-01-01"]) == 0
    assert "already applied" in capsys.readouterr().out
    assert (written.read_bytes(), written.stat().st_mtime_ns) == before
    assert not (reviewed.home / "backups").exists()


def test_markdown_line_is_rewritten_in_place_with_a_backup_and_only_once(reviewed_md: Demo, capsys):
    original = reviewed_md.line.read_bytes()
    assert _apply(reviewed_md) == 0
    out = capsys.readouterr().out
    (backup,) = (reviewed_md.home / "backups" / reviewed_md.run_id).iterdir()
    assert backup.read_bytes() == original and str(backup) in out.replace("\n", "")
    applied = reviewed_md.line.read_text(encoding="utf-8")
    assert normalise(applied, reviewed_md.run_id) == EXPECTED.read_text(encoding="utf-8")
    # The file no longer has the run's hash, but its changelog names the run: nothing to do, no conflict.
    assert _apply(reviewed_md) == 0
    assert "already applied" in capsys.readouterr().out
    assert reviewed_md.line.read_text(encoding="utf-8") == applied


def test_changed_line_file_is_a_conflict_unless_forced(reviewed_md: Demo, capsys):
    edited = reviewed_md.line.read_text(encoding="utf-8").replace("You are a labor economics", "You are a labour economics")
    reviewed_md.line.write_text(edited, encoding="utf-8")
    capsys.readouterr()
    assert _apply(reviewed_md) == 5
    err = capsys.readouterr().err
    assert str(reviewed_md.line) in err.replace("\n", "") and "--force" in err and reviewed_md.run_id in err
    assert reviewed_md.line.read_text(encoding="utf-8") == edited
    assert _apply(reviewed_md, "--force") == 0
    line = load_line(reviewed_md.line).line
    assert line.prompt.role.startswith("You are a labour economics"), "--force applies on top of the user's edit"
    assert line.changelog[-1].run_id == reviewed_md.run_id


def test_changed_plain_text_line_is_a_conflict(reviewed: Demo, capsys):
    reviewed.line.write_text(reviewed.line.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert _apply(reviewed) == 5
    assert not reviewed.line.with_suffix(".md").exists()


def test_crash_during_the_write_leaves_the_original_intact(reviewed_md: Demo, monkeypatch, capsys):
    original = _digest(reviewed_md.line)

    def crash(src, dst):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(os, "replace", crash)
        assert _apply(reviewed_md) == 3, "a full disk is exit 3 (issue 17), not bad input"
    assert "No space left on device" in capsys.readouterr().err
    assert _digest(reviewed_md.line) == original
    assert list(reviewed_md.line.parent.glob(".*.tmp")) == [], "the temporary file is removed"
    assert _apply(reviewed_md) == 0, "after the crash the same apply succeeds"
    assert load_line(reviewed_md.line).line.changelog[-1].run_id == reviewed_md.run_id


def test_interrupt_during_the_write_leaves_the_original_intact(reviewed_md: Demo, monkeypatch):
    original = reviewed_md.line.read_bytes()
    real_fsync = os.fsync

    def interrupted(fd):
        real_fsync(fd)
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    assert _apply(reviewed_md) == 130
    assert reviewed_md.line.read_bytes() == original
    assert list(reviewed_md.line.parent.glob(".*.tmp")) == []


def test_apply_refuses_while_proposals_are_pending(demo: Demo, capsys):
    assert cli(["review", demo.run_id, "--accept", "P1"]) == 0
    capsys.readouterr()
    assert _apply(demo) == 2
    err = capsys.readouterr().err
    assert "P2" in err and f"retest review {demo.run_id}" in err
    assert not demo.line.with_suffix(".md").exists()


def test_nothing_accepted_writes_nothing(demo: Demo, capsys):
    ids = ",".join(f"P{i}" for i in range(1, 16))
    assert cli(["review", demo.run_id, "--reject", ids, "--reason", "not now"]) == 0
    assert _apply(demo) == 0
    assert "nothing to apply" in capsys.readouterr().out
    assert not demo.line.with_suffix(".md").exists()


def test_unrelated_existing_target_is_kept_unless_forced(reviewed: Demo, capsys):
    target = reviewed.line.with_suffix(".md")
    target.write_text("my own notes\n", encoding="utf-8")
    assert _apply(reviewed) == 5
    assert "--out" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "my own notes\n"
    assert _apply(reviewed, "--force") == 0
    (backup,) = (reviewed.home / "backups" / reviewed.run_id).iterdir()
    assert backup.read_text(encoding="utf-8") == "my own notes\n"
    assert load_line(target).line.changelog[-1].run_id == reviewed.run_id


def test_out_writes_elsewhere_and_never_onto_the_plain_text(reviewed: Demo, tmp_path: Path, capsys):
    original = reviewed.line.read_bytes()
    assert _apply(reviewed, "--out", str(reviewed.line)) == 2
    assert "never overwrites" in capsys.readouterr().err
    assert reviewed.line.read_bytes() == original
    other = tmp_path / "elsewhere" / "line.md"
    other.parent.mkdir()
    assert _apply(reviewed, "--out", str(other)) == 0
    assert normalise(other.read_text(encoding="utf-8"), reviewed.run_id) == EXPECTED.read_text(encoding="utf-8")
    assert not reviewed.line.with_suffix(".md").exists()


def test_reviewed_run_is_completed_and_keeps_the_rejection_reason(reviewed: Demo):
    with reviewed.store() as store:
        review = load_review(store, reviewed.run_id)
    decision = review.decisions["P3"]
    assert review.run.status is RunStatus.COMPLETED
    assert (decision.kind, decision.reason, decision.reviewer) == (DecisionKind.REJECT, REJECT_REASON, "tester")
