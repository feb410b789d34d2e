"""The arXiv transport knows a cassette miss by its type alone, wherever the HTTP library put it."""

from __future__ import annotations

import arxiv
import pytest
import requests

from agent.errors import CassetteMissError, ExitCode
from agent.sources.ratelimit import RateLimiter
from agent.sources.transport import ArxivTransport

MISS = "cassette miss: GET export.arxiv.org/api/query?id_list=2501.16946 (node verify_anchors) is not in cassette run.yaml"


def _loops(exc: BaseException, path: tuple[BaseException, ...] = ()) -> bool:
    if any(exc is seen for seen in path):
        return True
    return any(_loops(link, (*path, exc)) for link in (exc.__cause__, exc.__context__) if link is not None)


def _miss_wrapped_in_a_connection_error(url: str, **kwargs) -> None:
    try:
        raise CassetteMissError(MISS, hint="Re-record with --record CASSETTE.")
    except CassetteMissError as miss:
        # A connection error would be retried: only the miss inside it says not to.
        raise requests.ConnectionError("connection aborted") from miss


@pytest.mark.parametrize("wrapped", [True, False])
def test_a_miss_fails_at_once_naming_what_was_asked(wrapped: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    transport = ArxivTransport(RateLimiter(0.0, sleep=waits.append), retry_wait=1.0)

    def bare_miss(url: str, **kwargs) -> None:
        raise CassetteMissError(MISS, hint="Re-record with --record CASSETTE.")

    monkeypatch.setattr(transport._session, "get", _miss_wrapped_in_a_connection_error if wrapped else bare_miss)
    with pytest.raises(CassetteMissError) as raised:
        transport.fetch(arxiv.Search(id_list=["2501.16946"]), page_size=1, what="lookup of 2501.16946")

    assert raised.value.message == f"{MISS} (arXiv lookup of 2501.16946)"
    assert raised.value.hint == "Re-record with --record CASSETTE."
    assert raised.value.exit_code == ExitCode.CASSETTE_MISS
    assert transport.requests_sent == 1 and waits == []
    assert not _loops(raised.value)
