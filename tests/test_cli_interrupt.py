"""Ctrl-C while `retest` is still loading its commands ends with one word and exit 130, not a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Ctrl-C arrives, deterministically, as the run command's module is imported.
SCRIPT = """
import sys

class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "agent.cli.run_cmd":
            raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, CtrlC())
from agent.cli import main
main()
"""


def test_ctrl_c_while_loading_the_commands() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT, "runs"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 130, done.stderr
    assert done.stderr == "interrupted\n" and done.stdout == ""
