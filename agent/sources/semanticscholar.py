"""Semantic Scholar Graph API: lookups by arXiv ID, DOI or paperId, batches, forward citations, search, title match.

A thin client of our own, not the `semanticscholar` package (0.12.0, read
before deciding): the package sends every request through a fresh
`httpx.AsyncClient` driven by `asyncio.get_event_loop().run_until_complete`
(at odds with a LangGraph run that already has a loop, and with the
`requests`-level cassettes the arXiv source replays through); it retries only
429, with tenacity's fixed 5-60 s exponential wait over ten attempts that no
caller can bound or turn off for replay; it logs the request headers, the
`x-api-key` included, at DEBUG; and it turns a 200 holding `{"error": ...}`
into an empty dict. What we need is six endpoints whose recorded shapes
(tests/data/wire/semanticscholar) are small, so owning them costs less than
wrapping those choices, and adds no dependency.

Shapes this client relies on (all seen on the wire): a batch answers a JSON
array in request order with `null` for an unknown ID; pages carry `offset`
and `next`, and the last page has no `next`; an empty search has no `data`
key at all; a failed title match is a 404 `{"error": "Title match not
found"}`; an unknown paper is a 404; a bad key is a 403 `{"message":
"Forbidden"}`; a 429 carries no Retry-After (webapi backs off by itself).

The key (SEMANTIC_SCHOLAR_API_KEY) goes in the `x-api-key` header only; the
cassette scrubber keeps request headers by allow-list, so it is never recorded.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from typing import Any

import requests

from agent.errors import ConfigError, InputError, ProviderError
from agent.sources.identity import PaperRef
from agent.sources.models import TitleMatch
from agent.sources.protocol import SourceName, Work
from agent.sources.titles import compare_titles
from agent.sources.transport import user_agent
from agent.sources.webapi import ApiResponse, JsonApi, Spacer, message_of

API_URL = "https://api.semanticscholar.org/graph/v1"
KEY_ENV = "SEMANTIC_SCHOLAR_API_KEY"
KEY_HEADER = "x-api-key"
FIELDS = "paperId,externalIds,title,abstract,year,publicationDate,venue,authors,url"
PAGE = 100  # the citations and search endpoints' largest page
BATCH = 500  # /paper/batch takes at most 500 IDs
SPACING_S = 1.0  # a key's rate: 1 request per second; the shared pool without one is no faster


def paper_id(ref: PaperRef) -> str:
    """How the Graph API names a paper: its paperId, else `ARXIV:<id>`, else `DOI:<doi>`."""
    if ref.s2_id:
        return ref.s2_id
    if ref.arxiv_id:
        return f"ARXIV:{ref.arxiv_id}"
    if ref.doi:
        return f"DOI:{ref.doi}"
    raise InputError(f"Semantic Scholar cannot look up {ref.key}: it needs an arXiv ID, a DOI or a paperId")


def to_work(item: dict[str, Any]) -> Work | None:
    """A Graph API paper object as a Work; None for an entry without a paperId (S2 sends those for unmatched citations)."""
    if not isinstance(item, dict) or not item.get("paperId"):
        return None
    ids = item.get("externalIds") or {}
    ref = PaperRef.model_validate({"s2_id": item["paperId"], **_known_ids(ids)})
    published = item.get("publicationDate")
    return Work(
        ref=ref,
        source="semanticscholar",
        title=item.get("title"),
        abstract=item.get("abstract"),
        authors=[a["name"] for a in item.get("authors") or [] if isinstance(a, dict) and a.get("name")],
        published=dt.date.fromisoformat(published) if published else None,
        year=item.get("year"),
        venue=item.get("venue") or None,
        url=item.get("url"),
    )


def _known_ids(ids: dict[str, Any]) -> dict[str, str]:
    # A malformed external ID (S2 has a few) must not lose the paper: drop the ID, keep the work.
    found: dict[str, str] = {}
    for key, field in (("ArXiv", "arxiv_id"), ("DOI", "doi")):
        value = ids.get(key)
        if isinstance(value, str):
            try:
                PaperRef.model_validate({field: value})
            except ValueError:
                continue
            found[field] = value
    return found


def date_filter(since: dt.date | None, until: dt.date | None) -> str | None:
    """The `publicationDateOrYear` value for a window: '2024-01-01:2024-12-31', '2024-01-01:', ':2024-12-31', or None."""
    if since is None and until is None:
        return None
    return f"{since.isoformat() if since else ''}:{until.isoformat() if until else ''}"


class SemanticScholar:
    """The Semantic Scholar source (see the module docstring)."""

    name: SourceName = "semanticscholar"

    def __init__(
        self,
        api_key: str | None = None,
        *,
        spacer: Spacer | None = None,
        contact: str | None = None,
        retry_wait: float = 2.0,
        max_retries: int = 4,
        session: requests.Session | None = None,
    ) -> None:
        self.keyed = bool(api_key)
        headers = {"User-Agent": user_agent(contact)}
        if api_key:
            headers[KEY_HEADER] = api_key
        self._api = JsonApi(
            "Semantic Scholar",
            API_URL,
            spacer=spacer or Spacer(SPACING_S),
            headers=headers,
            retry_wait=retry_wait,
            max_retries=max_retries,
            session=session,
            hint="Semantic Scholar's shared pool is often busy: set SEMANTIC_SCHOLAR_API_KEY, wait a few minutes, or replay a cassette with --replay.",
        )

    @classmethod
    def from_env(cls, **options: Any) -> SemanticScholar:
        """The source with the key from SEMANTIC_SCHOLAR_API_KEY, when set (the shared pool otherwise)."""
        return cls(os.environ.get(KEY_ENV) or None, **options)

    @property
    def requests_sent(self) -> int:
        return self._api.requests_sent

    def resolve(self, ref: PaperRef) -> Work | None:
        """The paper, or None when Semantic Scholar has none by that identifier (404)."""
        what = f"lookup of {paper_id(ref)}"
        answer = self._api.get(f"/paper/{paper_id(ref)}", {"fields": FIELDS}, what=what)
        if answer.status == 404:
            return None
        return to_work(self._ok(answer, what))

    def resolve_many(self, refs: Sequence[PaperRef]) -> list[Work | None]:
        """One entry per reference, in order; None where Semantic Scholar knows no such paper (its batch answers null)."""
        found: list[Work | None] = []
        for start in range(0, len(refs), BATCH):
            ids = [paper_id(ref) for ref in refs[start : start + BATCH]]
            what = f"batch lookup of {len(ids)} papers"
            body = self._ok(self._api.post("/paper/batch", {"ids": ids}, {"fields": FIELDS}, what=what), what)
            if not isinstance(body, list) or len(body) != len(ids):
                raise ProviderError(f"Semantic Scholar {what} answered {type(body).__name__} for {len(ids)} IDs", hint="Retry; if it persists the API changed.")
            found += [to_work(item) if item is not None else None for item in body]
        return found

    def citing(self, ref: PaperRef, *, since: dt.date | None = None, until: dt.date | None = None, limit: int = 100, max_pages: int = 20) -> list[Work]:
        """Papers citing `ref` published within [since, until] (a year-only date straddling an edge is left out), up to `limit`.

        The citations endpoint has no date filter, so every page is read (up to `max_pages`) and filtered here.
        """
        path, what = f"/paper/{paper_id(ref)}/citations", f"citations of {paper_id(ref)}"
        kept: list[Work] = []
        offset: int | None = 0
        for _ in range(max_pages):
            if offset is None or len(kept) >= limit:
                break
            answer = self._api.get(path, {"fields": FIELDS, "offset": str(offset), "limit": str(PAGE)}, what=what)
            if answer.status == 404:
                return []
            page = self._ok(answer, what)
            for item in page.get("data") or []:
                work = to_work(item.get("citingPaper") or {})
                if work is not None and work.in_window(since, until):
                    kept.append(work)
            offset = page.get("next")
        return kept[:limit]

    def search(self, query: str, *, since: dt.date | None = None, until: dt.date | None = None, limit: int = 25) -> list[Work]:
        """Relevance search within a publication-date window, up to `limit` works."""
        if not query.strip():
            raise InputError("the search query is empty", hint="Give search terms.")
        params = {"query": query.strip(), "fields": FIELDS}
        window = date_filter(since, until)
        if window:
            params["publicationDateOrYear"] = window
        found: list[Work] = []
        offset: int | None = 0
        while offset is not None and len(found) < limit:
            size = min(PAGE, limit - len(found))
            page = self._ok(
                self._api.get("/paper/search", {**params, "offset": str(offset), "limit": str(size)}, what=f"search {query!r}"), f"search {query!r}"
            )
            found += [w for w in (to_work(item) for item in page.get("data") or []) if w is not None]  # no `data` key when nothing matched
            offset = page.get("next")
        return found[:limit]

    def match_title(self, title: str) -> tuple[Work, TitleMatch] | None:
        """Semantic Scholar's single best match for a title and how close its title is; None when it finds none (404)."""
        what = f"title match {title!r}"
        answer = self._api.get("/paper/search/match", {"query": title, "fields": FIELDS}, what=what)
        if answer.status == 404:
            return None
        data = self._ok(answer, what).get("data") or []
        work = to_work(data[0]) if data else None
        if work is None:
            return None
        return work, compare_titles(title, work.title or "")

    def _ok(self, answer: ApiResponse, what: str) -> Any:
        if answer.status == 200:
            return answer.body
        said = message_of(answer)
        if answer.status in (401, 403):
            if self.keyed:
                raise ConfigError(
                    f"Semantic Scholar refused the API key (HTTP {answer.status}: {said})", hint=f"Check {KEY_ENV}, or unset it to use the shared pool."
                )
            raise ProviderError(f"Semantic Scholar refused {what} (HTTP {answer.status}: {said})", hint=f"Set {KEY_ENV} to a key of your own.")
        if answer.status == 400:
            raise ProviderError(f"Semantic Scholar rejected {what}: {said}", hint="This is a bug in Retest's request; report it with the command you ran.")
        if answer.status == 404:
            raise ProviderError(f"Semantic Scholar has no {what}: {said}", hint="Check the identifier.")
        raise ProviderError(f"Semantic Scholar answered HTTP {answer.status} for {what}: {said}", hint="Retry later.")
