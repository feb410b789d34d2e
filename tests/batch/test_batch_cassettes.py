"""The committed batch cassettes are what their script writes, and hold no key."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.authoring.build_batch_cassettes import PLACEHOLDER_KEYS, TARGET, build


def test_the_committed_batch_cassettes_are_current_and_keyless(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A real-looking key in the environment must neither be used nor reach a file.
    monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-REALKEY0123456789")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-api03-REALKEY0123456789")
    statuses = build(tmp_path)
    assert sorted(status for status, _ in statuses.values()) == ["awaiting_review", "awaiting_review"]
    names = sorted(p.name for p in TARGET.iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir()) == ["ai-software-testing.yaml", "bargaining-power.yaml", "batches.yaml"]
    for name in names:
        written = (tmp_path / name).read_text(encoding="utf-8")
        assert written == (TARGET / name).read_text(encoding="utf-8"), (
            f"cassettes/batch/{name} is stale: run .venv/bin/python -m evals.authoring.build_batch_cassettes"
        )
        for secret in ("REALKEY", *PLACEHOLDER_KEYS.values()):
            assert secret not in written
    import os

    assert os.environ["OPENAI_API_KEY"] == "sk-proj-REALKEY0123456789", "the build puts the environment back"
