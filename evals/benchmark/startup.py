"""Start-up of the commands a curator types most: `retest --version`, `retest runs`, `retest review --list`.

Each runs as its own process, as a person runs it, several times; the median
is what a person feels, the maximum shows noise. `review --list` needs a run
waiting for review, so the demo line is replayed into a scratch state
directory first (offline, from its cassette).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
TARGET_S = 0.5
REPEATS = 7
COMMANDS = (["--version"], ["runs"], ["review", "--list"])


def _retest() -> str:
    return str(Path(sys.executable).parent / "retest")


def measure_startups(home: Path, repeats: int = REPEATS) -> dict[str, Any]:
    """Median and maximum wall time per command, in seconds."""
    env = {**os.environ, "RETEST_HOME": str(home)}
    demo = ["run", "examples/bargaining-power.txt", "--replay", "cassettes/demo/bargaining-power.yaml"]
    seeded = subprocess.run([_retest(), *demo], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    if seeded.returncode != 0:
        raise SystemExit(f"start-up benchmark: replaying the demo failed:\n{seeded.stderr[-2000:]}")
    results: dict[str, Any] = {}
    for argv in COMMANDS:
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            done = subprocess.run([_retest(), *argv], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
            times.append(time.perf_counter() - started)
            if done.returncode != 0:
                raise SystemExit(f"start-up benchmark: retest {' '.join(argv)} exited {done.returncode}:\n{done.stderr[-2000:]}")
        results["retest " + " ".join(argv)] = {"median_s": statistics.median(times), "max_s": max(times), "runs": repeats}
    return results
