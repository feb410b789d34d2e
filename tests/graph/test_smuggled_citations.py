"""Issue 17, point 1: an arXiv ID the run never retrieved is found however it is spelled, in every field.

The forms are those of the reliability review (D3, D4, D6, D07): Markdown emphasis,
escapes, HTML entities, full-width and invisible characters, IDs in a flag's target,
in a new date, in a retrieved title; and quotes too short to ground anything.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.graph.evidence import REMOVED, scrub
from agent.graph.nodes.ground_check import check_proposal
from agent.graph.records import ResearchQuestion
from agent.line.citable import citable_text, cited_ids, foreign_ids
from agent.proposals import Evidence, Proposal, ProposalKind
from agent.report import build_report, render_markdown
from agent.runs import RunRecord, RunStatus
from agent.sources.models import Paper
from tests.graph.fakes import QUOTE, VERIFIED, FakeSource, ScriptedModel, revision
from tests.graph.test_graph_logic import line, papers, run, script, versions  # noqa: F401 (line is a fixture)

SMUGGLED = "2611.99999"
ABSTRACT = "Labor's share of tasks decays slowly as a power law."

FORMS = {
    "plain": "2611.99999",
    "prefixed": "arXiv:2611.99999",
    "url": "https://arxiv.org/abs/2611.99999v2",
    "emphasis": "_2611.99999_",
    "bold": "**2611.99999**",
    "inner-emphasis": "2611.*99999*",
    "code": "`2611.99999`",
    "escaped-dot": "2611\\.99999",
    "entity-dot": "2611&#46;99999",
    "named-entity-dot": "2611&period;99999",
    "double-entity": "2611&amp;#46;99999",
    "hex-entity": "2611&#x2E;99999",
    "fullwidth-dot": "2611\uff0e99999",
    "fullwidth-digits": "\uff12\uff16\uff11\uff11.\uff19\uff19\uff19\uff19\uff19",
    "zero-width-space": "2611.\u200b99999",
    "word-joiner": "26\u206011.99999",
    "soft-hyphen": "2611\u00ad.99999",
    "bom-inside": "2611.999\ufeff99",
}


def _papers() -> dict[str, Paper]:
    return {
        VERIFIED: Paper(arxiv_id=VERIFIED, title="Data-Driven Automation", summary=ABSTRACT, published=dt.date(2026, 6, 8)),
        # A retrieved paper whose title names an ID nobody retrieved: the title is data, it cites nothing.
        "2605.03210": Paper(
            arxiv_id="2605.03210", title="Premiums, see 2611.99999", summary="Verifiably human work earns a premium over synthetic substitutes.",
            published=dt.date(2026, 5, 4),
        ),
    }  # fmt: skip


def _texts(p: Proposal) -> str:
    return " ".join([p.after, p.rationale, p.target, p.new_date or "", *(e.title + " " + e.quote for e in p.evidence)])


@pytest.mark.parametrize("form", list(FORMS.values()), ids=list(FORMS))
@pytest.mark.parametrize("field", ["after", "rationale", "target"])
def test_every_spelling_in_every_text_field_is_removed_and_reported(form, field):
    text = {"after": f"Wages converge (see {form}) slowly", "rationale": f"Per {form}.", "target": f"C1 (superseded by {form})"}[field]
    checked, report = check_proposal(revision(**{field: text}), _papers())
    assert not checked.grounded and checked.removed_ids == [SMUGGLED]
    assert [(u.arxiv_id, u.where) for u in report] == [(SMUGGLED, field)]
    assert SMUGGLED not in cited_ids(_texts(checked)) and REMOVED in getattr(checked, field)


@pytest.mark.parametrize("form", list(FORMS.values()), ids=list(FORMS))
def test_an_id_in_a_new_date_drops_the_date(form):
    checked, report = check_proposal(revision(new_date=f"~2026 per arXiv:{form}"), _papers())
    assert checked.new_date is None and not checked.grounded
    assert [(u.arxiv_id, u.where) for u in report] == [(SMUGGLED, "new_date")]


@pytest.mark.parametrize("form", list(FORMS.values()), ids=list(FORMS))
def test_an_id_in_an_evidence_id_is_not_retrieved(form):
    checked, report = check_proposal(revision(evidence=[Evidence(arxiv_id=citable_text(form).removeprefix("https://arxiv.org/abs/"), quote=QUOTE)]), _papers())
    assert checked.evidence == [] and not checked.grounded and report[0].where == "evidence"


def test_an_id_inside_a_retrieved_title_never_becomes_a_note_title():
    note = revision(kind=ProposalKind.ADD_NOTE, target="line", after="verified human work keeps a premium", new_date=None)
    note = note.model_copy(update={"evidence": [Evidence(arxiv_id="2605.03210", quote="Verifiably human work earns a premium")]})
    checked, report = check_proposal(note, _papers())
    assert SMUGGLED not in cited_ids(_texts(checked)) and REMOVED in checked.evidence[0].title
    assert (SMUGGLED, "evidence title") in {(u.arxiv_id, u.where) for u in report} and not checked.grounded


@pytest.mark.parametrize("quote", ["", "tasks", "tasks decays", "share of tasks"], ids=["empty", "one-word", "two-words", "three-words"])
def test_a_quote_too_short_to_carry_meaning_grounds_nothing(quote):
    checked, report = check_proposal(revision(evidence=[Evidence(arxiv_id=VERIFIED, quote=quote)]), _papers())
    assert checked.evidence == [] and not checked.grounded
    assert [u.where for u in report] == ["evidence"] and "too short" in report[0].reason


def test_a_quote_of_four_words_grounds():
    checked, report = check_proposal(revision(evidence=[Evidence(arxiv_id=VERIFIED, quote="share of tasks decays")]), _papers())
    assert checked.grounded and report == []


@pytest.mark.parametrize("form", ["2606.10127", "_2606.10127_", "2606\\.10127", "2606&#46;10127", "2606\uff0e10127", "2606.\u200b10127", "arXiv:2606.10127v2"])
def test_verified_ids_are_kept_as_written_however_spelled(form):
    text = f"Per {form}, wages converge slowly"
    checked, report = check_proposal(revision(after=text, rationale=f"See {form}."), _papers())
    assert checked.grounded and report == [] and checked.after == text and checked.rationale == f"See {form}."


def test_text_without_ids_is_never_rewritten():
    text = "Wages *converge* slowly — “mostly” &amp; ~2026 \\[sic\\] ﬁne"
    assert scrub(text, set()) == (text, [])


def test_only_the_foreign_id_goes_when_a_verified_one_stands_beside_it():
    text, removed = scrub("See _2606.10127_ and _2611.99999_.", {VERIFIED})
    assert removed == [SMUGGLED] and VERIFIED in text and cited_ids(text) == [VERIFIED]


# Hypothesis: an unverified ID disguised by any mix of the encodings, inside random text, never survives.
_DOTS = st.sampled_from([".", "\\.", "&#46;", "&period;", "&#x2e;", "\uff0e", "&amp;#46;"])
_INVISIBLE = st.sampled_from(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u202a"])
_EMPHASIS = st.sampled_from(["", "_", "*", "**", "`", "~~"])
_FULLWIDTH = {str(d): chr(0xFF10 + d) for d in range(10)}
_WORDS = st.text(alphabet=st.characters(categories=["L", "Zs"], include_characters=" ,;()"), max_size=30)


@st.composite
def disguised(draw: st.DrawFn) -> tuple[str, str]:
    digits = draw(st.text(alphabet="0123456789", min_size=9, max_size=9))
    yymm, number = digits[:4], digits[4:]
    plain = f"{yymm}.{number}"
    chars = [*yymm, draw(_DOTS), *number]
    chars = [_FULLWIDTH[c] if c in _FULLWIDTH and draw(st.booleans()) else c for c in chars]
    out = []
    for c in chars:
        out.append(c)
        if draw(st.integers(0, 3)) == 0:
            out.append(draw(_INVISIBLE))
    mark = draw(_EMPHASIS)
    core = "".join(out)
    if draw(st.booleans()):
        core = core.replace(".", "\\.", 1) if "." in core and "\\." not in core else core
    return plain, f"{mark}{draw(st.sampled_from(['', 'arXiv:']))}{core}{mark}"


_EXAMPLES = int(os.environ.get("RETEST_HYPOTHESIS_EXAMPLES", "200"))


@settings(max_examples=_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(disguised(), _WORDS, _WORDS, st.sampled_from(["after", "rationale", "target", "new_date"]))
def test_a_disguised_unverified_id_never_survives_the_check(id_and_form, before, after, field):
    plain, form = id_and_form
    text = f"{before} {form} {after}"
    assert foreign_ids(text, {VERIFIED}) == [plain]
    checked, report = check_proposal(revision(**{field: text}), _papers())
    assert plain in checked.removed_ids and not checked.grounded
    assert plain not in cited_ids(_texts(checked))


# Old-style IDs (`hep-th/9901001`, `math.GT/0309136`) in the same disguises, and with a Unicode hyphen or a slash's escapes.
_ARCHIVES = st.sampled_from(["hep-th", "cond-mat", "astro-ph", "quant-ph", "math.GT", "cs.AI", "gr-qc", "nucl-ex"])
_SLASHES = st.sampled_from(["/", "\\/", "&#47;", "&sol;", "&#x2F;", "\uff0f"])
_HYPHENS = st.sampled_from(["-", "\u2010", "\u2011", "\u2212", "\u2013"])


@st.composite
def disguised_old(draw: st.DrawFn) -> tuple[str, str]:
    archive, number = draw(_ARCHIVES), draw(st.text(alphabet="0123456789", min_size=7, max_size=7))
    plain = f"{archive}/{number}"
    written = archive.replace("-", draw(_HYPHENS)).replace(".", draw(st.sampled_from([".", "\\.", "&#46;"])))
    digits = "".join(c + (draw(_INVISIBLE) if draw(st.integers(0, 4)) == 0 else "") for c in number)
    mark = draw(_EMPHASIS)
    version = draw(st.sampled_from(["", "v1", "v3"]))
    return plain, f"{mark}{draw(st.sampled_from(['', 'arXiv:']))}{written}{draw(_SLASHES)}{digits}{version}{mark}"


@settings(max_examples=_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(disguised_old(), _WORDS, _WORDS, st.sampled_from(["after", "rationale", "target", "new_date"]))
def test_a_disguised_old_style_id_never_survives_the_check(id_and_form, before, after, field):
    plain, form = id_and_form
    text = f"{before} {form} {after}"
    assert foreign_ids(text, {VERIFIED}) == [plain]
    checked, _ = check_proposal(revision(**{field: text}), _papers())
    assert plain in checked.removed_ids and not checked.grounded
    assert plain not in cited_ids(_texts(checked))


@settings(max_examples=_EXAMPLES, deadline=None)
@given(_WORDS, _WORDS, st.sampled_from(["_", "*", "`", ""]), st.sampled_from([".", "\\.", "&#46;", "\uff0e", ".\u200b"]))
def test_a_verified_id_however_written_is_kept(before, after, mark, dot):
    text = f"{before} {mark}2606{dot}10127{mark} {after}"
    assert scrub(text, {VERIFIED}) == (text, [])


# The whole graph with the scripted model: the forms the review found getting through (D3, D4, D6, D07).
def test_the_graph_removes_every_smuggled_form_and_the_report_prints_none(line):  # noqa: F811
    forms = [FORMS[k] for k in ("emphasis", "escaped-dot", "entity-dot", "fullwidth-dot", "zero-width-space")]
    changes = [
        {
            "kind": "revise_claim",
            "target": "C1",
            "after": f"Wages converge slowly (see {form})",
            "new_date": "~2026",
            "rationale": "A slow decay.",
            "evidence": [{"arxiv_id": VERIFIED, "quote": QUOTE}],
        }
        for form in forms
    ]
    changes += [
        {"kind": "flag", "target": "C1 (superseded by arXiv:2611.99999)", "after": "Superseded.", "new_date": None, "rationale": "x", "evidence": []},
        {"kind": "revise_claim", "target": "C1", "after": "Wages stall", "new_date": "~2026 per arXiv:2611.99999", "rationale": "x",
         "evidence": [{"arxiv_id": VERIFIED, "quote": QUOTE}]},
        {"kind": "revise_claim", "target": "C1", "after": "Wages stall", "new_date": None, "rationale": "x", "evidence": [{"arxiv_id": VERIFIED, "quote": "wages"}]},
    ]  # fmt: skip
    questions = {"questions": [{"text": "Does _2611.99999_ hold?", "motivated_by": ["C1"], "task": 2}]}
    model = ScriptedModel(script({"draft_proposals": {"changes": changes}, "propose_questions": questions}))
    state = run(line, model, FakeSource(papers(), {"wages": [VERIFIED, "2605.03210"], "partner": ["2602.17293"]}, versions=versions())).values
    drafted = [p for p in state["proposals"] if p.kind in ("revise_claim", "flag", "add_question")]
    assert len(drafted) == len(changes) + 1
    assert all(not p.grounded for p in drafted), [p.id for p in drafted if p.grounded]
    for p in drafted:
        assert SMUGGLED not in cited_ids(_texts(p)), p
    record = RunRecord(
        id="t1", line_path="line.md", line_sha256="0" * 64, mode="replay", run_date=dt.date(2026, 11, 29), models={}, version="test",
        started_at=dt.datetime(2026, 11, 29), status=RunStatus.AWAITING_REVIEW,
    )  # fmt: skip
    markdown = render_markdown(build_report(record, state, ("review",), []))
    shown, removed = markdown.split("## Ungrounded citations removed")
    assert SMUGGLED not in cited_ids(shown) and f"arXiv:{SMUGGLED} in target" in removed and "Does [ungrounded citation removed] hold?" in markdown


def test_the_report_scrubs_research_questions_the_graph_left_raw(line):  # noqa: F811
    # A state that never passed the ground check: the report still prints no foreign ID.
    state = {"line": line, "papers": _papers(), "questions": [ResearchQuestion(id="Q1", text="Is 2611&#46;99999 right?", motivated_by=[])]}
    record = RunRecord(
        id="t1", line_path="line.md", line_sha256="0" * 64, mode="replay", run_date=dt.date(2026, 11, 29), models={}, version="test",
        started_at=dt.datetime(2026, 11, 29), status=RunStatus.AWAITING_REVIEW,
    )  # fmt: skip
    report = build_report(record, state, (), [])
    assert SMUGGLED not in cited_ids(render_markdown(report)), "the markdown prints the (data) titles of papers only in evidence, none here"
    assert [q.text for q in report.questions] == ["Is [ungrounded citation removed] right?"], "the JSON report holds the scrubbed question"
