"""Write the Semantic Scholar, OpenAlex and Crossref cassettes under cassettes/sources/ from recorded answers.

Run from the repository root:  .venv/bin/python tests/sources/apis/build_cassettes.py
test_cassettes_current.py fails when a committed cassette differs from what this
script writes, so edit here, never the YAML.

Each scenario runs the real client against a `requests` adapter that answers,
in order, with responses copied from real recordings (tests/data/wire, see its
README): status, body and the headers the clients read, as recorded. The
request side is what our client sent, so the cassette replays exactly; where
that differs from the recorded request (other `fields`, another ID), the
cassette README says so. Two answers are written by hand and say so there.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

REPO = Path(__file__).resolve().parents[3]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from agent.errors import RetestError  # noqa: E402
from agent.recording import scrub, serializer  # noqa: E402
from tests.sources.apis import scenarios  # noqa: E402

WIRE = REPO / "tests" / "data" / "wire"
CASSETTES = REPO / "cassettes" / "sources"


def answer(name: str) -> dict[str, Any]:
    """A recorded answer from tests/data/wire (or a hand-written one under hand/)."""
    return json.loads((WIRE / name).read_text(encoding="utf-8"))


class _Replay(BaseAdapter):
    """Answers each request with the next recorded answer and keeps the pairs."""

    def __init__(self, answers: list[dict[str, Any]]) -> None:
        super().__init__()
        self.answers = list(answers)
        self.pairs: list[tuple[requests.PreparedRequest, dict[str, Any]]] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        recorded = self.answers.pop(0)
        self.pairs.append((request, recorded))
        response = requests.Response()
        response.status_code = recorded["status"]
        body = recorded["body"]
        response._content = (body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)).encode("utf-8")
        response.headers = CaseInsensitiveDict(recorded["headers"])
        response.encoding = "utf-8"
        response.request, response.url = request, request.url or ""
        return response

    def close(self) -> None:
        pass


def _interaction(request: requests.PreparedRequest, recorded: dict[str, Any]) -> dict[str, Any]:
    body = request.body
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    headers = {"Content-Type": ["application/json"]} if text else {}
    body_text = recorded["body"] if isinstance(recorded["body"], str) else json.dumps(recorded["body"], ensure_ascii=False)
    return {
        # Scrubbed as a recording would be (no api_key); replay scrubs the live request the same way before matching.
        "request": {"method": request.method, "uri": scrub.scrub_url(request.url or ""), "body": text, "headers": headers},
        "response": {
            "status": {"code": recorded["status"], "message": requests.status_codes._codes.get(recorded["status"], ("",))[0].replace("_", " ").title()},  # type: ignore[attr-defined]
            # Only the headers replay hands back (the scrubber's allow-list); rate and cost headers are tested with fakes.
            "headers": {name: [value] for name, value in sorted(recorded["headers"].items()) if name in scrub.KEEP_RESPONSE_HEADERS},
            "body": {"string": body_text},
        },
    }


def build(name: str, answers: list[str], run: Callable[[requests.Session], object]) -> str:
    """The cassette text for one scenario: `run` drives a client on the given session."""
    adapter = _Replay([answer(a) for a in answers])
    session = requests.Session()
    session.mount("https://", adapter)
    try:
        run(session)
    except RetestError:
        pass  # error scenarios end in the error the tests expect
    if adapter.answers:
        raise SystemExit(f"{name}: {len(adapter.answers)} answers left unused")
    cassette = {"interactions": [_interaction(r, a) for r, a in adapter.pairs], "version": 1}
    return serializer.serialize(cassette)


def expected() -> dict[Path, str]:
    """Every cassette this script writes, by path."""
    return {CASSETTES / f"{name}.yaml": build(name, answers, run) for name, (answers, run) in scenarios.SCENARIOS.items()}


def main() -> None:
    for path, text in expected().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(path.relative_to(REPO))


if __name__ == "__main__":
    main()
