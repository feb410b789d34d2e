"""The record path end to end: `retest run --record` against local stand-in services, then `--replay` offline.

The stand-ins (evals/benchmark/serve.py) speak arXiv's Atom and OpenAI's Chat
Completions formats on 127.0.0.1, so the real clients, vcrpy's recording,
scrubbing and the atomic cassette write all run as they would against the
real services; only the hosts differ.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.cli import run as cli
from agent.runner import load_state
from agent.runs import list_runs
from agent.store import Store
from evals.benchmark import serve

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"
SECRET = "sk-compat-SECRET-0123456789abcdefghij"


@pytest.fixture
def standins(monkeypatch):
    arxiv, model = serve.start(0.0, 0.0)
    monkeypatch.setenv("RETEST_ARXIV_API_URL", f"{arxiv.base}/api/query")
    monkeypatch.setenv("RETEST_ARXIV_SPACING_S", "0")
    monkeypatch.setenv("RETEST_COMPAT_API_KEY", SECRET)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    for role in ("PLANNER", "SCREENER", "JUDGE", "WRITER"):
        monkeypatch.setenv(f"RETEST_{role}", f"openai-compatible:{model.base}/v1#llama3.1")
    yield arxiv, model
    for server in (arxiv, model):
        server.shutdown()
        server.server_close()


def _verdicts(store: Store, run_id: str) -> dict[str, str]:
    _, state, _ = load_state(run_id, store)
    return {k: str(r.verdict.verdict) for k, r in state["claim_results"].items()}


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_a_recorded_run_replays_offline_to_the_same_result(standins, tmp_path):
    arxiv, model = standins
    cassette = tmp_path / "recorded.yaml"
    assert cli(["run", str(LINE), "--record", str(cassette), "--run-date", "2026-11-29"]) == 0
    recorded_run = list_runs(Store.open())[0]
    text = cassette.read_text(encoding="utf-8")
    assert SECRET not in text and "authorization" not in text.lower(), "no key reaches the cassette"
    assert text.count("uri: http://127.0.0.1") == len(arxiv.log) + len(model.log), "every call was recorded"
    for server in (arxiv, model):  # nothing to answer from now on
        server.shutdown()
        server.server_close()
    assert cli(["run", str(LINE), "--replay", str(cassette)]) == 0
    replayed_run = list_runs(Store.open())[0]
    assert replayed_run.id != recorded_run.id and replayed_run.mode == "replay"
    assert _verdicts(Store.open(), replayed_run.id) == _verdicts(Store.open(), recorded_run.id)
