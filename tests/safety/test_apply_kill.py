"""A killed `apply` leaves no temporary file with the new text beside the line (issue 17 point 7, review D13).

The kill is real: a child process runs `retest apply` with `os.fsync` or
`os.replace` wrapped so that it dies by `os._exit` at that point (no `finally`,
no cleanup: what SIGKILL leaves). The line's folder must then hold the old
line and nothing else; the next apply removes what the dead one left in the
state directory and writes the line once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent.cli import run as cli
from agent.line import load_line, render_markdown
from agent.review._writing import remove_leftovers, write_line_file
from agent.runs import list_runs
from agent.store import Store
from tests.safety.conftest import CASSETTE, LINE, REPO

_KILLED_APPLY = """
import os, sys
from agent.cli import run
point, when = sys.argv[1].split(":")
real = getattr(os, point)
def dying(*args, **kwargs):
    if when == "after":
        real(*args, **kwargs)
    os._exit(9)
setattr(os, point, dying)
sys.exit(run(["apply", sys.argv[2]]))
"""


@pytest.fixture
def reviewed_md(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, str]:
    """(state dir, Markdown line, run ID) of the demo run, reviewed with --accept-grounded."""
    home, line = tmp_path / "state", tmp_path / "lines" / "bargaining-power.md"
    line.parent.mkdir()
    line.write_text(render_markdown(load_line(LINE).line), encoding="utf-8")
    monkeypatch.setenv("RETEST_HOME", str(home))
    assert cli(["run", str(line), "--replay", str(CASSETTE)]) == 0
    (run,) = list_runs(Store.open(home / "retest.db"))
    assert cli(["review", run.id, "--accept-grounded"]) == 0
    return home, line, run.id


@pytest.mark.parametrize("kill_at", ["fsync:before", "fsync:after", "replace:before"])
def test_a_killed_apply_leaves_only_the_old_line_beside_it(reviewed_md, kill_at) -> None:
    home, line, run_id = reviewed_md
    old = line.read_bytes()
    env = {**os.environ, "RETEST_HOME": str(home)}
    killed = subprocess.run([sys.executable, "-c", _KILLED_APPLY, kill_at, run_id], cwd=REPO, env=env, capture_output=True, timeout=120)
    assert killed.returncode == 9, killed.stderr
    assert sorted(p.name for p in line.parent.iterdir()) == [line.name], "nothing beside the line but the line"
    assert line.read_bytes() == old
    left = list((home / "tmp").glob("*.tmp"))
    assert left, "the new text was written in the state directory, so the kill left it there"
    assert cli(["apply", run_id]) == 0, "the next apply works"
    assert load_line(line).line.changelog[-1].run_id == run_id
    assert not any(p.exists() for p in left), "and removed what the killed one left"
    assert sorted(p.name for p in line.parent.iterdir()) == [line.name]


def test_without_room_in_the_state_directory_the_temporary_file_goes_beside_and_is_cleaned_next_time(tmp_path, monkeypatch) -> None:
    # Another file system (simulated): the rename cannot come from the state directory, so the file is written beside.
    target, work = tmp_path / "line.md", tmp_path / "state" / "tmp"
    target.write_text("old\n", encoding="utf-8")
    monkeypatch.setattr("agent.review._writing._same_file_system", lambda work_dir, directory: False)
    dead = _dead_pid()
    leftover = target.with_name(f".line.md.retest-{dead}-0123abcd.tmp")
    leftover.write_text("new text of a killed apply\n", encoding="utf-8")
    old_style = target.with_name(".line.md.89abcdef.tmp")  # what write_text_atomic leaves (Retest before this change)
    old_style.write_text("older leftover\n", encoding="utf-8")
    an_hour_ago = time.time() - 3600
    os.utime(old_style, (an_hour_ago, an_hour_ago))
    other_target = target.with_name(f".notes.md.retest-{dead}-0123abcd.tmp")
    other_target.write_text("another file's\n", encoding="utf-8")
    write_line_file(target, "new\n", work)
    assert target.read_text(encoding="utf-8") == "new\n"
    assert not leftover.exists() and not old_style.exists()
    assert other_target.exists(), "beside the line, only this line's leftovers are touched"


def test_a_live_applys_temporary_file_is_left_alone(tmp_path) -> None:
    work = tmp_path / "tmp"
    work.mkdir()
    mine = work / f".line.md.retest-{os.getpid()}-0123abcd.tmp"
    alive = work / f".line.md.retest-{os.getppid()}-0123abcd.tmp"
    for p in (mine, alive):
        p.write_text("in progress\n", encoding="utf-8")
    assert remove_leftovers(tmp_path / "line.md", work) == []


def _dead_pid() -> int:
    """The PID of a process that has ended."""
    child = subprocess.Popen([shutil.which("true") or "true"])
    child.wait()
    return child.pid
