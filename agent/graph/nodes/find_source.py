"""find_source: a claim resting on no arXiv anchor gets a search for its likely source beyond arXiv (issue 19, point 5b).

Some claims come from a working paper or a journal article with a DOI and no
arXiv version (the demo's first claim: an NBER working paper). In a run with
citation sources on, such a claim's key terms are searched on every source that
searches (Semantic Scholar, Crossref's bibliographic query, OpenAlex with its
key), up to the end of the claim's period. A work sharing enough key terms with
the claim is a likely source: it is shown in the report (not on arXiv, with its
DOI and the source that returned it) and, when it has an abstract to screen,
joins the claim's candidates under `doi:<doi>`, so the screen, the judge and the
writer can ground the claim in it. Its DOI counts as verified because that source
returned the record; a DOI no source returned never does (the ground check).

Without citation sources, for an anchored claim, or after a failed search this
node changes nothing and sends nothing. A source failing is recorded, never fatal.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from agent.callsite import call_context
from agent.errors import ConfigError, ProviderError
from agent.events import ClaimStage, emitting_to
from agent.graph.citations import as_paper, notice_text
from agent.graph.context import CitationService, RunContext, services
from agent.graph.records import Candidate
from agent.graph.state import ClaimState
from agent.line.models import DatePrecision, FuzzyDate
from agent.sources.protocol import SearchSource, Work

MAX_TERMS = 10  # a search string of the claim's most telling words; sources rank by them
MIN_SHARED = 3  # key terms a work's title and abstract must share with the claim to count as its likely source
MAX_SOURCES = 3  # likely sources kept per claim
PER_SOURCE = 5
LOOKBACK_YEARS = 5  # a claim's source is older than the claim, but not by decades

_WORD = re.compile(r"[a-z][a-z0-9]+")
_STOP = frozenset(
    [
        "a",
        "about",
        "across",
        "after",
        "also",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "does",
        "each",
        "even",
        "for",
        "from",
        "has",
        "have",
        "how",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "may",
        "might",
        "more",
        "most",
        "no",
        "not",
        "of",
        "on",
        "only",
        "or",
        "other",
        "over",
        "per",
        "rather",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "under",
        "until",
        "upon",
        "via",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "whether",
        "which",
        "while",
        "who",
        "why",
        "will",
        "with",
        "within",
        "would",
    ]
)


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word


def terms(text: str) -> list[str]:
    """The content words of a text, lower case, plural -s dropped, in order, once each."""
    return list(dict.fromkeys(_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP))


def period_end(date: FuzzyDate) -> dt.date:
    """The last day a line's date can mean ('~2025' -> 2025-12-31)."""
    start = date.value
    if date.precision is DatePrecision.YEAR:
        return dt.date(start.year, 12, 31)
    if date.precision is DatePrecision.MONTH:
        return (dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)) - dt.timedelta(days=1)
    return start


def finders(service: CitationService) -> list[SearchSource]:
    """The run's sources that search, each once (a source may both cite and check)."""
    found: dict[str, SearchSource] = {}
    for source in (*service.sources, *service.checkers):
        if isinstance(source, SearchSource):
            found.setdefault(source.name, source)
    return list(found.values())


def shared_terms(claim_terms: Sequence[str], work: Work) -> int:
    return len(set(claim_terms) & set(terms(f"{work.title or ''} {work.abstract or ''}")))


def describe(work: Work, sources: Sequence[str], screened: bool) -> str:
    """How the report shows a likely source: its citation key, title, who and when, where it is, who resolved it."""
    key = f"arXiv:{work.ref.arxiv_id}" if work.ref.arxiv_id else f"doi:{work.ref.doi}" if work.ref.doi else work.ref.key
    who = ", ".join(work.authors[:3]) + (" et al." if len(work.authors) > 3 else "")
    when = str(work.published or work.year or "undated")
    where = "on arXiv" if work.ref.on_arxiv else "not on arXiv" + (f", DOI {work.ref.doi} resolved by {', '.join(sources)}" if work.ref.doi else "")
    screen = "screened as a candidate" if screened else "not screened: the source gave no abstract"
    said = notice_text(work)  # a retraction or correction the searching source already holds (Crossref's updated-by)
    flagged = f"; {'RETRACTED' if work.retracted else 'NOTICE'}: {said}" if said else ""
    return f"{key} {work.title!r} ({'; '.join(x for x in (who, when, work.venue) if x)}) — {where}; {screen}{flagged}"


def likely_sources(service: CitationService, claim_id: str, text: str, until: dt.date) -> tuple[list[tuple[Work, list[str]]], dict[str, str]]:
    """The works most likely behind a claim, best first, each with the sources that returned it; and what each search came to."""
    claim_terms = terms(text)
    query = " ".join(list(dict.fromkeys(w for w in _WORD.findall(text.lower()) if w not in _STOP))[:MAX_TERMS])  # as written; matching uses stems
    since = dt.date(until.year - LOOKBACK_YEARS, 1, 1)
    scored: list[tuple[int, Work, list[str]]] = []
    searches: dict[str, str] = {}
    for finder in finders(service):
        asked = f"{claim_id}: likely source of the claim, by its key terms {query!r} ({finder.name})"
        try:
            works = finder.search(query, since=since, until=until, limit=PER_SOURCE)
        except (ProviderError, ConfigError) as exc:
            searches[asked] = f"failed: {exc.message}"
            continue
        kept = 0
        for work in works:
            score = shared_terms(claim_terms, work)
            if score < MIN_SHARED:
                continue
            same = next((entry for entry in scored if entry[1].ref.same_paper(work.ref)), None)
            if same is None:
                scored.append((score, work, [finder.name]))
                kept += 1
            elif finder.name not in same[2]:
                same[2].append(finder.name)
        searches[asked] = f"{len(works)} found, {kept} sharing at least {MIN_SHARED} key terms with the claim"
    scored.sort(key=lambda entry: -entry[0])  # stable: equal scores keep the sources' order
    return [(work, names) for _, work, names in scored[:MAX_SOURCES]], searches


def find_source(state: ClaimState, runtime: Runtime[RunContext]) -> dict:
    ctx = services(runtime)
    claim, result = state["claim"], state["result"]
    if ctx.citations is None or result.anchored_by or result.error or not result.retestable:
        return {}
    get_stream_writer()(ClaimStage(claim=claim.id, stage="looking for its source beyond arXiv"))
    with call_context(node="find_source", claim=claim.id), emitting_to(get_stream_writer()):
        found, searches = likely_sources(ctx.citations, claim.id, claim.text, period_end(claim.date))
    papers = list(state.get("candidates_papers", []))
    known = {p.arxiv_id for p in papers}
    verified: dict[str, str] = {}
    shown, added = [], []
    for work, names in found:
        for doi in work.ref.dois:
            verified.setdefault(doi, names[0])
        paper = as_paper(work)
        if paper is not None and paper.arxiv_id not in known:
            known.add(paper.arxiv_id)
            added.append(paper)
        shown.append(describe(work, names, paper is not None))
    candidates = [*result.candidates, *(Candidate(arxiv_id=p.arxiv_id, newer=p.published >= claim.date.value) for p in added)]
    return {
        "result": result.model_copy(update={"candidates": candidates}),
        "candidates_papers": papers + added,
        "papers": {p.arxiv_id: p for p in added},
        "verified_dois": verified,
        "citation_searches": searches,
        "sources_skipped": {s.source: s.reason for s in ctx.citations.skipped},
        "claim_sources": {claim.id: shown},
    }
