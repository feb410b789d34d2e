"""OpenAlex: a work by DOI or ID, the works citing it (`filter=cites:`) from a date, `is_retracted`, and what each call cost.

OpenAlex's documentation says an API key (free) is required since 2026-02-13
and that list calls are metered (singletons free, a list with a filter about
$0.0001). So without OPENALEX_API_KEY the source is not used at all:
`openalex_source()` answers a `SourceSkipped` the report can show, instead of
spending a keyless budget of a cent a day. The key goes in the `api_key` query
parameter, which the cassette scrubber and `agent.redact` drop.

Every answer's cost headers are kept (`costs`): `x-ratelimit-cost-usd`,
`-remaining-usd`, `-limit-usd`, `-credits-used`, `-remaining`, and a list's
`meta.cost_usd`. Shapes seen on the wire (tests/data/wire/openalex): a work
by DOI is `/works/https://doi.org/<doi, slash escaped>`; an unknown one is a 404
with an HTML body; cursor paging ends with `next_cursor: null` and no results;
a bad key is a 401 with a JSON body; an unknown filter is a 400 whose `message`
says which.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import requests
from pydantic import BaseModel, ConfigDict

from agent.errors import ConfigError, InputError, ProviderError
from agent.sources.identity import PaperRef, normalise_openalex_id
from agent.sources.protocol import SourceName, SourceSkipped, Work
from agent.sources.transport import user_agent
from agent.sources.webapi import ApiResponse, JsonApi, Spacer, message_of

API_URL = "https://api.openalex.org"
KEY_ENV = "OPENALEX_API_KEY"
PER_PAGE = 200  # OpenAlex's largest page
SPACING_S = 0.1  # its stated limit is 100 requests per second; the budget, not the rate, is what binds
NO_KEY = SourceSkipped(
    source="openalex",
    reason=f"OpenAlex was skipped: {KEY_ENV} is not set (OpenAlex has required a free API key since 2026-02-13).",
    hint=f"Get a free key at https://openalex.org and set {KEY_ENV} to use it.",
)


class OpenAlexCost(BaseModel):
    """What one OpenAlex answer said it cost and what is left (None where a header was absent)."""

    model_config = ConfigDict(frozen=True)

    what: str
    cost_usd: float | None = None
    remaining_usd: float | None = None
    limit_usd: float | None = None
    credits_used: float | None = None
    remaining: float | None = None

    @classmethod
    def read(cls, what: str, headers: Mapping[str, str], body: Any) -> OpenAlexCost:
        def number(name: str) -> float | None:
            try:
                return float(headers[name])
            except (KeyError, ValueError):
                return None

        meta = body.get("meta") if isinstance(body, dict) else None
        cost = number("x-ratelimit-cost-usd")
        if cost is None and isinstance(meta, dict) and isinstance(meta.get("cost_usd"), (int, float)):
            cost = float(meta["cost_usd"])
        return cls(
            what=what,
            cost_usd=cost,
            remaining_usd=number("x-ratelimit-remaining-usd"),
            limit_usd=number("x-ratelimit-limit-usd"),
            credits_used=number("x-ratelimit-credits-used"),
            remaining=number("x-ratelimit-remaining"),
        )


def abstract_of(index: Any) -> str | None:
    """The abstract from OpenAlex's `abstract_inverted_index` (word -> positions)."""
    if not isinstance(index, dict) or not index:
        return None
    placed = sorted((pos, word) for word, positions in index.items() for pos in positions)
    return " ".join(word for _, word in placed)


def to_work(item: dict[str, Any]) -> Work | None:
    """An OpenAlex work object as a Work; None for one without a usable ID."""
    openalex_id = normalise_openalex_id(item.get("id"))
    if openalex_id is None:
        return None
    fields: dict[str, Any] = {"openalex_id": openalex_id}
    try:
        fields["doi"] = PaperRef(doi=item["doi"]).doi if item.get("doi") else None
    except ValueError:
        pass  # a malformed DOI loses the DOI, not the work
    published = item.get("publication_date")
    source = ((item.get("primary_location") or {}).get("source") or {}).get("display_name")
    retracted = item.get("is_retracted")
    return Work(
        ref=PaperRef.model_validate(fields),
        source="openalex",
        title=item.get("title") or item.get("display_name"),
        abstract=abstract_of(item.get("abstract_inverted_index")),
        authors=[a["author"]["display_name"] for a in item.get("authorships") or [] if (a.get("author") or {}).get("display_name")],
        published=dt.date.fromisoformat(published) if published else None,
        year=item.get("publication_year"),
        venue=source,
        url=item.get("id"),
        retracted=retracted if isinstance(retracted, bool) else None,
    )


class OpenAlex:
    """The OpenAlex source; needs a key (see `openalex_source` for the keyless case)."""

    name: SourceName = "openalex"

    def __init__(
        self,
        api_key: str,
        *,
        spacer: Spacer | None = None,
        contact: str | None = None,
        retry_wait: float = 2.0,
        max_retries: int = 4,
        session: requests.Session | None = None,
    ) -> None:
        if not api_key:
            raise ConfigError(NO_KEY.reason, hint=NO_KEY.hint)
        self._api = JsonApi(
            "OpenAlex",
            API_URL,
            spacer=spacer or Spacer(SPACING_S),
            headers={"User-Agent": user_agent(contact)},
            params={"api_key": api_key},
            retry_wait=retry_wait,
            max_retries=max_retries,
            session=session,
        )
        self.costs: list[OpenAlexCost] = []

    @property
    def requests_sent(self) -> int:
        return self._api.requests_sent

    @property
    def total_cost_usd(self) -> float:
        return sum(c.cost_usd or 0.0 for c in self.costs)

    def resolve(self, ref: PaperRef) -> Work | None:
        """The work by OpenAlex ID, else by DOI (arXiv papers by their DataCite DOI); None when OpenAlex has none (404)."""
        if ref.openalex_id:
            path, what = f"/works/{ref.openalex_id}", f"work {ref.openalex_id}"
        elif ref.doi:
            # The recorded form: the DOI as a doi.org URL, its slash escaped.
            path, what = f"/works/https://doi.org/{quote(ref.doi, safe='')}", f"work doi:{ref.doi}"
        else:
            return None
        answer = self._get(path, {}, what)
        if answer.status == 404:
            return None
        return to_work(self._ok(answer, what))

    def citing(self, ref: PaperRef, *, since: dt.date | None = None, until: dt.date | None = None, limit: int = 100, max_pages: int = 10) -> list[Work]:
        """Works citing `ref` published within [since, until], up to `limit` (cursor paging; metered: one list call per page)."""
        openalex_id = ref.openalex_id
        if openalex_id is None:
            found = self.resolve(ref)
            if found is None or found.ref.openalex_id is None:
                return []
            openalex_id = found.ref.openalex_id
        filters = [f"cites:{openalex_id}"]
        if since:
            filters.append(f"from_publication_date:{since.isoformat()}")
        if until:
            filters.append(f"to_publication_date:{until.isoformat()}")
        what = f"works citing {openalex_id}"
        works: list[Work] = []
        cursor: str | None = "*"
        for _ in range(max_pages):
            if cursor is None or len(works) >= limit:
                break
            page = self._ok(self._get("/works", {"filter": ",".join(filters), "per-page": str(PER_PAGE), "cursor": cursor}, what), what)
            results = page.get("results") or []
            works += [w for w in (to_work(item) for item in results) if w is not None]
            cursor = (page.get("meta") or {}).get("next_cursor") if results else None
        return works[:limit]

    def search(self, query: str, *, since: dt.date | None = None, until: dt.date | None = None, limit: int = 5) -> list[Work]:
        """Works matching `query` (OpenAlex's `search=`, title, abstract and full text) published in the window; one metered list call."""
        if not query.strip():
            raise InputError("the search query is empty", hint="Give search terms.")
        params = {"search": " ".join(query.split()), "per-page": str(max(1, min(limit, PER_PAGE)))}
        filters = ([f"from_publication_date:{since.isoformat()}"] if since else []) + ([f"to_publication_date:{until.isoformat()}"] if until else [])
        if filters:
            params["filter"] = ",".join(filters)
        what = f"search {query!r}"
        page = self._ok(self._get("/works", params, what), what)
        return [w for w in (to_work(item) for item in page.get("results") or []) if w is not None][:limit]

    def _get(self, path: str, params: dict[str, str], what: str) -> ApiResponse:
        answer = self._api.get(path, params, what=what)
        self.costs.append(OpenAlexCost.read(what, answer.headers, answer.body))
        return answer

    def _ok(self, answer: ApiResponse, what: str) -> Any:
        if answer.status == 200 and isinstance(answer.body, dict):
            return answer.body
        said = message_of(answer)
        if answer.status in (401, 403):
            raise ConfigError(f"OpenAlex refused the API key (HTTP {answer.status}: {said})", hint=f"Check {KEY_ENV}.")
        if answer.status == 400:
            raise ProviderError(f"OpenAlex rejected {what}: {said}", hint="This is a bug in Retest's request; report it with the command you ran.")
        raise ProviderError(f"OpenAlex answered HTTP {answer.status} for {what}: {said}", hint="Retry later.")


def openalex_source(env: Mapping[str, str] | None = None, **options: Any) -> OpenAlex | SourceSkipped:
    """OpenAlex with the key from OPENALEX_API_KEY, or the SourceSkipped that says why it is not used."""
    key = (os.environ if env is None else env).get(KEY_ENV, "").strip()
    return OpenAlex(key, **options) if key else NO_KEY
