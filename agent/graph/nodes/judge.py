"""judge: a verdict per claim that cites only screened papers.

A branch that could not finish (arXiv down, an unusable plan or screening)
arrives with `result.error` and is judged unresolved for that reason, with no
model call; an unusable judgement does the same, and the other claims go on.
"""

from __future__ import annotations

from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from agent.events import ClaimStage
from agent.graph.context import RunContext, services
from agent.graph.evidence import base_id, scrub
from agent.graph.nodes.recall import prior_for
from agent.graph.records import ClaimResult, Finding, Stance, Verdict, VerdictKind
from agent.graph.since_last import new_relevant
from agent.graph.state import ClaimState
from agent.graph.tasks import JUDGE
from agent.line.doi import cite_key
from agent.llm.base import AnswerError


def searched_summary(result: ClaimResult) -> str:
    """The queries and windows searched, one per line: what makes an absence auditable."""
    if not result.queries:
        return "(no searches ran)"
    return "\n".join(
        f"- [{q.aim}] {q.query} (submitted {q.since.isoformat()} to {q.until.isoformat()})" + (f" — failed: {q.error}" if q.error else "")
        for q in result.queries
    )


def _unresolved(result: ClaimResult, why: str) -> Verdict:
    return Verdict(claim_id=result.claim_id, verdict=VerdictKind.UNRESOLVED, rationale=f"{why}\nSearched:\n{searched_summary(result)}")


def judge(state: ClaimState, runtime: Runtime[RunContext]) -> dict:
    claim, result = state["claim"], state["result"]
    relevant = [f for f in result.findings if f.stance is not Stance.UNRELATED]
    usage: list = []
    prior = prior_for(runtime, claim.id)
    if result.error:
        verdict = _unresolved(result, result.error)
    elif prior is not None and prior.result.verdict is not None and not new_relevant(prior, result.findings):
        # --since-last, and no new relevant work for an unchanged claim: its verdict stands, and no model is asked again.
        verdict = prior.result.verdict
    elif not relevant:
        verdict = _unresolved(result, "No newer paper relevant to the claim was found.")
    else:
        get_stream_writer()(ClaimStage(claim=claim.id, stage="judging"))
        try:
            verdict, result, usage = _judged(state, runtime, relevant)
        except AnswerError as exc:
            why = f"judging failed: {exc.reason}"
            result = result.model_copy(update={"error": why})
            verdict, usage = _unresolved(result, why), exc.accounted
    get_stream_writer()(ClaimStage(claim=claim.id, stage="done", verdict=str(verdict.verdict)))
    final = result.model_copy(update={"verdict": verdict})
    return {"result": final, "claim_results": {claim.id: final}, "usage": usage}


def _judged(state: ClaimState, runtime: Runtime[RunContext], relevant: list[Finding]) -> tuple[Verdict, ClaimResult, list]:
    """The judge's verdict, citing screened papers only; the result with what it cited without screening."""
    claim, result = state["claim"], state["result"]
    findings = "\n".join(f'- {cite_key(f.arxiv_id)} [{f.stance}] confidence {f.confidence:.2f}: "{f.quote}"' for f in relevant)
    answer, record = services(runtime).ask(
        JUDGE,
        claim_id=claim.id,
        values={
            "claim_id": claim.id,
            "claim": claim.text,
            "claim_date": claim.date.text,
            "run_date": state["run_date"].isoformat(),
            "findings": findings,
            "searched": searched_summary(result),
        },
    )
    screened = {f.arxiv_id for f in relevant}
    cited = [base_id(i) for i in answer.cited_ids]
    kept = [i for i in cited if i in screened]
    rationale, stray = scrub(answer.rationale, screened)
    suggested, stray_in_text = scrub(answer.suggested_text, screened) if answer.suggested_text else (None, [])
    # A date is never a place for a citation: one that holds an unscreened ID is dropped whole.
    date_ids = scrub(answer.suggested_date, screened)[1] if answer.suggested_date else []
    dropped = [i for i in cited if i not in screened] + stray + stray_in_text + date_ids
    merged = list(dict.fromkeys(result.dropped_citations + dropped))
    verdict = Verdict(
        claim_id=claim.id,
        verdict=answer.verdict,
        rationale=rationale,
        cited_ids=kept,
        suggested_text=suggested,
        suggested_date=None if date_ids else answer.suggested_date,
    )
    return verdict, result.model_copy(update={"dropped_citations": merged}), [record]
