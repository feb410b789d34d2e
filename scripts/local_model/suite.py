"""Write the eval suite that replays the real-local cassettes, from the manifest the recording wrote.

    .venv/bin/python scripts/local_model/suite.py [MANIFEST] [SUITE]

Defaults: cassettes/real-local/manifest.json -> evals/suites/real-local_v1.yaml.
Each recorded line becomes a case replaying its cassette with the models and the
arXiv stand-in address the recording used (`replay_env`; nothing listens there in
replay, vcrpy answers) and only structural expectations (`guarantees: true`): the
answers are a 135M model's, so no stance, verdict, paper or proposal count is
expected of them. `make local-model` runs this after recording;
tests/real_local/test_real_local_suite.py fails when the committed suite differs
from what this writes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

from agent.line.read import write_text_atomic

REPO = Path(__file__).resolve().parents[2]
MANIFEST = REPO / "cassettes" / "real-local" / "manifest.json"
SUITE = REPO / "evals" / "suites" / "real-local_v1.yaml"
_ROLES = ("planner", "screener", "judge", "writer")
# replay_env variable -> setting; every other variable there is a role's model.
_SETTINGS = {
    "RETEST_ARXIV_API_URL": ("arxiv_api_url", str),
    "RETEST_ARXIV_SPACING_S": ("arxiv_spacing_s", float),
    "RETEST_MAX_CONCURRENT_CALLS": ("max_concurrent_calls", int),
    "RETEST_PLANNING": ("planning", str),  # claim: these were recorded planning claim by claim (before plan_claims)
}

HEADER = """\
# yaml-language-server: $schema=suite.schema.json
# WRITTEN by scripts/local_model/suite.py from cassettes/real-local/manifest.json; do not edit.
# The cassettes were RECORDED from a real model server (SmolLM2-135M-Instruct on llama.cpp's
# llama-server, cassettes/README.md): a weak model's answers, so every case expects structure
# only (guarantees: true) and never a stance, a verdict or a paper. Not for --live: re-record
# with `make local-model`, which needs the local server.
#
#   retest eval evals/suites/real-local_v1.yaml
"""


def case_for(name: str, entry: dict[str, Any], run_date: str) -> dict[str, Any]:
    """One case: the recorded line replayed as it was recorded, structural gates only."""
    env: dict[str, str] = entry["replay_env"]
    models = {role: env[f"RETEST_{role.upper()}"] for role in _ROLES}
    settings = {setting: kind(env[variable]) for variable, (setting, kind) in _SETTINGS.items() if variable in env}
    run = entry.get("run") or {}
    return {
        "name": name,
        "description": f"{entry['line']} against SmolLM2-135M on llama-server, recorded: {run.get('status', 'no run')}, exit {entry['exit_code']}.",
        "line": entry["line"],
        "cassette": entry["cassette"],
        "live": False,
        "options": {"models": models, "run_date": run_date, "settings": settings},
        "expect": {"guarantees": True},
    }


def suite_text(manifest: dict[str, Any]) -> str:
    """The suite file for `manifest`, as written."""
    suite = {
        "name": "real-local",
        "version": 1,
        "description": "The real-local recordings replayed with structural expectations only: Retest's guarantees on a weak real model's answers.",
        "base_dir": "../..",
        "cases": [case_for(name, manifest["lines"][name], manifest["run_date"]) for name in sorted(manifest["lines"])],
    }
    return HEADER + yaml.safe_dump(suite, sort_keys=False, allow_unicode=True, width=200)


def main(argv: list[str]) -> int:
    manifest_path = Path(argv[0]) if argv else MANIFEST
    suite_path = Path(argv[1]) if len(argv) > 1 else SUITE
    write_text_atomic(suite_path, suite_text(json.loads(manifest_path.read_text(encoding="utf-8"))))
    print(suite_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
