"""Commands that only read or print start without LangGraph, the SDKs or vcrpy (the timings are in `make bench`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("langgraph", "langchain_core", "openai", "anthropic", "vcr", "arxiv", "tantivy")
PROBE = f"import sys; from agent.cli import run; code = run(sys.argv[1:]); print('HEAVY', sorted(m for m in {HEAVY!r} if m in sys.modules)); sys.exit(code)"


@pytest.mark.parametrize("argv", [["--version"], ["runs"], ["runs", "--json"], ["--help"]])
def test_light_commands_load_no_heavy_package(argv: list[str], tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, env={**os.environ, "RETEST_HOME": str(tmp_path)}, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("HEAVY []"), done.stdout[-300:]
