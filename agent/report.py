"""A run's report: one pydantic object, rendered as Markdown for people and JSON for machines."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, ValidationError

from agent.errors import ConfigError
from agent.graph.anchor_fit import all_fits, fit_line
from agent.graph.anchoring import link_basis
from agent.graph.claim_dates import ClaimDateCheck, date_checks
from agent.graph.records import AnchorCheck, AnchorFit, ClaimResult, Contradiction, ResearchQuestion, SearchedQuery, UngroundedCitation, UsageRecord
from agent.graph.since_last import SinceLastSummary
from agent.graph.since_last_changes import what_changed_lines
from agent.graph.task_answers import TaskAnswer, task_answers
from agent.line.citable import scrub_citable
from agent.line.doi import cite_key
from agent.line.models import Line
from agent.llm.base import Usage, money
from agent.proposals import Decision, DecisionKind, Proposal
from agent.redact import redact_urls, redact_values
from agent.runs import RunRecord
from agent.sources.models import Paper
from agent.store import Store


class CostLine(BaseModel):
    scope: str
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: float | None


class Report(BaseModel):
    run: RunRecord
    waiting_for: list[str] = Field(default_factory=list)
    question: str
    claims: dict[str, str] = Field(description="Claim ID -> claim text with its date.")
    anchors: list[AnchorCheck]
    results: list[ClaimResult]
    contradictions: list[Contradiction]
    questions: list[ResearchQuestion]
    proposals: list[Proposal]
    ungrounded: list[UngroundedCitation]
    failed_steps: dict[str, str] = Field(default_factory=dict, description="Line-level steps whose model answer stayed unusable (node -> why).")
    decisions: list[Decision]
    papers: dict[str, Paper]
    # Forward citations (issue 19, `--citations`); empty in a run without them, so its report reads as before.
    citation_searches: dict[str, str] = Field(default_factory=dict, description="Each forward-citation search made -> what came of it.")
    sources_skipped: dict[str, str] = Field(default_factory=dict, description="Sources not consulted (source -> why).")
    verified_dois: dict[str, str] = Field(default_factory=dict, description="DOIs a source resolved in the run -> that source.")
    anchor_notices: dict[str, str] = Field(default_factory=dict, description="Anchor arXiv ID (or DOI) -> retraction or correction notices found for it.")
    claim_sources: dict[str, list[str]] = Field(
        default_factory=dict, description="Claim without an arXiv anchor -> the likely sources found for it beyond arXiv (agent.graph.nodes.find_source)."
    )
    since_last: SinceLastSummary | None = Field(
        default=None, description="With --since-last: what changed since the line's last run (the report opens with it)."
    )
    links: dict[str, str] = Field(default_factory=dict, description="'A1 -> C2' -> why the anchor was linked to that claim.")
    anchor_fits: list[AnchorFit] = Field(default_factory=list, description="Each verified anchor read against each claim it is linked to, with its quote.")
    dates: list[ClaimDateCheck] = Field(default_factory=list, description="Each claim's date against its anchors and the supporting work found.")
    tasks: list[TaskAnswer] = Field(default_factory=list, description="Each numbered task of the line's prompt and the output that answers it.")
    cost_by_node: list[CostLine]
    cost_by_claim: list[CostLine]
    total: CostLine


def _sum(scope: str, records: list[UsageRecord]) -> CostLine:
    total = sum(
        (Usage(calls=r.calls, input_tokens=r.input_tokens, output_tokens=r.output_tokens, cost_usd=r.cost_usd) for r in records), Usage(calls=0, cost_usd=0.0)
    )
    return CostLine(scope=scope, calls=total.calls, input_tokens=total.input_tokens, output_tokens=total.output_tokens, cost_usd=total.cost_usd)


def _citable(text: str, papers: dict[str, Paper]) -> str:
    """Model text as the report shows it: every ID outside the run's papers removed, however encoded."""
    return scrub_citable(text, set(papers))[0]


def _asked_by(q: ResearchQuestion) -> str:
    """The task, and its sub-question, that a question answers, as ' (task 3 (a))'."""
    return "" if q.task is None else f" (task {q.task}" + (f" ({q.part})" if q.part else "") + ")"


def _scrubbed_questions(questions: list[ResearchQuestion], papers: dict[str, Paper]) -> list[ResearchQuestion]:
    return [q.model_copy(update={"text": _citable(q.text, papers)}) for q in questions]


def shown_run(run: RunRecord) -> RunRecord:
    """The run record as a report shows it: no password from a model URL, even in a record saved before they were redacted."""
    return run.model_copy(update={"models": redact_values(run.models), "settings": redact_values(run.settings), "error": redact_values(run.error)})


def build_report(run: RunRecord, state: dict[str, Any], waiting: tuple[str, ...], usage: list[UsageRecord]) -> Report:
    line = state.get("line")
    by_node: dict[str, list[UsageRecord]] = {}
    by_claim: dict[str, list[UsageRecord]] = {}
    for u in usage:
        by_node.setdefault(u.node, []).append(u)
        by_claim.setdefault(u.claim_id or "(line)", []).append(u)
    results = state.get("claim_results", {})
    return Report(
        run=shown_run(run),
        waiting_for=list(waiting),
        question=line.question if line else "",
        claims={c.id: f"{c.text} ({c.date.text})" for c in line.prompt.claims} if line else {},
        anchors=state.get("anchor_checks", []),
        results=[results[k] for k in sorted(results)],
        contradictions=state.get("contradictions", []),
        questions=_scrubbed_questions(state.get("questions", []), state.get("papers", {})),
        proposals=state.get("proposals", []),
        ungrounded=state.get("ungrounded", []),
        failed_steps=state.get("failed_steps", {}),
        decisions=sorted(state.get("decisions", {}).values(), key=lambda d: d.proposal_id),
        papers=state.get("papers", {}),
        citation_searches=state.get("citation_searches", {}),
        sources_skipped=state.get("sources_skipped", {}),
        verified_dois=state.get("verified_dois", {}),
        anchor_notices=state.get("anchor_notices", {}),
        claim_sources=state.get("claim_sources", {}),
        since_last=state.get("since_last"),
        links=_links(line, state.get("anchor_checks", [])) if line else {},
        anchor_fits=all_fits(state.get("anchor_checks", [])),
        dates=date_checks(line, state.get("anchor_checks", []), results, state.get("papers", {})) if line else [],
        tasks=task_answers(
            line.prompt.tasks, [results[k] for k in sorted(results)], state.get("contradictions", []), state.get("questions", []), state.get("framings", [])
        )
        if line
        else [],
        cost_by_node=[_sum(k, v) for k, v in by_node.items()],
        cost_by_claim=[_sum(k, v) for k, v in sorted(by_claim.items())],
        total=_sum("total", usage),
    )


def kept_report_json(store: Store, run_id: str) -> str | None:
    """The JSON report kept in the store when `retest runs --prune` removed the run's checkpoints; None for a run never pruned."""
    with store.lock:
        row = store.conn.execute("SELECT json FROM run_reports WHERE run_id = ?", (run_id,)).fetchone()
    return None if row is None else str(row["json"])


def kept_report(store: Store, run_id: str) -> Report | None:
    """The kept report as a Report, for Markdown; ConfigError when a later version of the Report cannot read it (its JSON still prints)."""
    kept = kept_report_json(store, run_id)
    if kept is None:
        return None
    try:
        return Report.model_validate_json(kept)
    except ValidationError as exc:
        raise ConfigError(
            f"the report kept for pruned run {run_id} is in an older form this version cannot render ({exc.error_count()} field(s) differ)",
            hint=f"Print it as kept: retest report {run_id} --format json",
        ) from exc


def _anchor_line(a: AnchorCheck) -> str:
    if a.status == "unchecked":
        # Not a finding about the anchor: nobody could ask arXiv, so say that and nothing else.
        return f"- {a.anchor_id} arXiv:{a.arxiv_id} ({', '.join(a.claims) or 'no claim'}): **{a.error or 'not checked'}**"
    if a.status != "found":
        return f"- {a.anchor_id} arXiv:{a.arxiv_id}: **{a.status}**" + (f" ({a.error})" if a.error else "")
    title = {"exact": "title matches", "close": "title close", "different": "**title differs**"}[str(a.title_match)]
    date = "date matches" if a.date_check == "matches" else f"**cited {a.cited_date}, first submitted {a.first_submitted}**"
    note = f" — {a.title_note}" if a.title_note else ""
    claims = ", ".join(a.claims) or "no claim"
    return f"- {a.anchor_id} arXiv:{a.arxiv_id} ({claims}): {title}; {date}{note}"


SOURCE_LABELS = {"arxiv": "arXiv API", "local": "local index", "local+arxiv": "local index and arXiv API"}


def _source_lines(queries: list[SearchedQuery]) -> list[str]:
    """Where the claim's searches went and what that left out, once per distinct source and note."""
    routes = dict.fromkeys((q.source, q.note) for q in queries)
    return [f"- searched on the {SOURCE_LABELS.get(source, source)}" + (f": {note}" if note else "") for source, note in routes]


def _sources(rep: Report) -> str:
    """The header's line on sources: what the searches used, and where anchors were looked up."""
    used = {part for r in rep.results for q in r.queries for part in q.source.split("+")}
    searched = [SOURCE_LABELS[name] for name in ("local", "arxiv") if name in used]
    anchors = "local index" if (rep.run.settings or {}).get("source") == "local" else "arXiv API"
    searches = f"searches on the {' and the '.join(searched)}" if searched else "no searches"
    return f"Sources: {searches}; anchor look-ups on the {anchors}  "


def _notice_lines(rep: Report) -> list[str]:
    """Retraction and correction notices found for anchors (a run with citations on); a retracted anchor is flagged loudly."""
    return [f"- **{anchor}: {'RETRACTED' if 'retracted' in said else 'notice'}**: {said}" for anchor, said in rep.anchor_notices.items()]


def _citation_lines(rep: Report) -> list[str]:
    """The forward-citation searches made and the sources skipped; nothing for a run without citations."""
    if not (rep.citation_searches or rep.sources_skipped or rep.claim_sources):
        return []
    out = ["## Citations", ""]
    out += [f"- {asked}: {outcome}" for asked, outcome in rep.citation_searches.items()] or ["- no citation search made (no claim has a known anchor)"]
    out += [f"- {reason}" for reason in rep.sources_skipped.values()]
    if rep.verified_dois:
        out.append(f"- DOIs resolved: {len(rep.verified_dois)}")
    for claim_id, found in rep.claim_sources.items():  # claims with no arXiv anchor: where they likely come from
        out += [f"- {claim_id} likely source: {text}" for text in found] or [f"- {claim_id}: no likely source found beyond arXiv"]
    return [*out, ""]


def _result_lines(r: ClaimResult, claim: str, papers: dict[str, Paper], fits: list[AnchorFit] | None = None) -> list[str]:
    v = r.verdict
    anchors = ", ".join(r.anchored_by) if r.anchored_by else "rests on no anchor"
    out = [f"### {r.claim_id}: {v.verdict if v else 'not judged'}", "", f"> {claim}", "", f"Anchors: {anchors}."]
    out += [f"- anchor fit: {_citable(fit_line(f), papers)}" for f in fits or []]
    if v:
        out += ["", _citable(v.rationale, papers)]
    if r.error:
        out += ["", f"Error: {r.error}"]
    for f in r.findings:
        p = papers.get(f.arxiv_id)
        out.append(f'- {cite_key(f.arxiv_id)} ({p.published if p else "?"}) {p.title if p else ""} — {f.stance}, {f.confidence:.2f}: "{f.quote}"')
    searched = "; ".join(f"[{q.aim}] {q.query} ({q.since}..{q.until})" for q in r.queries if not q.error) or "nothing"
    out += [
        "",
        f"Searched: {searched}. Candidates: {len(r.candidates)}; quotes dropped: {r.dropped_quotes}; citations dropped: {', '.join(r.dropped_citations) or 'none'}.",
    ]
    out += _source_lines(r.queries)
    out += [f"- query failed: [{q.aim}] {q.query!r}: {q.error}" for q in r.queries if q.error]
    out += [f'- quote dropped: {cite_key(d.arxiv_id)} "{d.quote}": {d.reason}' for d in r.dropped_quote_reasons]
    return [*out, ""]


def _shown(p: Proposal, papers: dict[str, Paper]) -> Proposal:
    """A proposal's model-written fields as the report prints them (ground_check scrubbed them already; this holds if it did not)."""
    fields = {name: _citable(getattr(p, name), papers) for name in ("target", "after", "rationale")}
    new_date = _citable(p.new_date, papers) if p.new_date else p.new_date
    evidence = [e.model_copy(update={"quote": _citable(e.quote, papers), "title": _citable(e.title, papers)}) for e in p.evidence]
    return p.model_copy(update={**fields, "new_date": new_date, "evidence": evidence})


def _failed_step_lines(rep: Report, node: str) -> list[str]:
    """Why a line-level step has no output: its model answer stayed unusable and the run went on without it."""
    why = rep.failed_steps.get(node)
    return [f"- **step {node} failed**: {_citable(why, rep.papers)}"] if why else []


MODEL_LINK = "linked by the model reading the anchor's abstract against the claims"
CURATOR_LINK = "linked by the curator (the line file's link, set in review)"


def _links(line: Line, checks: list[AnchorCheck]) -> dict[str, str]:
    anchors = {a.id: a for a in line.prompt.anchors}
    claims = {c.id: c for c in line.prompt.claims}
    given = {"model": MODEL_LINK, "curator": CURATOR_LINK}
    return {
        f"{check.anchor_id} -> {claim_id}": given.get(check.link_basis) or f"word overlap: {link_basis(anchors[check.anchor_id], claims[claim_id])}"
        for check in checks
        for claim_id in check.claims
        if check.anchor_id in anchors and claim_id in claims
    }


def _link_lines(rep: Report) -> list[str]:
    if not rep.links:
        return []
    head = "Each anchor's claim and the basis of the link (the line does not say which claim an anchor backs):"
    return [head, "", *(f"- {link}: {why}" for link, why in rep.links.items()), ""]


def _fit_lines(rep: Report) -> list[str]:
    """How far each verified anchor's abstract carries the claims it is linked to; why nobody read them when the call failed."""
    if not rep.anchor_fits and "read_anchors" not in rep.failed_steps:
        return []
    return ["## Anchor fit", "", *(f"- {_citable(fit_line(f), rep.papers)}" for f in rep.anchor_fits), *_failed_step_lines(rep, "read_anchors"), ""]


def _task_lines(rep: Report) -> list[str]:
    if not rep.tasks:
        return []
    lines = ["## The prompt's tasks", ""]
    for t in rep.tasks:
        lines.append(f"- Task {t.number} ({t.task}): {t.answered_by}")
        lines += [f"  - {p.label} {p.text}: {_citable(p.answered_by, rep.papers)}" for p in t.parts]
    return [*lines, ""]


def _date_lines(rep: Report) -> list[str]:
    if not rep.dates:
        return []
    lines = []
    for d in rep.dates:
        suggested = f" The evidence dates it {d.suggested_date}." if d.suggested_date else ""
        lines.append(f"- {d.claim_id} ({d.claim_date}, {d.fit.value.replace('_', ' ')}): {d.message}.{suggested}")
    return ["## Dates", "", *lines, ""]


def render_markdown(rep: Report) -> str:
    run = rep.run
    out = [
        f"# Retest report: run {run.id}",
        "",
        f"Line: {run.line_path} (sha256 {run.line_sha256[:12]})  ",
        f"Question: {rep.question}  ",
        f"Mode: {run.mode}" + (f" (cassette {run.cassette})" if run.cassette else "") + f"; run date {run.run_date}; status {run.status}  ",
        "Models: " + ", ".join(f"{k}={v}" for k, v in run.models.items()) + "  ",
        _sources(rep),
        f"Retest {run.version}" + (f", git {run.git_rev}" if run.git_rev else ""),
        "",
        *(what_changed_lines(rep.since_last) if rep.since_last else []),
        *_task_lines(rep),
        "## Anchors",
        "",
        *(_anchor_line(a) for a in rep.anchors),
        *_notice_lines(rep),
        "",
        *(_link_lines(rep)),
        *_fit_lines(rep),
        *_date_lines(rep),
        *_citation_lines(rep),
        "## Verdicts",
        "",
    ]
    for r in rep.results:
        out += _result_lines(r, rep.claims.get(r.claim_id, ""), rep.papers, [f for f in rep.anchor_fits if f.claim_id == r.claim_id])
    out += ["## Strongest contradicting work", ""]
    out += [f'- {cite_key(c.arxiv_id)} ({c.published}) {c.title} — against {c.claim_id}, {c.confidence:.2f}: "{c.quote}"' for c in rep.contradictions] or [
        "- none inside the window"
    ]
    out += ["", "## Research questions", ""]
    out += [f"- {q.id}{_asked_by(q)}: {_citable(q.text, rep.papers)} (motivated by {', '.join(q.motivated_by) or '-'})" for q in rep.questions] or ["- none"]
    out += _failed_step_lines(rep, "propose_questions")
    out += ["", "## Proposals", ""]
    out += [*_failed_step_lines(rep, "draft_proposals"), ""] if "draft_proposals" in rep.failed_steps else []
    decisions = {d.proposal_id: d for d in rep.decisions}
    for p in rep.proposals:
        d = decisions.get(p.id)
        p = _shown(p, rep.papers)
        state = f"{d.kind} by {d.reviewer} at {d.at:%Y-%m-%d %H:%M}" + (f" ({d.reason})" if d.reason else "") if d else "pending"
        marks = ("" if p.grounded else " — NOT GROUNDED") + (" — CITES A RETRACTED PAPER" if p.retracted_papers else "")
        out += [f"### {p.id} {p.kind} {p.target} — {state}{marks}", ""]
        if p.before:
            out.append(f"- before: {p.before}")
        out.append(f"- after: {p.after}" + (f" ({p.new_date})" if p.new_date else ""))
        if d and d.kind is DecisionKind.EDIT and d.edited_after is not None:
            out.append(f"- the reviewer's text (what apply writes): {_citable(d.edited_after, rep.papers)}")
        out.append(f"- why: {p.rationale}")
        out += [f"- evidence: {cite_key(e.arxiv_id)} {e.title} ({e.published})" + (f': "{e.quote}"' if e.quote else "") for e in p.evidence]
        out += [f"- {'RETRACTED' if n.retracted else 'notice'}: {cite_key(n.paper)}: {n.text}" for n in p.notices]
        out.append("")
    out += ["## Ungrounded citations removed", ""]
    out += [f"- {u.proposal_id}: {cite_key(u.arxiv_id)} in {u.where} ({u.reason})" for u in rep.ungrounded] or ["- none"]
    out += ["", "## Cost and calls", "", "| scope | calls | tokens in | tokens out | est. price |", "| --- | --- | --- | --- | --- |"]
    for c in [*rep.cost_by_node, *rep.cost_by_claim, rep.total]:
        out.append(f"| {c.scope} | {c.calls} | {c.input_tokens} | {c.output_tokens} | {money(c.cost_usd)} |")
    # Errors quoted above may name a URL: none is shown with its credentials.
    return redact_urls("\n".join(out) + "\n")
