"""Write the LLM cassettes under cassettes/tests/llm/ from the hand-written answers in scenarios.py.

Run from anywhere:  .venv/bin/python tests/llm/make_cassettes.py

Nothing here talks to a model. Each scenario's call runs through the real client
(agent.llm, real SDK) with an `httpx2.MockTransport` whose handler returns the
scenario's answers, inside a vcrpy cassette in record mode. vcrpy patches
MockTransport too, so the cassette holds exactly the request bodies the SDK sent
and the answers the handler gave, in agent.recording's readable format, with
request headers cut to agent.recording's allow-list (no auth header ever).
test_llm_cassettes.py fails when a committed cassette differs from what this
script writes: edit scenarios.py, never the YAML.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

import httpx2  # noqa: E402
import vcr  # noqa: E402

from agent.config import Settings  # noqa: E402
from agent.errors import RetestError  # noqa: E402
from agent.llm import make_client  # noqa: E402
from agent.recording import configure_vcr  # noqa: E402
from agent.recording.scrub import redact_env_secrets, scrub_request  # noqa: E402
from agent.recording.serializer import NAME as SERIALIZER  # noqa: E402
from tests.llm.scenarios import CASSETTE_DIR, SCENARIOS, Scenario, Screening  # noqa: E402

# Response headers worth keeping in a hand-written answer: what the SDKs read.
ANSWER_HEADERS = frozenset({"content-type", "retry-after", "retry-after-ms", "x-should-retry"})


def _keep_answer_headers(response: dict[str, Any]) -> dict[str, Any]:
    response["headers"] = {k: v for k, v in response["headers"].items() if k.lower() in ANSWER_HEADERS}
    return response


def _handler(scenario: Scenario, served: list[int]) -> Any:
    def handle(request: httpx2.Request) -> httpx2.Response:
        if len(served) == len(scenario.answers):
            raise AssertionError(f"{scenario.name}: the client sent more requests than there are answers")
        answer = scenario.answers[len(served)]
        served.append(answer.status)
        return httpx2.Response(answer.status, json=answer.body, headers=answer.headers)

    return handle


@contextmanager
def _no_retry_waits() -> Iterator[None]:
    # The SDKs sleep before a retry (2 s for the recorded Retry-After); writing needs no wait.
    with mock.patch("time.sleep"):
        yield


def write_cassette(scenario: Scenario, out_dir: Path, *, replay: bool = True) -> Path:
    """Run one scenario against its answers and write its cassette into `out_dir`.

    `replay=True` builds the client with the dummy replay key; tests pass False
    to check that a real key from the environment never reaches the file.
    """
    path = out_dir / f"{scenario.name}.yaml"
    path.unlink(missing_ok=True)  # record mode would append to an old file
    recorder = configure_vcr(vcr.VCR())
    served: list[int] = []
    http_client = httpx2.Client(transport=httpx2.MockTransport(_handler(scenario, served)))
    client = make_client(scenario.model_string, settings=Settings(), replay=replay, http_client=http_client, max_retries=scenario.max_retries)
    with (
        _no_retry_waits(),
        recorder.use_cassette(
            str(path),
            serializer=SERIALIZER,
            record_mode="all",
            before_record_request=scrub_request,
            before_record_response=_keep_answer_headers,
            before_save_interaction=redact_env_secrets,
            decode_compressed_response=True,
        ),
    ):
        try:
            client.complete(
                task=scenario.task,
                instructions=scenario.instructions,
                data=scenario.data,
                schema=Screening,
                max_tokens=scenario.max_tokens,
            )
        except RetestError:
            pass  # refusals, truncations and provider failures are what some scenarios record
    if len(served) != len(scenario.answers):
        raise AssertionError(f"{scenario.name}: {len(scenario.answers) - len(served)} answers were never asked for")
    return path


def write_all(out_dir: Path = CASSETTE_DIR) -> list[Path]:
    """Write every scenario's cassette; returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return [write_cassette(scenario, out_dir) for scenario in SCENARIOS.values()]


if __name__ == "__main__":
    for written in write_all():
        print(written.relative_to(REPO))
