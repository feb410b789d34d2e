"""Shared setup for the safety tests (issue 17, points 5 and 7): the demo line, and tmpfs mounts where allowed.

A tmpfs needs root and a kernel that lets the test mount one; CI may not, so the
`tmpfs` fixture skips cleanly when `mount` fails, and every behaviour it checks
is also checked by injected write failures that run everywhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"
CASSETTE = REPO / "cassettes" / "demo" / "bargaining-power.yaml"


def retest(*args: str, home: Path, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """`retest ARGS` in a child process with $RETEST_HOME=home (a remount needs every file of the run closed)."""
    env = {**os.environ, "RETEST_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "agent.cli", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)


def _mount(args: list[str]) -> subprocess.CompletedProcess[str]:
    mount = shutil.which("mount")
    if mount is None:
        pytest.skip("no mount command")
    return subprocess.run([mount, *args], capture_output=True, text=True, timeout=30)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[..., Path]]:
    """mount(size='512k') -> a fresh tmpfs; `remount(point, options)` changes it. Skips when mounting is not allowed."""
    mounted: list[Path] = []

    def mount(size: str) -> Path:
        point = tmp_path / f"tmpfs{len(mounted)}"
        point.mkdir()
        done = _mount(["-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(point)])
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in reversed(mounted):
        subprocess.run(["umount", "-l", str(point)], capture_output=True, timeout=30)


def remount(point: Path, options: str) -> None:
    """`mount -o remount,OPTIONS point`; fails the test if it does not take (the mount itself worked)."""
    done = _mount(["-o", f"remount,{options}", str(point)])
    assert done.returncode == 0, done.stderr
