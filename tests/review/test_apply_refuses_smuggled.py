"""`apply` and the exports refuse accepted text citing an ID the run never retrieved, however spelled (issue 17, point 1).

The ground check is bypassed: the reviewed demo's state is changed directly, as a
state that never passed through it (or a reviewer's edit) would hold it.
"""

from __future__ import annotations

import dataclasses

import pytest

from agent.errors import ConflictError, ExitCode
from agent.line import load_line
from agent.proposals import DecisionKind, Evidence, Proposal
from agent.review.apply import ApplyStatus, apply_review
from agent.review.export import to_bibtex, to_json
from agent.review.review_run import ReviewRun, load_review
from tests.review.conftest import Demo
from tests.review.support import APPLY_DATE

SMUGGLED = "2611.99999"
FORMS = ["2611.99999", "_2611.99999_", "2611\\.99999", "2611&#46;99999", "2611\uff0e99999", "2611.\u200b99999", "arxiv.org/abs/2611.99999v2"]


def _review(demo: Demo) -> ReviewRun:
    with demo.store() as store:
        return load_review(store, demo.run_id)


def _accepted_revision(review: ReviewRun) -> Proposal:
    return next(p for p in review.proposals if p.kind == "revise_claim" and review.decisions[p.id].kind is DecisionKind.ACCEPT)


def _with(review: ReviewRun, changed: Proposal, **decision) -> ReviewRun:
    proposals = [changed if p.id == changed.id else p for p in review.proposals]
    decisions = review.decisions
    if decision:
        decisions[changed.id] = decisions[changed.id].model_copy(update=decision)
    return dataclasses.replace(review, state={**review.state, "proposals": proposals, "decisions": decisions})


def _apply(review: ReviewRun, demo: Demo):
    import datetime as dt

    return apply_review(review, backup_dir=demo.home / "backups", today=dt.date.fromisoformat(APPLY_DATE), links={})


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("field", ["after", "rationale", "target", "new_date"])
def test_apply_refuses_an_unretrieved_id_in_any_written_field(reviewed: Demo, form, field):
    review = _review(reviewed)
    p = _accepted_revision(review)
    value = {"after": f"{p.after} (see {form})", "rationale": f"Per {form}.", "target": f"{p.target} per {form}", "new_date": f"~2026 per {form}"}[field]
    before = reviewed.line.with_suffix(".md")
    with pytest.raises(ConflictError) as err:
        _apply(_with(review, p.model_copy(update={field: value})), reviewed)
    assert err.value.exit_code is ExitCode.CONFLICT and f"{p.id} ({field}: {SMUGGLED})" in str(err.value)
    assert not before.exists(), "nothing was written"


def test_apply_refuses_it_in_an_evidence_title_and_in_a_reviewers_edit(reviewed: Demo):
    review = _review(reviewed)
    p = _accepted_revision(review)
    titled = p.model_copy(update={"evidence": [e.model_copy(update={"title": f"{e.title} _{SMUGGLED}_"}) for e in p.evidence]})
    with pytest.raises(ConflictError, match="evidence 1 title: 2611.99999"):
        _apply(_with(review, titled), reviewed)
    unretrieved = p.model_copy(update={"evidence": [Evidence(arxiv_id=f"arXiv:{SMUGGLED}v3", quote="made up words here")]})
    with pytest.raises(ConflictError, match="evidence 1 id: 2611.99999"):
        _apply(_with(review, unretrieved), reviewed)
    with pytest.raises(ConflictError, match="after: 2611.99999"):
        _apply(_with(review, p, kind=DecisionKind.EDIT, edited_after=f"{p.after} cf. 2611&#46;99999"), reviewed)


def test_exports_refuse_it_too(reviewed: Demo):
    review = _review(reviewed)
    p = _accepted_revision(review)
    smuggled = _with(review, p.model_copy(update={"after": f"{p.after} ({SMUGGLED}\u200b)"}))
    for export in (to_bibtex, to_json):
        with pytest.raises(ConflictError, match=SMUGGLED):
            export(smuggled)


@pytest.mark.parametrize("form", ["_2606.10127_", "2606\\.10127", "arXiv:2606.10127v2"])
def test_a_retrieved_id_however_spelled_is_applied(reviewed: Demo, form):
    review = _review(reviewed)
    assert "2606.10127" in review.papers
    p = _accepted_revision(review)
    result = _apply(_with(review, p.model_copy(update={"after": f"{p.after.rstrip('.')} per {form}"})), reviewed)
    assert result.status is ApplyStatus.WRITTEN
    claim = next(c for c in load_line(result.target).line.prompt.claims if c.id == p.target)
    assert "2606" in claim.text
    assert to_bibtex(review) and to_json(review)
