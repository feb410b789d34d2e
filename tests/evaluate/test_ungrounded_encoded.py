"""The eval's ungrounded-citation count finds IDs as a reader sees them (agent.line.citable), not only plain ones.

A proposal that still holds `2611\\.99999` renders as arXiv:2611.99999 in Markdown; so
does one with a full-width dot or a zero-width space in it. A scorer matching the
plain pattern only would count none of them and call the run clean.
"""

from __future__ import annotations

import datetime as dt

import pytest

from agent.evaluate.scorers import ungrounded_in_proposals
from agent.proposals import Evidence, Proposal, ProposalKind
from agent.sources.models import Paper

RETRIEVED = Paper(arxiv_id="2602.17293", version=1, title="Retrieved", summary="An abstract.", published=dt.date(2026, 2, 19))


def _state(**fields: object) -> dict:
    written: dict[str, object] = {"target": "line", "after": "A note.", "rationale": "Because.", **fields}
    proposal = Proposal(id="P1", kind=ProposalKind.ADD_NOTE, **written)  # type: ignore[arg-type]
    return {"papers": {RETRIEVED.arxiv_id: RETRIEVED}, "proposals": [proposal]}


@pytest.mark.parametrize(
    "written",
    [
        "2611\\.99999",  # a Markdown escape
        "2611\uff0e99999",  # a full-width dot
        "2611.\u200b99999",  # a zero-width space
        "2611&#46;99999",  # an HTML entity
        "_2611.99999_",  # emphasis
    ],
)
@pytest.mark.parametrize("field", ["after", "rationale", "target", "new_date"])
def test_an_encoded_id_left_in_a_proposal_is_counted(written: str, field: str) -> None:
    found = ungrounded_in_proposals(_state(**{field: f"See {written} for more."}))
    assert found == [f"P1: 2611.99999 in {field}"]


def test_an_encoded_id_as_evidence_or_inside_a_quote_is_counted() -> None:
    evidence = [Evidence(arxiv_id="2611\\.99999"), Evidence(arxiv_id=RETRIEVED.arxiv_id, quote="as 2611\uff0e99999 showed")]
    assert ungrounded_in_proposals(_state(evidence=evidence)) == ["P1: 2611.99999 in evidence", "P1: 2611.99999 in evidence quote"]


def test_retrieved_ids_however_written_and_the_line_s_own_text_are_not_counted() -> None:
    state = _state(after="See 2602\\.17293.", rationale="arXiv:2602\uff0e17293v2 agrees.", before="The line cites 2611.99999 today.")
    assert ungrounded_in_proposals(state) == []
