"""Review and apply given conflicting flags, empty IDs, a folder as --out, or an unusable $EDITOR."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.cli import run as cli
from agent.errors import InputError
from agent.review.decisions import decision_history
from agent.review.editor import edit_text, editor_command
from tests.review.conftest import Demo


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--list", "--accept", "P1"], "--list only shows what is pending"),
        (["--list", "--accept-grounded"], "--list only shows what is pending"),
        (["--accept", ""], "--accept names no proposal"),
        (["--reject", " , ", "--accept", "P1"], "--reject names no proposal"),
    ],
)
def test_review_flags_that_would_decide_nothing_are_refused(demo: Demo, capsys, args: list[str], message: str):
    assert cli(["review", demo.run_id, *args]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and "Traceback" not in captured.err
    assert captured.out == "", "no listing, no interactive review"
    with demo.store() as store:
        assert decision_history(store, demo.run_id) == []


def test_apply_out_a_folder_is_an_input_error_even_forced(reviewed: Demo, tmp_path: Path, capsys):
    folder = tmp_path / "out"
    folder.mkdir()
    for extra in ([], ["--force"]):
        assert cli(["apply", reviewed.run_id, "--out", str(folder), *extra]) == 2, "a folder is bad input, not a conflict (5)"
        err = capsys.readouterr().err
        assert f"{folder} is a directory, not a line file" in err and f"--out {folder / 'bargaining-power.md'}" in " ".join(err.split())
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize(("value", "problem"), [("   ", "names no command"), ('vim "unclosed', "no closing quotation")])
def test_an_unusable_editor_is_an_input_error(value: str, problem: str):
    with pytest.raises(InputError, match=problem) as caught:
        editor_command({"EDITOR": value})
    assert "$EDITOR" in caught.value.message
    with pytest.raises(InputError, match=problem):
        edit_text("text", [], env={"VISUAL": value})
    assert editor_command({"EDITOR": "code --wait"}) == ["code", "--wait"]
    assert editor_command({}) == ["vi"]


def test_apply_after_the_line_file_moved_says_where_to_put_it_back(reviewed: Demo, capsys):
    reviewed.line.rename(reviewed.line.with_name("moved.txt"))
    assert cli(["apply", reviewed.run_id]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"{reviewed.line}, the line run {reviewed.run_id} read, no longer exists" in err
    assert f"Put the file back at that path, then run `retest apply {reviewed.run_id}` again." in err
    assert not reviewed.line.with_suffix(".md").exists()


def test_export_bibtex_says_why_it_is_empty(demo: Demo, capsys):
    assert cli(["review", demo.run_id, "--reject", ",".join(f"P{i}" for i in range(1, 16))]) == 0
    capsys.readouterr()
    assert cli(["export", demo.run_id, "--bibtex"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "no accepted proposal cites a paper" in captured.err


def test_list_prints_model_text_verbatim(demo: Demo, capsys, monkeypatch):
    import agent.cli.review_cmd as review_cmd
    import agent.review.listing as listing
    from agent.review.review_run import load_review

    with demo.store() as store:
        review = load_review(store, demo.run_id)
    odd = "Keep [inaudible] and a stray [/] as written"
    marked = review.proposals[0].model_copy(update={"after": odd})
    monkeypatch.setattr(listing, "saved_proposals", lambda *_: [marked, *review.proposals[1:]])
    monkeypatch.setattr(review_cmd.out, "width", 250)
    assert cli(["review", demo.run_id, "--list"]) == 0
    captured = capsys.readouterr()
    assert odd in captured.out and "Traceback" not in captured.err
