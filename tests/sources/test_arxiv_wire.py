"""The cassette generator against arXiv's real wire format (evals/data/wire/*.json)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import arxiv
import pytest
from arxiv import _feed
from lxml import etree

from agent.sources.query import request_url
from evals.authoring import arxiv_wire as w

from . import build_cassettes

WIRE = Path(__file__).resolve().parents[2] / "evals" / "data" / "wire"


def _wire(name: str) -> dict:
    return json.loads((WIRE / name).read_text(encoding="utf-8"))


def _updated(body: str) -> str:
    return body.split("<updated>", 1)[1].split("</updated>", 1)[0]


@pytest.mark.parametrize(
    ("name", "search"),
    [
        ("id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.json", arxiv.Search(id_list=["0808.05394", "1707.08567"])),
        ("id_2104.12255v1_s0_m100_6ae69987ffe1.json", arxiv.Search(id_list=["2104.12255v1"])),
        ("q_testing_s0_m10_bc5a6c384fe9.json", arxiv.Search(query="testing", max_results=10)),
    ],
)
def test_request_urls_are_the_ones_the_real_client_sent(name: str, search: arxiv.Search) -> None:
    assert request_url(search, search.max_results) == _wire(name)["url"]


def test_error_feed_is_byte_identical_to_arxivs_real_400() -> None:
    real = _wire("id_abc_s0_m100_b79c8dcf6bc3.json")
    assert real["status_code"] == 400
    assert w.error_feed_xml("abc", served_at=_updated(real["body"])) == real["body"]


def test_empty_feed_matches_arxivs_real_zero_results_answer() -> None:
    real = _wire("id_0000.0000_s0_m100_8b51d9633a68.json")["body"]
    ours = w.feed_xml([], id_list=["0000.0000"], max_results=100, served_at=_updated(real))
    # Only the feed's opaque hash differs: arXiv's is not derivable.
    drop_id = lambda text: [line for line in text.splitlines() if not line.startswith("  <id>")]  # noqa: E731
    assert drop_id(ours) == drop_id(real)


def test_an_entry_is_byte_identical_to_a_real_one() -> None:
    real = _wire("id_2104.12255v1_s0_m100_6ae69987ffe1.json")["body"]
    real_entry = real[real.index("  <entry>") : real.index("</feed>")]
    summary = real_entry.split("<summary>", 1)[1].split("</summary>", 1)[0]
    stamp = dt.datetime(2021, 4, 20, 16, 7, 14)
    item = w.WireEntry(
        arxiv_id="2104.12255",
        version=1,
        title="0",
        summary=summary,
        published=stamp,
        updated=stamp,
        authors=("Quan Thoi Minh Nguyen",),
        primary_category="cs.CR",
        categories=("cs.CR",),
    )
    assert w.entry_xml(item) == real_entry


def test_feed_head_matches_the_real_layout() -> None:
    real = _wire("id_2104.12255v1_s0_m100_6ae69987ffe1.json")["body"]
    ours = w.feed_xml([w.entry("2501.16946")], id_list=["2104.12255v1"], max_results=100)

    def tags(text: str) -> list[str]:
        return [child.tag for child in etree.fromstring(text.encode())]

    assert ours.splitlines()[:2] == real.splitlines()[:2]
    assert tags(ours) == tags(real)
    # The echoed query (<title>) and the <link> are rebuilt as arXiv writes them.
    assert ours.splitlines()[3] == real.splitlines()[3]
    assert ours.splitlines()[5] == real.splitlines()[5]


def test_every_catalogued_paper_becomes_a_parseable_entry_with_an_abstract() -> None:
    ids = list(w.catalog())
    feed = _feed.parse(w.feed_xml([w.entry(i) for i in ids], id_list=ids, max_results=len(ids)).encode())
    assert not feed.malformed
    assert [result.get_short_id() for result in feed.results] == [f"{i}v1" for i in ids]
    for result in feed.results:
        paper = w.catalog()[result.get_short_id()[:-2]]
        assert result.title == paper["title"]
        assert [a.name for a in result.authors] == paper["authors"]
        assert result.primary_category == paper["primary_category"]
        assert result.summary.strip()


def test_the_anchor_without_a_day_uses_the_first_of_its_month() -> None:
    assert w.entry("2306.14694").published == dt.date(2023, 6, 1)


def test_cassette_text_loads_back_in_vcrpy_and_retest_serializers() -> None:
    from vcr.serializers import yamlserializer

    from agent.recording import serializer

    interactions = [w.error_400_interaction(["abc"], "abc"), w.lookup_interaction(["2501.16946"], ["2501.16946"])]
    text = w.cassette_text(interactions)
    assert yamlserializer.deserialize(text)["interactions"] == interactions
    loaded = serializer.deserialize(text)["interactions"]
    assert [item["response"]["body"]["string"] for item in loaded] == [i["response"]["body"]["string"] for i in interactions]


@pytest.mark.parametrize("name", sorted(build_cassettes.cassettes()))
def test_committed_cassettes_are_what_the_generator_writes(name: str) -> None:
    committed = (build_cassettes.CASSETTE_DIR / name).read_text(encoding="utf-8")
    assert committed == w.cassette_text(build_cassettes.cassettes()[name]), f"{name} is stale: run .venv/bin/python tests/sources/build_cassettes.py"
