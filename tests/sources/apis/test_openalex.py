"""The OpenAlex client against cassettes built from real recorded answers (see cassettes/README.md)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from agent.errors import ConfigError, ProviderError
from agent.sources.identity import PaperRef
from agent.sources.openalex import KEY_ENV, OpenAlex, abstract_of, openalex_source
from agent.sources.protocol import SourceSkipped
from tests.sources.apis import scenarios as sc
from tests.sources.apis.fakes import Capture

CASSETTES = Path(__file__).resolve().parents[3] / "cassettes" / "sources" / "openalex"
WIRE = Path(__file__).resolve().parents[2] / "data" / "wire"


def run(name: str):
    return sc.SCENARIOS[name][1](None)


def test_without_a_key_the_source_is_skipped_and_says_why() -> None:
    skipped = openalex_source({})
    assert isinstance(skipped, SourceSkipped) and skipped.source == "openalex"
    assert KEY_ENV in skipped.reason and skipped.hint
    assert isinstance(openalex_source({KEY_ENV: sc.TEST_OPENALEX_KEY}), OpenAlex)
    with pytest.raises(ConfigError):
        OpenAlex("")


@pytest.mark.vcr
@pytest.mark.default_cassette("openalex/work_by_doi.yaml")
def test_work_by_doi_reads_ids_date_and_is_retracted(vcr) -> None:
    work = run("openalex/work_by_doi")
    assert urlsplit(vcr.requests[0].uri).path == "/works/https://doi.org/10.1007%2Fs40278-023-41815-2"
    assert work.ref.openalex_id == "W4381738344" and work.ref.doi == sc.OA_DOI
    assert work.retracted is False and work.published == dt.date(2023, 6, 23)


def test_the_key_is_sent_as_api_key_but_never_written_to_a_cassette() -> None:
    session = Capture({"status": 404, "headers": {"content-type": "text/html"}, "body": "<!doctype html>"})
    assert sc.openalex(session).resolve(PaperRef(doi=sc.OA_DOI)) is None
    assert parse_qs(urlsplit(session.sent[0].url or "").query)["api_key"] == [sc.TEST_OPENALEX_KEY]
    for path in CASSETTES.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert sc.TEST_OPENALEX_KEY not in text and "api_key" not in text


def _recorded(name: str) -> dict:
    return json.loads((WIRE / name).read_text(encoding="utf-8"))


def test_a_singleton_records_its_cost_headers() -> None:
    # Replay keeps no rate or cost headers (the scrubber drops them as volatile), so the recorded answer is served by a fake.
    source = sc.openalex(Capture(_recorded("openalex/work_by_id_cost_headers.json")))
    work = source.resolve(PaperRef(openalex_id=sc.OA_COST_ID))
    assert work is not None and work.title is None and work.retracted is None  # recorded: null title, null is_retracted
    (cost,) = source.costs
    assert (cost.cost_usd, cost.remaining_usd, cost.limit_usd, cost.credits_used, cost.remaining) == (0.0, 0.9655, 1.0, 0.0, 9655.0)


def test_a_list_call_records_its_cost_headers() -> None:
    source = sc.openalex(Capture(_recorded("openalex/list_cost_headers.json")))
    assert source.citing(sc.OA_CITED, since=sc.OA_SINCE) == []  # the recorded page selected only `ids`: nothing citable
    (cost,) = source.costs
    assert (cost.cost_usd, cost.credits_used, cost.limit_usd) == (0.0001, 1.0, 200.0)


@pytest.mark.vcr
@pytest.mark.default_cassette("openalex/citing_list_cost.yaml")
def test_in_replay_a_list_calls_cost_still_comes_from_meta_cost_usd() -> None:
    works, costs, total = run("openalex/citing_list_cost")
    assert works == [] and costs[0].cost_usd == 0.0001 and costs[0].credits_used is None
    assert total == pytest.approx(0.0001)


@pytest.mark.vcr
@pytest.mark.default_cassette("openalex/bad_key.yaml")
def test_a_refused_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as raised:
        run("openalex/bad_key")
    assert "401" in raised.value.message and "not-a-real-openalex-key" not in raised.value.message


@pytest.mark.vcr
@pytest.mark.default_cassette("openalex/not_found.yaml")
def test_a_404_with_an_html_body_is_no_such_work() -> None:
    assert run("openalex/not_found") is None


@pytest.mark.vcr
@pytest.mark.default_cassette("openalex/bad_filter.yaml")
def test_a_400_says_what_openalex_said() -> None:
    with pytest.raises(ProviderError, match="is not a valid field"):
        run("openalex/bad_filter")


def test_abstract_from_the_inverted_index() -> None:
    assert abstract_of({"world": [1], "hello": [0], "again": [2]}) == "hello world again"
    assert abstract_of(None) is None
