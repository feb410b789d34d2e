"""Demo runs for the review tests, replayed once per session and copied for each test.

Replaying the demo cassette takes seconds, so each line format is replayed once
into a template directory (and reviewed once more into another); every test
gets its own copy (line file + state directory at $RETEST_HOME), with the run's
recorded line path moved to the copy.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent.cli import run as cli
from agent.line import load_line, render_markdown
from agent.runs import list_runs
from agent.store import Store
from tests.review.support import CASSETTE, LINE, REVIEWER, review_demo_in_process


@dataclass(frozen=True)
class Demo:
    """A replayed demo run waiting for review."""

    home: Path  # the state directory ($RETEST_HOME)
    line: Path  # the line file the run read
    run_id: str

    def store(self) -> Store:
        return Store.open(self.home / "retest.db")


def _replay(root: Path, line: Path) -> Demo:
    home = root / ".retest"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RETEST_HOME", str(home))
        code = cli(["run", str(line), "--replay", str(CASSETTE)])
    assert code == 0, "the demo cassette must replay"
    with Store.open(home / "retest.db") as store:
        (run,) = list_runs(store)
    return Demo(home, line, run.id)


@pytest.fixture(scope="session")
def demo_txt_template(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    root = tmp_path_factory.mktemp("demo-txt")
    line = root / LINE.name
    shutil.copy2(LINE, line)
    return _replay(root, line)


@pytest.fixture(scope="session")
def demo_md_template(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """The demo line as canonical Markdown: the same Line, so the same requests replay."""
    root = tmp_path_factory.mktemp("demo-md")
    line = root / "bargaining-power.md"
    line.write_text(render_markdown(load_line(LINE).line), encoding="utf-8")
    return _replay(root, line)


def _copy(template: Demo, root: Path) -> Demo:
    """The template's line and state directory under `root`, the run pointed at the copied line."""
    home = root / ".retest"
    shutil.copytree(template.home, home)
    line = root / template.line.name
    shutil.copy2(template.line, line)
    with Store.open(home / "retest.db") as store, store.transaction() as conn:
        conn.execute("UPDATE runs SET line_path = ?", (str(line),))
    return Demo(home, line, template.run_id)


def _reviewed(template: Demo, root: Path) -> Demo:
    """A copy reviewed by the demo review script (the pty test's decisions), run completed."""
    demo = _copy(template, root)
    with pytest.MonkeyPatch.context() as mp, demo.store() as store:
        mp.setenv("RETEST_HOME", str(demo.home))
        mp.setenv("RETEST_REVIEWER", REVIEWER)
        review_demo_in_process(store, demo.run_id)
    return demo


@pytest.fixture(scope="session")
def reviewed_txt_template(demo_txt_template: Demo, tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return _reviewed(demo_txt_template, tmp_path_factory.mktemp("reviewed-txt"))


@pytest.fixture(scope="session")
def reviewed_md_template(demo_md_template: Demo, tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return _reviewed(demo_md_template, tmp_path_factory.mktemp("reviewed-md"))


def _private(template: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Demo:
    demo = _copy(template, tmp_path)
    monkeypatch.setenv("RETEST_HOME", str(demo.home))
    monkeypatch.setenv("RETEST_REVIEWER", REVIEWER)
    return demo


@pytest.fixture
def demo(demo_txt_template: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Demo:
    """A private copy of the demo run on the plain-text line, waiting for review."""
    return _private(demo_txt_template, tmp_path, monkeypatch)


@pytest.fixture
def demo_md(demo_md_template: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Demo:
    """A private copy of the demo run on a canonical Markdown line, waiting for review."""
    return _private(demo_md_template, tmp_path, monkeypatch)


@pytest.fixture
def reviewed(reviewed_txt_template: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Demo:
    """A private copy of the demo run on the plain-text line, fully reviewed, not yet applied."""
    return _private(reviewed_txt_template, tmp_path, monkeypatch)


@pytest.fixture
def reviewed_md(reviewed_md_template: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Demo:
    """A private copy of the demo run on a canonical Markdown line, fully reviewed, not yet applied."""
    return _private(reviewed_md_template, tmp_path, monkeypatch)
