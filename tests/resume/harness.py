"""Kill `retest run` / `retest resume` at random points and count the requests every attempt sent.

The meter is independent of what it measures: each child process counts the
answers vcrpy's cassette gives (`Cassette.play_response`, where a replayed
request is "paid"), appending one line per answer to a file before the answer
reaches the client, so a SIGKILL never hides one. Retest's own request log
(`run_requests`) is compared with it, not trusted instead of it.

`old=True` runs the children as Retest behaved before issue 17 (LangGraph's
asynchronous checkpoints, no saved responses), to measure what the fix changed.
"""

from __future__ import annotations

import collections
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"
CASSETTE = REPO / "cassettes" / "demo" / "bargaining-power.yaml"

CHILD = r"""
import hashlib, os, sys
import vcr.cassette
meter = open(os.environ["RETEST_TEST_METER"], "a", buffering=1)
real_play = vcr.cassette.Cassette.play_response
def play_response(self, request):
    response = real_play(self, request)
    body = request.body or b""
    digest = hashlib.sha256(body if isinstance(body, bytes) else body.encode()).hexdigest()[:16]
    meter.write(f"{os.getpid()}\t{request.method} {request.uri} {digest}\n")  # line-buffered: written before returning
    return response
vcr.cassette.Cassette.play_response = play_response
if os.environ.get("RETEST_TEST_OLD"):
    import agent.recording.responses as responses
    from langgraph.pregel import Pregel
    responses.ResponseLedger.attach = lambda self, cassette, record: None
    real_stream = Pregel.stream
    def stream(self, *args, **kwargs):
        kwargs.pop("durability", None)
        return real_stream(self, *args, **kwargs)
    Pregel.stream = stream
from agent.cli import main
sys.argv = ["retest", *sys.argv[1:]]
main()
"""


@dataclass
class Attempt:
    command: str
    killed: bool
    plays: int
    returncode: int


@dataclass
class KillSeries:
    """What a series of kills and resumes did, over all its attempts."""

    home: Path
    attempts: list[Attempt] = field(default_factory=list)
    plays: collections.Counter[str] = field(default_factory=collections.Counter)

    @property
    def kills(self) -> int:
        return sum(a.killed for a in self.attempts)


def child_env(home: Path, meter: Path, *, old: bool = False) -> dict[str, str]:
    env = {**os.environ, "RETEST_HOME": str(home), "RETEST_TEST_METER": str(meter), "COLUMNS": "120"}
    env.pop("RETEST_TEST_OLD", None)
    if old:
        env["RETEST_TEST_OLD"] = "1"
    return env


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", CHILD, *args], env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def meter_lines(meter: Path) -> list[str]:
    return meter.read_text(encoding="utf-8").splitlines() if meter.exists() else []


def run_id(home: Path) -> str | None:
    db = home / "retest.db"
    if not db.exists():
        return None
    with sqlite3.connect(db) as conn:
        try:
            row = conn.execute("SELECT id, status FROM runs").fetchone()
        except sqlite3.OperationalError:
            return None  # killed before the runs table was made
    return row[0] if row else None


def run_status(home: Path) -> str | None:
    with sqlite3.connect(home / "retest.db") as conn:
        row = conn.execute("SELECT status FROM runs").fetchone()
    return row[0] if row else None


def kill_series(home: Path, *, kills: int, seed: int, old: bool = False, timeout: float = 120.0) -> KillSeries:
    """Start the demo run, SIGKILL it at a random point, resume, kill again... `kills` times, then resume to the end."""
    rng = random.Random(seed)
    meter = home.parent / f"{home.name}.meter"
    env = child_env(home, meter, old=old)
    series = KillSeries(home)
    for number in range(kills + 1):
        rid = run_id(home)
        if rid is not None and run_status(home) == "awaiting_review":
            break
        args = ["resume", rid] if rid else ["run", str(LINE), "--replay", str(CASSETTE)]
        before = len(meter_lines(meter))
        child = start(args, env)
        killed = False
        if number < kills:
            killed = _kill_at_random_point(child, meter, before, rng, timeout)
        child.communicate(timeout=timeout)
        series.attempts.append(Attempt(args[0], killed, len(meter_lines(meter)) - before, child.returncode))
        if not killed and child.returncode != 0:
            raise AssertionError(f"{args[0]} exited {child.returncode} without being killed")
    series.plays.update(line.split("\t", 1)[1] for line in meter_lines(meter))
    return series


def _kill_at_random_point(child: subprocess.Popen[str], meter: Path, before: int, rng: random.Random, timeout: float) -> bool:
    """Kill during set-up (one time in six) or right after the child's k-th answer (k of 1-4), 0-10 ms later."""
    deadline = time.monotonic() + timeout
    if rng.random() < 1 / 6:
        wait_until = time.monotonic() + rng.uniform(0.3, 3.0)
        while time.monotonic() < wait_until and child.poll() is None:
            time.sleep(0.005)
    else:
        target = before + rng.randint(1, 4)
        while len(meter_lines(meter)) < target and child.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError("the child neither answered nor ended")
            time.sleep(0.002)
        time.sleep(rng.uniform(0.0, 0.010))
    if child.poll() is not None:
        return False
    child.send_signal(signal.SIGKILL)
    return True


def reference(home: Path) -> tuple[collections.Counter[str], dict]:
    """One uninterrupted run: the requests it makes and its normalised report."""
    meter = home.parent / f"{home.name}.meter"
    env = child_env(home, meter)
    child = start(["run", str(LINE), "--replay", str(CASSETTE)], env)
    _, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    plays = collections.Counter(line.split("\t", 1)[1] for line in meter_lines(meter))
    return plays, report(home)


def report(home: Path) -> dict:
    """The run's report as `retest report --format json` builds it, without the run block (ID, times and pid differ)."""
    from agent.report import build_report
    from agent.runner import load_state
    from agent.runs import run_usage
    from agent.store import Store

    rid = run_id(home)
    assert rid is not None
    with Store.open(home / "retest.db") as store:
        record, state, waiting = load_state(rid, store)
        data = build_report(record, state, waiting, run_usage(store, rid)).model_dump(mode="json")
    data.pop("run", None)
    return data


def repeats(series: collections.Counter[str], expected: collections.Counter[str]) -> int:
    """Requests answered more often over all attempts than one uninterrupted run asks them."""
    return sum(max(0, count - expected.get(key, 0)) for key, count in series.items())
