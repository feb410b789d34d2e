"""The arXiv client's requests/urllib3 path replays from a cassette too."""

from __future__ import annotations

from datetime import date

import arxiv
import pytest

from agent.errors import CassetteMissError
from agent.recording import call_context, cassette, cassette_miss_from


def _client() -> arxiv.Client:
    # In replay: no politeness delay and no retries, or a miss would be retried.
    return arxiv.Client(page_size=100, delay_seconds=0, num_retries=0)


def test_arxiv_lookups_replay_through_requests(wire):
    expected = wire.PAPERS["2601.19062"]
    client = _client()
    with cassette("replay", wire.HAND_CASSETTES / "arxiv_lookup.yaml") as handle:
        (paper,) = list(client.results(arxiv.Search(id_list=["2601.19062"])))
        with pytest.raises(arxiv.HTTPError) as bad_id:
            list(client.results(arxiv.Search(id_list=["abc"])))
    assert paper.get_short_id() == "2601.19062v1"
    assert paper.title == expected["title"]
    assert [a.name for a in paper.authors] == expected["authors"]
    assert paper.published.date() == date.fromisoformat(expected["published"])
    assert paper.summary == expected["summary"]
    assert paper.primary_category == expected["primary_category"]
    assert bad_id.value.status == 400  # a deterministic 4xx is kept, unlike 429/5xx
    assert handle.play_count == 2 and handle.all_played


def test_an_arxiv_request_not_in_the_cassette_is_a_named_miss(wire):
    with cassette("replay", wire.HAND_CASSETTES / "arxiv_lookup.yaml"):
        with call_context("verify_anchors"), pytest.raises(Exception) as raised:
            list(_client().results(arxiv.Search(id_list=["2501.16946"])))
        miss = cassette_miss_from(raised.value, method="GET", url="https://export.arxiv.org/api/query")
    assert isinstance(miss, CassetteMissError)
    assert "GET export.arxiv.org/api/query?" in str(miss) and "id_list=2501.16946" in str(miss)
    assert "(node verify_anchors)" in str(miss)
    assert "query differs in: id_list" in str(miss)
