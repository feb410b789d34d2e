"""Benchmark Retest against its rate-limit floor: `make bench`, or `.venv/bin/python evals/bench.py [--scale 0.1]`.

See evals/benchmark/main.py for what it measures and how.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script (the Makefile's way), so the repository root is not on sys.path yet.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evals.benchmark.main import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
