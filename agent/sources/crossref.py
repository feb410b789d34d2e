"""Crossref: a work's metadata by DOI, and the retraction and correction notices Crossref holds for it.

Notices are in a work's `updated-by` (the notices about it) and, on a notice
itself, `update-to` (the works it amends); each entry has the notice's DOI, a
`type` (retraction, correction, ...), a `label`, a `source` (`publisher`, or
`retraction-watch` for the Retraction Watch data Crossref serves since
January 2025) and an `updated` date. A work with no retraction there is read
as not retracted (`retracted=False`): Crossref carries Retraction Watch's
records, so that is what the best public source says.

arXiv DOIs (10.48550/arXiv.*) are DataCite's, not Crossref's: Crossref answers
them with 404 (recorded), so they are never sent. An unknown DOI is a 404
with the text `Resource not found.`.

Search (`/works?query.bibliographic=...`, a `work-list` answer whose
`message.items` are work messages) finds the likely source of a claim by its
key terms (agent.graph.nodes.find_source).

Polite pool: with RETEST_CONTACT (Settings.contact) set, every request says
`mailto=` and the User-Agent carries `mailto:`, as Crossref's etiquette asks.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import quote

import requests

from agent._version import VERSION
from agent.errors import InputError, ProviderError
from agent.line.doi import ARXIV_DOI_PREFIX
from agent.sources.identity import PaperRef
from agent.sources.protocol import SourceName, UpdateNotice, Work
from agent.sources.transport import user_agent
from agent.sources.webapi import ApiResponse, JsonApi, Spacer, message_of

API_URL = "https://api.crossref.org"
# The public pool allows 5 single-record requests a second, the polite one 10 (x-rate-limit-limit on the wire).
SPACING_S = {False: 0.2, True: 0.1}
ROWS = 20  # a search's page: the few best matches are all a likely-source search reads
_TAG = re.compile(r"<[^>]+>")


def crossref_user_agent(contact: str | None) -> str:
    """Retest's User-Agent, with `mailto:` for an e-mail contact (the polite pool) and `+URL` otherwise."""
    contact = " ".join((contact or "").split())
    if "@" in contact and "mailto:" not in contact:
        return f"retest/{VERSION} (mailto:{contact})"
    return user_agent(contact)


def _date(parts: Any) -> dt.date | None:
    """A Crossref date (`{"date-parts": [[2012, 3, 21]]}`) when it is complete, else None."""
    try:
        year, month, day = (parts or {})["date-parts"][0][:3]
        return dt.date(int(year), int(month), int(day))
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def _year(parts: Any) -> int | None:
    try:
        return int((parts or {})["date-parts"][0][0])
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def _notices(entries: Any) -> list[UpdateNotice]:
    notices = []
    for entry in entries or []:
        if not isinstance(entry, dict) or not entry.get("type"):
            continue
        doi = entry.get("DOI")
        notices.append(
            UpdateNotice(
                kind=str(entry["type"]),
                notice_doi=PaperRef(doi=doi).doi if isinstance(doi, str) and doi.startswith("10.") else None,
                label=entry.get("label"),
                source=entry.get("source"),
                date=_date(entry.get("updated")),
                record_id=str(entry["record-id"]) if entry.get("record-id") is not None else None,
            )
        )
    return notices


def _first(values: Any) -> str | None:
    return values[0] if isinstance(values, list) and values and isinstance(values[0], str) else None


def _plain(abstract: Any) -> str | None:
    """A Crossref abstract (JATS XML: `<jats:p>...</jats:p>`) as plain text."""
    if not isinstance(abstract, str):
        return None
    return " ".join(_TAG.sub(" ", abstract).split()) or None


def to_work(message: dict[str, Any]) -> Work:
    """A Crossref work message as a Work."""
    issued = message.get("published") or message.get("issued")
    notices = _notices(message.get("updated-by"))
    authors = [" ".join(p for p in (a.get("given"), a.get("family")) if p) or a.get("name", "") for a in message.get("author") or []]
    return Work(
        ref=PaperRef(doi=message["DOI"]),
        source="crossref",
        title=_first(message.get("title")),
        abstract=_plain(message.get("abstract")),
        authors=[a for a in authors if a],
        published=_date(issued),
        year=_year(issued),
        venue=_first(message.get("container-title")) or _first([i.get("name") for i in message.get("institution") or [] if isinstance(i, dict)]),
        url=message.get("URL"),
        retracted=any(n.is_retraction for n in notices),
        notices=notices,
        amends=_notices(message.get("update-to")),
    )


class Crossref:
    """The Crossref source (see the module docstring)."""

    name: SourceName = "crossref"

    def __init__(
        self,
        *,
        contact: str | None = None,
        spacer: Spacer | None = None,
        retry_wait: float = 2.0,
        max_retries: int = 4,
        session: requests.Session | None = None,
    ) -> None:
        polite = bool(contact and "@" in contact)
        self.pool = "polite" if polite else "public"
        self._api = JsonApi(
            "Crossref",
            API_URL,
            spacer=spacer or Spacer(SPACING_S[polite]),
            headers={"User-Agent": crossref_user_agent(contact)},
            params={"mailto": " ".join(contact.split())} if polite and contact else {},
            retry_wait=retry_wait,
            max_retries=max_retries,
            session=session,
            hint="Crossref may be busy: set RETEST_CONTACT to your e-mail address (its polite pool), wait a minute, or replay a cassette with --replay.",
        )

    @property
    def requests_sent(self) -> int:
        return self._api.requests_sent

    def resolve(self, ref: PaperRef) -> Work | None:
        """The work registered under `ref.doi`, or None: no DOI, an arXiv DOI (DataCite's, never asked), or Crossref has none (404)."""
        if ref.doi is None or ref.doi.startswith(ARXIV_DOI_PREFIX):
            return None
        what = f"work doi:{ref.doi}"
        answer = self._api.get(f"/works/{quote(ref.doi, safe='')}", what=what)
        if answer.status == 404:
            return None
        body = self._ok(answer, what)
        message = body.get("message") if isinstance(body, dict) else None
        if not isinstance(message, dict) or not message.get("DOI"):
            raise ProviderError(f"Crossref's answer for {what} holds no work", hint="Retry; if it persists the API changed.")
        return to_work(message)

    def search(self, query: str, *, since: dt.date | None = None, until: dt.date | None = None, limit: int = 5) -> list[Work]:
        """Works whose bibliographic record best matches `query` (`query.bibliographic`: title, authors, year), published in the window."""
        if not query.strip():
            raise InputError("the search query is empty", hint="Give search terms.")
        params = {"query.bibliographic": " ".join(query.split()), "rows": str(max(1, min(limit, ROWS)))}
        filters = ([f"from-pub-date:{since.isoformat()}"] if since else []) + ([f"until-pub-date:{until.isoformat()}"] if until else [])
        if filters:
            params["filter"] = ",".join(filters)
        what = f"search {query!r}"
        body = self._ok(self._api.get("/works", params, what=what), what)
        items = ((body.get("message") if isinstance(body, dict) else None) or {}).get("items")
        if not isinstance(items, list):
            raise ProviderError(f"Crossref's answer for {what} holds no work list", hint="Retry; if it persists the API changed.")
        return [to_work(item) for item in items if isinstance(item, dict) and isinstance(item.get("DOI"), str)][:limit]

    def _ok(self, answer: ApiResponse, what: str) -> Any:
        if answer.status == 200:
            return answer.body
        said = message_of(answer)
        if answer.status == 400:
            raise ProviderError(f"Crossref rejected {what}: {said}", hint="This is a bug in Retest's request; report it with the command you ran.")
        raise ProviderError(f"Crossref answered HTTP {answer.status} for {what}: {said}", hint="Retry later.")
