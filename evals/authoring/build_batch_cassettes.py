"""Build the batch cassettes (`cassettes/batch/`): the example library re-tested with `--batch`, replayable offline.

No batch endpoint is reachable where Retest is built, so the batch requests are
recorded against the stand-in of evals/authoring/batch_service.py (behind
httpx2's MockTransport, recorded by vcrpy exactly as the SDKs sent them): each
batched request is answered with the hand-written answer the line's synchronous
cassette holds for the same request. The lines' arXiv requests are those of
their synchronous cassettes, copied (the model calls left out: a batch run
sends none of its own).

What it does, through the real code: `run_library` runs each line of
`examples/` with `batch=True` from its arXiv cassette until it waits, then
`agent.batches.settle` submits, checks (each batch is in progress at its first
check), collects and resumes until every line waits for review, recording the
batch endpoints' traffic into `cassettes/batch/batches.yaml`.

Usage:
    .venv/bin/python -m evals.authoring.build_batch_cassettes
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2

from agent.batches import BatchClients, batch_traffic, settle
from agent.config import load_settings
from agent.library import run_library
from agent.line.read import write_text_atomic
from agent.llm.keys import REPLAY_KEY
from agent.recording import serializer as cassette_format
from agent.runner import cassette_run_date
from agent.services import RunRequest
from agent.store import Store
from evals.authoring.batch_service import BatchService, answers_from_cassette

REPO = Path(__file__).resolve().parents[2]
TARGET = REPO / "cassettes" / "batch"
# Each example line and the synchronous cassette whose arXiv requests and hand-written answers it replays.
LIBRARY = {
    "bargaining-power": REPO / "cassettes" / "demo" / "bargaining-power.yaml",
    "ai-software-testing": REPO / "cassettes" / "evals" / "ai-software-testing.yaml",
}
# Keys the SDKs need to build a request, never a real one; set for the build whatever the environment holds, so no
# real key is ever sent to the stand-in (and the recording keeps no credential header anyway).
PLACEHOLDER_KEYS = dict.fromkeys(("OPENAI_API_KEY", "ANTHROPIC_API_KEY"), REPLAY_KEY)
_BOUNDARY = re.compile(r"boundary=([0-9a-f]{32})")


def arxiv_only(source: Path) -> str:
    """The cassette's arXiv interactions, as a cassette."""
    data = cassette_format.deserialize(source.read_text(encoding="utf-8"))
    data["interactions"] = [i for i in data["interactions"] if "arxiv.org" in i["request"]["uri"]]
    return cassette_format.serialize(data)


def fixed_boundaries(text: str) -> str:
    """The multipart uploads with httpx2's random boundary replaced by a fixed one, so a rebuild writes the same bytes (matching ignores it)."""
    for boundary in set(_BOUNDARY.findall(text)):
        text = text.replace(boundary, "retest-batch-boundary-0000000000")
    return text


@contextmanager
def _placeholder_keys() -> Iterator[None]:
    """The placeholder keys in the environment for the block, and the environment as it was after."""
    before = {name: os.environ.get(name) for name in PLACEHOLDER_KEYS}
    os.environ.update(PLACEHOLDER_KEYS)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def build(target: Path = TARGET) -> dict[str, Any]:
    """Write the library's batch cassettes into `target`; returns each line's run status and proposals."""
    with _placeholder_keys():
        return _build(target)


def _build(target: Path) -> dict[str, Any]:
    target.mkdir(parents=True, exist_ok=True)
    lines = [REPO / "examples" / f"{name}.txt" for name in LIBRARY]
    for name, source in LIBRARY.items():
        write_text_atomic(target / f"{name}.yaml", arxiv_only(source))
    settings = load_settings()
    run_date = cassette_run_date(target / "bargaining-power.yaml") or dt.date(2026, 11, 29)
    service = BatchService(answers_from_cassette(*LIBRARY.values()), created=dt.datetime.combine(run_date, dt.time(12), tzinfo=dt.UTC))
    clients = BatchClients(settings, "record", http_client=httpx2.Client(transport=httpx2.MockTransport(service)))
    traffic = target / "batches.yaml"
    with tempfile.TemporaryDirectory() as home:
        store = Store.open(Path(home) / "retest.db")

        def request_for(path: Path) -> RunRequest:
            cassette = target / f"{path.stem}.yaml"
            return RunRequest(mode="replay", cassette=cassette, run_date=cassette_run_date(cassette), use_cache=False, settings=settings, batch=True)

        outcome = run_library(lines, request_for, store)
        run_ids = [r.run_id for r in outcome.results if r.run_id]
        with batch_traffic("record", traffic):
            session = settle(store, clients, run_ids, wait=True, poll_s=0)
    write_text_atomic(traffic, fixed_boundaries(traffic.read_text(encoding="utf-8")))
    return {run_id: (str(o.run.status), len(o.proposals)) for run_id, o in session.outcomes.items()}


def main(argv: list[str]) -> int:
    del argv
    for run_id, (status, proposals) in build().items():
        print(f"{run_id}: {status}, {proposals} proposals")
    print(f"wrote {TARGET.relative_to(REPO)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
