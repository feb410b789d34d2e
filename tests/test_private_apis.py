"""Every private API of a dependency that Retest relies on, touched the way the code touches it.

Nothing here is documented by its package, so any release may move it. When one
does, the test for it fails naming the package, its installed version, what
moved and which Retest module needs it, instead of the failure surfacing deep
inside a run or a cassette replay. Keep one test per private use; when the code
stops using one, delete its test.

| package | private API | used by |
| --- | --- | --- |
| arxiv | `Client._format_url`, `Client.query_url_format` | agent/sources/query.py |
| arxiv | `Client._session` (assigned), `Client._parse_feed` and its `ParsedFeed` | agent/sources/transport.py |
| openai | `openai.lib._pydantic.to_strict_json_schema` | agent/llm/schema.py |
| vcrpy | `vcr.serializers.yamlserializer._CassetteLoader`, `_CassetteDumper` | agent/recording/serializer.py |
| vcrpy | `Request._to_dict`, `Request._from_dict` | agent/recording/scrub.py |
| vcrpy | `Cassette._match_on` with `vcr.matchers.requests_match` | agent/recording/_unanswered.py, responses.py |
| vcrpy | `Cassette._path` (fallback for `path`) | agent/recording/misses.py |
| vcrpy | `vcr.patch.reset_patchers`, called by `force_reset`; its patchers' `getter` | agent/recording/_resets.py |
| vcrpy | `CannotOverwriteExistingCassetteException` as a global of `vcr.stubs` and `vcr.stubs.httpx_stubs` | agent/recording/misses.py |
| vcrpy | the stubs asking `can_play_response_for` before `play_response` | agent/recording/cassette.py, _unanswered.py |
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import inspect
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest
import requests
import yaml
from pydantic import BaseModel


@contextmanager
def relied_on(package: str, what: str, used_by: str) -> Iterator[None]:
    """Turn any failure inside into one message naming the package, its version, what moved and who needs it."""
    try:
        yield
    except Exception as exc:  # whatever moved, the message must say so
        version = importlib.metadata.version(package)
        pytest.fail(f"{package} {version}: {what} moved or changed ({type(exc).__name__}: {exc}); {used_by} relies on it", pytrace=False)


# --- arxiv -------------------------------------------------------------------------------------

_FEED = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <opensearch:totalResults>1</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>
  <entry>
    <id>http://arxiv.org/abs/2507.13524v2</id>
    <updated>2025-08-01T10:00:00Z</updated>
    <published>2025-07-17T10:00:00Z</published>
    <title>Humans learn to prefer trustworthy AI over human partners</title>
    <summary>People came to prefer bots as partners.</summary>
    <author><name>A. Author</name></author>
    <arxiv:primary_category term="cs.HC"/>
    <link href="http://arxiv.org/abs/2507.13524v2" rel="alternate" type="text/html"/>
  </entry>
</feed>"""


class _CannedSession(requests.Session):
    """Answers every request with `status` and `body`, as agent.sources.transport's session overrides `request`."""

    def __init__(self, status: int = 200, body: bytes = _FEED) -> None:
        super().__init__()
        self.status, self.body, self.urls = status, body, []

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.urls.append(str(url))
        response = requests.Response()
        response.status_code, response._content, response.url = self.status, self.body, str(url)
        return response


def test_arxiv_formats_the_request_url_at_a_given_endpoint() -> None:
    with relied_on("arxiv", "Client._format_url(search, start, page_size) and the query_url_format template", "agent/sources/query.py (request_url)"):
        import arxiv

        client = arxiv.Client(page_size=7)
        client.query_url_format = "https://mirror.test/api/query?{}"
        url = client._format_url(arxiv.Search(id_list=["2507.13524"], max_results=1), 0, 7)
        assert url.startswith("https://mirror.test/api/query?"), url
        assert "id_list=2507.13524" in url and "start=0" in url and "max_results=7" in url, url


def test_arxiv_fetches_one_page_through_the_session_it_is_given() -> None:
    with relied_on("arxiv", "Client._session (assigned) and Client._parse_feed(url, first_page=True) -> ParsedFeed", "agent/sources/transport.py"):
        import arxiv

        client = arxiv.Client(delay_seconds=0.0, num_retries=0)
        session = _CannedSession()
        client._session = session
        feed = client._parse_feed("https://export.arxiv.org/api/query?id_list=2507.13524", first_page=True)
        assert session.urls == ["https://export.arxiv.org/api/query?id_list=2507.13524"], "the request went through the assigned session"
        assert feed.malformed is False and feed.error is None
        assert feed.header.items_per_page == 1
        (result,) = feed.results
        assert result.get_short_id() == "2507.13524v2"
        assert (result.title, result.summary, [a.name for a in result.authors]) == (
            "Humans learn to prefer trustworthy AI over human partners",
            "People came to prefer bots as partners.",
            ["A. Author"],
        )
        assert result.published.date() == dt.date(2025, 7, 17) and result.updated.date() == dt.date(2025, 8, 1)
        assert result.primary_category == "cs.HC"


def test_arxiv_reports_an_unreadable_page_and_a_bad_status_as_the_transport_expects() -> None:
    with relied_on(
        "arxiv", "ParsedFeed.malformed/.error for a non-XML body, HTTPError.status for a non-200", "agent/sources/transport.py (_attempt, _translate)"
    ):
        import arxiv

        client = arxiv.Client(delay_seconds=0.0, num_retries=0)
        client._session = _CannedSession(body=b"<html>portal</html>")
        feed = client._parse_feed("https://export.arxiv.org/api/query?x", first_page=True)
        assert feed.header.items_per_page == 0, "a page that is not an arXiv feed states no page size"
        client._session = _CannedSession(body=b"\x00 not xml")
        assert client._parse_feed("https://export.arxiv.org/api/query?x", first_page=True).malformed is True
        client._session = _CannedSession(status=503)
        with pytest.raises(arxiv.HTTPError) as raised:
            client._parse_feed("https://export.arxiv.org/api/query?x", first_page=True)
        assert raised.value.status == 503


# --- openai ------------------------------------------------------------------------------------


class _Answer(BaseModel):
    verdict: str
    note: str | None = None


def test_openai_makes_a_strict_schema() -> None:
    with relied_on("openai", "openai.lib._pydantic.to_strict_json_schema", "agent/llm/schema.py (strict_schema)"):
        from openai.lib._pydantic import to_strict_json_schema

        schema = to_strict_json_schema(_Answer)
        assert schema["additionalProperties"] is False
        assert sorted(schema["required"]) == ["note", "verdict"], "strict mode requires every property, optional ones too"


# --- vcrpy -------------------------------------------------------------------------------------


def test_vcrpy_cassette_loader_and_dumper_can_be_subclassed() -> None:
    with relied_on("vcrpy", "vcr.serializers.yamlserializer._CassetteLoader/_CassetteDumper (YAML loader and dumper classes)", "agent/recording/serializer.py"):
        from vcr.serializers.yamlserializer import _CassetteDumper, _CassetteLoader

        class Loader(_CassetteLoader):
            pass

        class Dumper(_CassetteDumper):
            pass

        Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))
        Dumper.add_representer(str, lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))
        text = yaml.dump({"published": "2025-01-28", "body": "a\nb"}, Dumper=Dumper)
        assert yaml.load(text, Loader=Loader) == {"published": "2025-01-28", "body": "a\nb"}
        assert yaml.load("published: 2025-01-28", Loader=Loader) == {"published": "2025-01-28"}


def test_vcrpy_request_round_trips_through_its_dict() -> None:
    with relied_on("vcrpy", "Request._to_dict() and Request._from_dict(dict), with vcr.filters.replace_text", "agent/recording/scrub.py (redact_env_secrets)"):
        from vcr.filters import replace_text
        from vcr.request import Request

        request = Request("POST", "https://api.test/v1?key=sk-secret", b'{"k": "sk-secret"}', {"x-echo": "sk-secret"})
        scrubbed = Request._from_dict(replace_text(request._to_dict(), "sk-secret", "<KEY>"))
        assert scrubbed.uri == "https://api.test/v1?key=<KEY>"
        assert scrubbed.body == b'{"k": "<KEY>"}' and scrubbed.headers["x-echo"] == "<KEY>"
        assert scrubbed.method == "POST"


def test_vcrpy_cassette_keeps_its_matchers_and_path() -> None:
    with relied_on("vcrpy", "Cassette._match_on (for vcr.matchers.requests_match) and Cassette._path", "agent/recording/_unanswered.py and misses.py"):
        from vcr.cassette import Cassette
        from vcr.matchers import method, requests_match, uri
        from vcr.request import Request

        cassette = Cassette("cassettes/x.yaml", match_on=(method, uri))
        same, other = Request("GET", "https://a.test/x", None, {}), Request("GET", "https://a.test/y", None, {})
        assert requests_match(same, Request("GET", "https://a.test/x", None, {}), cassette._match_on)
        assert not requests_match(same, other, cassette._match_on)
        assert cassette._path == "cassettes/x.yaml"


def test_vcrpy_force_reset_takes_its_patchers_from_the_module_function() -> None:
    with relied_on("vcrpy", "vcr.patch.reset_patchers (looked up by force_reset at call time) and its patchers' getter", "agent/recording/_resets.py"):
        import vcr.patch

        real = list(vcr.patch.reset_patchers())
        packages = {(getattr(p.getter(), "__module__", None) or "").split(".")[0] for p in real}
        assert "httpx2" in packages, f"force_reset no longer puts back httpx2's transports ({sorted(packages)})"
        seen: list[str] = []

        def only_marker() -> Iterator[Any]:
            seen.append("called")
            yield from ()

        with mock.patch.object(vcr.patch, "reset_patchers", only_marker), vcr.patch.force_reset():
            pass
        assert seen == ["called"], "force_reset did not call the patched vcr.patch.reset_patchers"


@pytest.mark.parametrize("module_name", ["vcr.stubs", "vcr.stubs.httpx_stubs"])
def test_vcrpy_stubs_raise_their_miss_by_a_module_global_name(module_name: str) -> None:
    with relied_on(
        "vcrpy", f"{module_name} raising CannotOverwriteExistingCassetteException by its module-global name", "agent/recording/misses.py (stub_patches)"
    ):
        from vcr.errors import CannotOverwriteExistingCassetteException

        module = importlib.import_module(module_name)
        assert isinstance(module, types.ModuleType)
        assert getattr(module, CannotOverwriteExistingCassetteException.__name__) is CannotOverwriteExistingCassetteException
        assert f"raise {CannotOverwriteExistingCassetteException.__name__}(" in inspect.getsource(module)


def test_vcrpy_miss_exception_carries_what_misses_reads() -> None:
    with relied_on(
        "vcrpy",
        "CannotOverwriteExistingCassetteException(cassette=, failed_request=) and its cassette/failed_request/similar_requests/reason",
        "agent/recording/misses.py",
    ):
        from vcr.cassette import Cassette
        from vcr.errors import CannotOverwriteExistingCassetteException
        from vcr.request import Request

        cassette = Cassette("cassettes/x.yaml")
        failed = Request("GET", "https://a.test/x", None, {})
        miss = CannotOverwriteExistingCassetteException(cassette=cassette, failed_request=failed)
        assert miss.cassette is cassette and miss.failed_request is failed
        assert isinstance(miss.similar_requests, list) and isinstance(miss.reason, str)


def test_vcrpy_stubs_ask_before_they_play() -> None:
    with relied_on("vcrpy", "the httpx and http.client stubs calling cassette.can_play_response_for before cassette.play_response", "agent/recording"):
        import vcr.stubs
        import vcr.stubs.httpx_stubs

        for module in (vcr.stubs, vcr.stubs.httpx_stubs):
            source = inspect.getsource(module)
            assert source.index(".can_play_response_for(") < source.index(".play_response("), module.__name__
