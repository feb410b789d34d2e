"""arXiv's OAI-PMH interface (`ListRecords`), page after page, as `IndexRecord`s.

Written to OAI-PMH 2.0 (http://www.openarchives.org/OAI/openarchivesprotocol.html) as
arXiv serves it (https://oaipmh.arxiv.org/oai; source: github.com/arXiv/oaipmh).

Why `arXivRaw` by default: it lists every version with its submission time to the second
("Mon, 2 Apr 2007 19:18:42 GMT"), so a record gets the same `published` (v1), `updated`
(latest) and `version` as the API's Atom feed and the bulk snapshot give. The `arXiv`
format has only the days of creation and of the last update and no version numbers:
its records are marked `dates_estimated`, at version 1.

What a harvest selects: `from`/`until` are days (arXiv's granularity is YYYY-MM-DD) on the
record's datestamp, the day arXiv last changed it (a new version, an edited abstract),
so papers first published earlier come too. `set` is a group, archive or category
(`cs`, `physics:hep-th`, `cs:cs:AI`; `set_spec` turns `cs.AI` into that form). A deleted
record (header status="deleted") is counted, never returned.

Politeness: one request at a time (the next page is asked for only once the previous one
has been read), `delay` seconds (3, as arXiv asks of its machine interfaces) between one
answer and the next request, a User-Agent naming retest and its version. A 503 or 429
waits what its Retry-After asks when that is at most `max_wait` (else the harvest stops
and says how long arXiv asked for), `busy_wait` without one; network errors and other 5xx
wait `delay`, doubling; `max_retries` such waits per page at most.

OAI errors (arXiv sends them with HTTP 200): `noRecordsMatch` is an empty harvest;
`badArgument` and `cannotDisseminateFormat` are the caller's dates, set or format
(InputError); `badResumptionToken` and the rest are arXiv's side (ProviderError).
"""

from __future__ import annotations

import datetime as dt
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Literal

import httpx2

from agent._version import VERSION
from agent.errors import InputError, ProviderError
from agent.index.formats import MAX_PROBLEMS, RecordProblem, base_of, describe, detex_name, fold_space, optional_text, parse_rfc2822, split_authors
from agent.index.records import IndexRecord

OAI_BASE_URL = "https://oaipmh.arxiv.org/oai"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
ARXIV_RAW = "{http://arxiv.org/OAI/arXivRaw/}"
ARXIV = "{http://arxiv.org/OAI/arXiv/}"
MetadataPrefix = Literal["arXivRaw", "arXiv"]
POLITE_DELAY = 3.0
BUSY_WAIT = 60.0  # a 503 without Retry-After: arXiv sheds load on the scale of a minute
MAX_WAIT = 600.0
MAX_RETRIES = 4
TIMEOUT = 120.0  # a page holds up to 2,000 arXivRaw records: slow to render, not a hang
_USER_ERRORS = frozenset({"badArgument", "cannotDisseminateFormat"})
# Groups whose archive has the group's name (cs.AI -> cs:cs:AI), and the archives of the physics group.
_GROUPS = frozenset({"cs", "econ", "eess", "math", "q-bio", "q-fin", "stat"})
_PHYSICS = frozenset({"astro-ph", "cond-mat", "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math-ph", "nlin", "nucl-ex", "nucl-th", "physics", "quant-ph"})


def user_agent() -> str:
    """Who is asking, for arXiv's operators: `retest/VERSION (...)`."""
    return f"retest/{VERSION} (OAI-PMH harvest for a local arXiv index)"


def set_spec(text: str) -> str:
    """An OAI set as arXiv names it: 'cs' -> 'cs', 'cs.AI' -> 'cs:cs:AI', 'hep-th' -> 'physics:hep-th'.

    A name with a colon, or one this does not know, is passed as given (arXiv says badArgument if it is wrong).
    """
    text = text.strip()
    archive, _, subject = text.partition(".")
    if ":" in text or not archive:
        return text
    if archive in _GROUPS:
        return f"{archive}:{archive}:{subject}" if subject else archive
    if archive in _PHYSICS:
        if archive == "physics" and not subject:
            return "physics"  # the group, not only its `physics` archive
        return f"physics:{archive}:{subject}" if subject else f"physics:{archive}"
    return text


def retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date); None if absent or unreadable."""
    value = (value or "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


@dataclass
class HarvestStats:
    """What a harvest saw: pages asked for, records returned, deleted and skipped ones."""

    pages: int = 0
    records: int = 0
    deleted: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)

    def skip(self, where: str, exc: Exception) -> None:
        self.skipped += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(f"{where}: {describe(exc)}")


def raw_record(meta: ET.Element) -> IndexRecord:
    """An `<arXivRaw>` element: versions with times, the author string as submitted."""
    base, _ = base_of((meta.findtext(f"{ARXIV_RAW}id") or "").strip())
    versions = []
    for item in meta.findall(f"{ARXIV_RAW}version"):
        label = item.get("version", "").removeprefix("v")
        if not label.isdigit():
            raise RecordProblem(f"a <version> labelled {item.get('version')!r}")
        versions.append((int(label), parse_rfc2822((item.findtext(f"{ARXIV_RAW}date") or "").strip())))
    if not versions:
        raise RecordProblem("no <version>")
    versions.sort()
    return IndexRecord(
        id=base,
        version=versions[-1][0],
        title=fold_space(meta.findtext(f"{ARXIV_RAW}title")),
        abstract=fold_space(meta.findtext(f"{ARXIV_RAW}abstract")),
        authors=split_authors(meta.findtext(f"{ARXIV_RAW}authors") or ""),
        categories=(meta.findtext(f"{ARXIV_RAW}categories") or "").split(),
        published=versions[0][1],
        updated=versions[-1][1],
        comment=optional_text(meta.findtext(f"{ARXIV_RAW}comments")),
        journal_ref=optional_text(meta.findtext(f"{ARXIV_RAW}journal-ref")),
        doi=optional_text(meta.findtext(f"{ARXIV_RAW}doi")),
    )


def arxiv_record(meta: ET.Element) -> IndexRecord:
    """An `<arXiv>` element: days only and no version, so the record says its dates are estimates."""
    base, _ = base_of((meta.findtext(f"{ARXIV}id") or "").strip())
    created = dt.datetime.combine(dt.date.fromisoformat((meta.findtext(f"{ARXIV}created") or "").strip()), dt.time(), dt.UTC)
    changed = (meta.findtext(f"{ARXIV}updated") or "").strip()
    authors = []
    for author in meta.findall(f"{ARXIV}authors/{ARXIV}author"):
        parts = (author.findtext(f"{ARXIV}{part}") for part in ("forenames", "keyname", "suffix"))
        authors.append(detex_name(" ".join(p for p in parts if p)))
    return IndexRecord(
        id=base,
        version=1,
        title=fold_space(meta.findtext(f"{ARXIV}title")),
        abstract=fold_space(meta.findtext(f"{ARXIV}abstract")),
        authors=[a for a in authors if a],
        categories=(meta.findtext(f"{ARXIV}categories") or "").split(),
        published=created,
        updated=dt.datetime.combine(dt.date.fromisoformat(changed), dt.time(), dt.UTC) if changed else created,
        comment=optional_text(meta.findtext(f"{ARXIV}comments")),
        journal_ref=optional_text(meta.findtext(f"{ARXIV}journal-ref")),
        doi=optional_text(meta.findtext(f"{ARXIV}doi")),
        dates_estimated=True,
    )


_READERS: dict[str, tuple[str, Callable[[ET.Element], IndexRecord]]] = {
    "arXivRaw": (f"{ARXIV_RAW}arXivRaw", raw_record),
    "arXiv": (f"{ARXIV}arXiv", arxiv_record),
}


class OaiClient:
    """A polite OAI-PMH client for arXiv; `list_records` streams a harvest as IndexRecords.

    `transport` replaces the network (tests use httpx2.MockTransport); `sleep` and `clock`
    replace time, so tests check every wait without waiting.
    """

    def __init__(
        self,
        base_url: str = OAI_BASE_URL,
        *,
        transport: httpx2.BaseTransport | None = None,
        delay: float = POLITE_DELAY,
        busy_wait: float = BUSY_WAIT,
        max_wait: float = MAX_WAIT,
        max_retries: int = MAX_RETRIES,
        timeout: float = TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = base_url
        self.delay, self.busy_wait, self.max_wait, self.max_retries = delay, busy_wait, max_wait, max_retries
        self._sleep, self._clock = sleep, clock
        self._last: float | None = None
        self._http = httpx2.Client(transport=transport, timeout=timeout, headers={"User-Agent": user_agent()}, follow_redirects=True)

    def __enter__(self) -> OaiClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connection."""
        self._http.close()

    def list_records(
        self,
        *,
        from_date: dt.date | None = None,
        until: dt.date | None = None,
        set_name: str | None = None,
        metadata_prefix: MetadataPrefix = "arXivRaw",
        stats: HarvestStats | None = None,
    ) -> Iterator[IndexRecord]:
        """The records arXiv changed from `from_date` to `until` (inclusive days) in set `set_name`, page by page."""
        stats = stats if stats is not None else HarvestStats()
        tag, read = _READERS[metadata_prefix]
        params = {"verb": "ListRecords", "metadataPrefix": metadata_prefix}
        if from_date is not None:
            params["from"] = from_date.isoformat()
        if until is not None:
            params["until"] = until.isoformat()
        if set_name:
            params["set"] = set_spec(set_name)
        while True:
            listing = self._page(params)
            if listing is None:
                return
            stats.pages += 1
            for number, record in enumerate(listing.findall(f"{OAI}record"), 1):
                header = record.find(f"{OAI}header")
                where = f"page {stats.pages}, record {number} ({header.findtext(f'{OAI}identifier') if header is not None else 'no header'})"
                if header is not None and header.get("status") == "deleted":
                    stats.deleted += 1
                    continue
                meta = record.find(f"{OAI}metadata/{tag}")
                try:
                    if meta is None:
                        raise RecordProblem(f"no <{metadata_prefix}> metadata")
                    parsed = read(meta)
                except (RecordProblem, ValueError) as exc:  # ValidationError is a ValueError
                    stats.skip(where, exc)
                    continue
                stats.records += 1
                yield parsed
            token = listing.find(f"{OAI}resumptionToken")
            if token is None or not (token.text or "").strip():
                return
            # OAI-PMH: a resumptionToken is exclusive; the first request's arguments are inside it.
            params = {"verb": "ListRecords", "resumptionToken": (token.text or "").strip()}

    def _page(self, params: dict[str, str]) -> ET.Element | None:
        """One ListRecords answer's <ListRecords> element; None for noRecordsMatch."""
        for attempt in range(self.max_retries + 1):
            self._wait_turn()
            try:
                response = self._http.get(self.base_url, params=params)
            except httpx2.TransportError as exc:
                failure, wait = f"could not reach {self.base_url} ({type(exc).__name__}: {exc})", self.delay * 2**attempt
            else:
                status = response.status_code
                if status in (429, 503):
                    asked = retry_after(response.headers.get("Retry-After"))
                    if asked is not None and asked > self.max_wait:
                        raise ProviderError(
                            f"arXiv's OAI-PMH is busy (HTTP {status}) and asks to wait {asked:.0f} s, longer than {self.max_wait:.0f} s",
                            hint="Try `retest index update` again later.",
                        )
                    failure, wait = f"HTTP {status} (busy)", asked if asked is not None else self.busy_wait
                elif status >= 500:
                    failure, wait = f"HTTP {status}", self.delay * 2**attempt
                else:
                    return _listing(response)
            finally:
                self._last = self._clock()
            if attempt == self.max_retries:
                break
            self._sleep(min(wait, self.max_wait))
        raise ProviderError(f"arXiv's OAI-PMH failed {self.max_retries + 1} times: {failure}", hint="Try `retest index update` again later.")

    def _wait_turn(self) -> None:
        if self._last is not None:
            remaining = self.delay - (self._clock() - self._last)
            if remaining > 0:
                self._sleep(remaining)


def _listing(response: httpx2.Response) -> ET.Element | None:
    """The <ListRecords> of an OAI-PMH answer, None for noRecordsMatch; OAI errors become Retest errors."""
    status = response.status_code
    try:
        root = ET.fromstring(response.content)
    except ET.ParseError:
        raise ProviderError(f"arXiv's OAI-PMH answered HTTP {status} with something that is not XML: {response.text[:120]!r}") from None
    if root.tag != f"{OAI}OAI-PMH":
        raise ProviderError(f"arXiv's OAI-PMH answered HTTP {status} with XML that is not OAI-PMH (root {root.tag})")
    errors = [(e.get("code", ""), fold_space(e.text)) for e in root.findall(f"{OAI}error")]
    if errors and all(code == "noRecordsMatch" for code, _ in errors):
        return None
    if errors:
        code, text = next((e for e in errors if e[0] != "noRecordsMatch"), errors[0])
        message = f"arXiv's OAI-PMH refused the request: {code}: {text}"
        if code in _USER_ERRORS:
            raise InputError(message, hint="Check --from and --set (a set is e.g. cs, cs.AI, math or physics:hep-th).")
        if code == "badResumptionToken":
            raise ProviderError(message, hint="The harvest expired midway: run `retest index update` again.")
        raise ProviderError(message)
    listing = root.find(f"{OAI}ListRecords")
    if listing is None or status != 200:
        raise ProviderError(f"arXiv's OAI-PMH answered HTTP {status} without records or an error")
    return listing
