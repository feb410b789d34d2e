"""The review server: runs, a run's report, its review, apply, and an eval report, as server-rendered pages.

Every decision goes through `agent.review.changing.decide`, the service the
terminal review uses too; apply through `agent.review.apply.apply_review` with
the same checks (a dry run first, shown as the diff of the file). A request
names runs and proposals by ID only: no path ever comes from a request, so the
server reads and writes only the state directory and the run's line file
(and the eval report named on the command line).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from agent.errors import RetestError
from agent.proposals import DecisionKind
from agent.store import Store
from agent.web.security import CSRF_FIELD, Guard, GuardMiddleware

HERE = Path(__file__).resolve().parent
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")


@dataclass(frozen=True)
class ServerConfig:
    """What the command line chose: the state database, the guard, an eval report to show."""

    db_path: Path
    guard: Guard
    eval_report: Path | None = None
    eval_baseline: Path | None = None


def _env() -> Environment:
    # Autoescape on for every template: paper and model text is untrusted; no template marks anything safe.
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True, default_for_string=True))
    env.globals["csrf_field"] = CSRF_FIELD
    return env


def _id(request: Request, name: str) -> str:
    value = request.path_params[name]
    if not _ID.fullmatch(value):
        raise HTTPException(404, f"no {name} {value!r}")
    return value


class Pages:
    """The route handlers, sharing the config, the templates and one lock for writes."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.env = _env()
        # One decision or apply at a time: each resumes the run's graph.
        self.write_lock = threading.Lock()

    def store(self) -> Store:
        return Store.open(self.config.db_path)

    def render(self, request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        body = self.env.get_template(name).render(request=request, csrf=self.config.guard.csrf, has_eval=self.config.eval_report is not None, **context)
        return HTMLResponse(body, status_code=status)

    def error(self, request: Request, exc: RetestError, status: int = 400) -> HTMLResponse:
        return self.render(request, "error.html", status=status, message=exc.message, hint=exc.hint)

    # -- pages -------------------------------------------------------------

    def runs(self, request: Request) -> Response:
        from agent.runs import list_runs
        from agent.web.views import run_row

        with self.store() as store:
            rows = [run_row(store, run) for run in list_runs(store)]
        return self.render(request, "runs.html", rows=rows)

    def report(self, request: Request) -> Response:
        from agent.report import build_report
        from agent.runner import load_state
        from agent.runs import run_usage

        run_id = _id(request, "run_id")
        try:
            with self.store() as store:
                record, state, waiting = load_state(run_id, store)
                rep = build_report(record, state, waiting, run_usage(store, record.id))
        except RetestError as exc:
            return self.error(request, exc, 404)
        return self.render(request, "report.html", rep=rep)

    def review(self, request: Request, *, problem: tuple[str, str] | None = None, status: int = 200) -> Response:
        from agent.review.changing import applied_proposals
        from agent.review.links import claims_in_force, links_in_force, stranded
        from agent.review.review_run import load_review
        from agent.web.views import card, link_rows

        run_id = _id(request, "run_id")
        try:
            with self.store() as store:
                current = load_review(store, run_id)
                corrections = links_in_force(store, current.run.id)
        except RetestError as exc:
            return self.error(request, exc, 404)
        links = link_rows(current, corrections)
        where, applied = applied_proposals(current)
        cards = [card(current, p, applied) for p in current.proposals]
        confirm = request.query_params.get("confirm", "")
        held = stranded(current.proposals, claims_in_force(corrections))
        return self.render(
            request, "review.html", status=status, review=current, cards=cards, applied_to=where, confirm=confirm, problem=problem, links=links, stranded=held
        )

    async def _posted(self, request: Request, handle: Callable[[Request, dict[str, Any]], Response]) -> Response:
        """A form post with its CSRF token checked, handled off the event loop (deciding resumes the run's graph: seconds at worst)."""
        form = await request.form()
        if not self.config.guard.csrf_ok(form.get(CSRF_FIELD)):
            return Response("Forbidden: the form's CSRF token is missing or wrong; reload the page.", status_code=403)
        return await run_in_threadpool(handle, request, dict(form))

    async def decide(self, request: Request) -> Response:
        return await self._posted(request, self._decide)

    def _decide(self, request: Request, form: dict[str, Any]) -> Response:
        from agent.review.changing import decide, undo
        from agent.review.decisions import make_decision
        from agent.review.review_run import load_review

        run_id, pid = _id(request, "run_id"), _id(request, "proposal_id")
        action = str(form.get("action", ""))
        reason, text = str(form.get("reason", "")), str(form.get("text", "")).strip()
        try:
            with self.write_lock, self.store() as store:
                current = load_review(store, run_id)
                proposal = current.proposal(pid)
                if action == "accept" and proposal.confirm_reasons() and form.get("confirm") != "yes":
                    # The first click only shows the warning; the second (confirm=yes) accepts.
                    return RedirectResponse(f"/runs/{current.run.id}/review?confirm={proposal.id}#card-{proposal.id}", status_code=303)
                if action == "undo":
                    undo(store, current, [proposal.id])
                elif action in ("accept", "reject", "edit"):
                    kind = DecisionKind(action)
                    decision = make_decision(
                        proposal.id, kind, reason=reason if kind is DecisionKind.REJECT else "", edited_after=text if action == "edit" else None
                    )
                    decide(store, current, [decision], confirmed=form.get("confirm") == "yes")
                else:
                    raise HTTPException(400, f"unknown action {action!r}")
        except RetestError as exc:
            return self.review(request, problem=(pid, exc.message + (f" {exc.hint}" if exc.hint else "")), status=400)
        return RedirectResponse(f"/runs/{run_id}/review#card-{pid}", status_code=303)

    async def link(self, request: Request) -> Response:
        return await self._posted(request, self._link)

    def _link(self, request: Request, form: dict[str, Any]) -> Response:
        from agent.review.links import parse_link, set_link
        from agent.review.review_run import load_review

        run_id, anchor_id = _id(request, "run_id"), _id(request, "anchor_id")
        try:
            with self.write_lock, self.store() as store:
                current = load_review(store, run_id)
                set_link(store, current, *parse_link(f"{anchor_id}={form.get('claims', '')}", current.line))
        except RetestError as exc:
            return self.review(request, problem=(f"link-{anchor_id}", exc.message + (f" {exc.hint}" if exc.hint else "")), status=400)
        return RedirectResponse(f"/runs/{run_id}/review#link-{anchor_id}", status_code=303)

    def apply_preview(self, request: Request) -> Response:
        return self._apply(request, write=False, partial=request.query_params.get("partial") == "yes")

    async def apply(self, request: Request) -> Response:
        return await self._posted(request, lambda req, form: self._apply(req, write=True, partial=form.get("partial") == "yes"))

    def _apply(self, request: Request, *, write: bool, partial: bool) -> Response:
        from agent.review.apply import ApplyStatus, apply_review
        from agent.review.links import links_in_force
        from agent.review.review_run import load_review
        from agent.web.views import unified_lines

        run_id = _id(request, "run_id")
        try:
            with self.write_lock, self.store() as store:
                current = load_review(store, run_id)
                backups, links = store.path.parent / "backups", links_in_force(store, current.run.id)
                preview = apply_review(current, backup_dir=backups, dry_run=True, partial=partial, links=links)
                result = apply_review(current, backup_dir=backups, partial=partial, links=links) if write and preview.status is ApplyStatus.PREVIEW else None
        except RetestError as exc:
            return self.render(request, "apply.html", status=409, review=None, run_id=run_id, message=exc.message, hint=exc.hint, partial=partial)
        diff = unified_lines(preview.old_text, preview.new_text)
        return self.render(request, "apply.html", review=current, run_id=current.run.id, preview=preview, diff=diff, result=result, partial=partial)

    def eval_report(self, request: Request) -> Response:
        from agent.web.evalview import eval_view

        if self.config.eval_report is None:
            raise HTTPException(404, "no eval report: start the server with --eval REPORT.json")
        try:
            view = eval_view(self.config.eval_report, self.config.eval_baseline)
        except RetestError as exc:
            return self.error(request, exc, 404)
        return self.render(request, "eval.html", view=view)


def create_app(config: ServerConfig) -> Starlette:
    """The Starlette app for `config`, with the guard in front of every route."""
    pages = Pages(config)
    routes = [
        Route("/", pages.runs),
        Route("/runs/{run_id}", pages.report),
        Route("/runs/{run_id}/review", pages.review),
        Route("/runs/{run_id}/proposals/{proposal_id}", pages.decide, methods=["POST"]),
        Route("/runs/{run_id}/links/{anchor_id}", pages.link, methods=["POST"]),
        Route("/runs/{run_id}/apply", pages.apply_preview, methods=["GET"]),
        Route("/runs/{run_id}/apply", pages.apply, methods=["POST"]),
        Route("/eval", pages.eval_report),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes)
    app.add_middleware(GuardMiddleware, guard=config.guard)
    return app
