"""What a run will cost before it is paid for: calls per role, tokens and a price range, per line and in total.

Three inputs, each kept in one place:
- the line's claims: a claim the run can re-test (agent.line.checks) makes one call of
  every per-claim task (screen, judge; plan too with planning=claim); the line makes one
  call of every other task (anchors, the plan of every claim, questions, proposals). The per-claim tasks are the nodes of the claim branch
  (`agent.graph.build.build_claim_graph`); the tasks are agent/graph/tasks.py's.
- the configured models' prices (agent/llm/prices.toml), per role.
- the measured token sizes of each task (`evals/token_sizes.json`, written by
  `python -m evals.token_sizes` from the recorded cassettes and the real abstracts of
  evals/data/arxiv-slice; a test fails when it is out of date). The low end is what the
  cassettes show, the high end what real abstract lengths make of the paper-carrying
  tasks (see that script's docstring).

Calls are an upper count: a claim with no newer paper is not screened or judged, and
a validation retry adds a call. With `--since-last`, a claim unchanged since the line's
last run (`carried`) keeps that run's queries: it makes at most one screening and one
judgment, and only if new papers come (the line-level tasks are still counted once,
though a run where nothing moved makes none). Nothing here calls a model or arXiv.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ValidationError

from agent.config import ROLES, Planning, Role, Settings
from agent.errors import ConfigError
from agent.graph.tasks import JUDGE, PLAN_CLAIMS, PLAN_QUERIES, READ_ANCHORS, SCREEN, TASKS
from agent.line.checks import not_retestable
from agent.line.models import Line
from agent.llm.base import total_cost
from agent.llm.prices import batch_discount, price_for

TOKEN_SIZES = Path(__file__).resolve().parent.parent / "evals" / "token_sizes.json"


class TaskSize(BaseModel):
    """Tokens of one call of a task: low (the cassettes' median call), high (real abstract lengths)."""

    role: Role
    input_low: int
    output_low: int
    input_high: int
    output_high: int


class TokenSizes(BaseModel):
    """evals/token_sizes.json: where each end comes from, and the sizes per task node."""

    low: str
    high: str
    chars_per_token: float
    chars_per_token_min: float
    tasks: dict[str, TaskSize]


@cache
def load_token_sizes(path: Path = TOKEN_SIZES) -> TokenSizes:
    """The measured sizes; ConfigError naming the script that writes them when the file is missing, bad or lacks a task."""
    regenerate = "Regenerate it with `.venv/bin/python -m evals.token_sizes`."
    try:
        sizes = TokenSizes.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        raise ConfigError(f"cannot read the measured token sizes {path}: {exc}", hint=regenerate) from None
    missing = [t.node for t in TASKS if t.node not in sizes.tasks]
    if missing:
        raise ConfigError(f"{path} has no measured size for task {', '.join(missing)}", hint=regenerate)
    return sizes


@cache
def per_claim_nodes() -> frozenset[str]:
    """The nodes every re-testable claim runs, from the claim branch itself."""
    from agent.graph.build import build_claim_graph

    return frozenset(build_claim_graph().nodes)


# What an unchanged claim of a since-last run may still call: new papers screened, then judged with its old findings.
CARRIED_NODES = frozenset({SCREEN.node, JUDGE.node})


def calls_per_task(retestable_claims: int, carried: int = 0, planning: Planning = "line") -> dict[str, int]:
    """Model calls per task node for a line with this many re-testable claims, `carried` of them unchanged since the last run.

    `planning`: line plans every claim not carried in one call (plan_claims) and counts no claim's own
    plan_queries (made only for a claim that call leaves out); claim plans each on its own.
    """
    claim_nodes = per_claim_nodes()
    full = retestable_claims - carried
    calls = {t.node: (full + (carried if t.node in CARRIED_NODES else 0)) if t.node in claim_nodes else 1 for t in TASKS}
    if planning == "line":
        calls[PLAN_CLAIMS.node], calls[PLAN_QUERIES.node] = (1 if full else 0), 0
    else:
        calls[PLAN_CLAIMS.node] = 0
    return calls


def calls_expected(claims: int, planning: Planning = "line") -> int:
    """The calls a run of `claims` re-testable claims makes (an upper count; used for the time left)."""
    return sum(calls_per_task(claims, planning=planning).values())


@dataclass(frozen=True)
class RoleEstimate:
    """One role's share of a line's run."""

    role: Role
    model: str
    calls: int
    input_low: int
    input_high: int
    output_low: int
    output_high: int
    cost_low: float | None  # None: the model's price is unknown
    cost_high: float | None


@dataclass(frozen=True)
class LineEstimate:
    """A line's estimate: its claims, and each role's calls, tokens and price range."""

    name: str
    claims: int
    retestable: int
    roles: tuple[RoleEstimate, ...]
    carried: int = 0
    """Re-testable claims unchanged since the line's last run (`--since-last`): counted at most a screening and a judgment each."""

    @property
    def calls(self) -> int:
        return sum(r.calls for r in self.roles)

    @property
    def cost_low(self) -> float | None:
        return total_cost(r.cost_low for r in self.roles)

    @property
    def cost_high(self) -> float | None:
        return total_cost(r.cost_high for r in self.roles)


def _dollars(model: str, tokens_in: int, tokens_out: int, *, batch: bool = False) -> float | None:
    price = price_for(model)
    share = batch_discount() if batch else 1.0  # `--batch`: the batch APIs' price
    return None if price is None else (tokens_in * price.input + tokens_out * price.output) / 1_000_000 * share


def estimate_line(
    line: Line,
    settings: Settings,
    run_date: dt.date,
    *,
    name: str = "",
    sizes: TokenSizes | None = None,
    carried: Iterable[str] = (),
    batch: bool = False,
) -> LineEstimate:
    """The estimate of re-testing `line` on `run_date` with the models of `settings`; `carried`: the IDs of claims a since-last run carries.

    `batch`: priced at the batch APIs' discount (`--batch`); a compatible server's model, which has none, is priced the same either way.
    """
    sizes = sizes or load_token_sizes()
    claims = len(line.prompt.claims)
    skipped = not_retestable(line, run_date)
    retestable = claims - len(skipped)
    kept = len({c.id for c in line.prompt.claims if c.id not in skipped} & set(carried))
    calls = calls_per_task(retestable, kept, settings.planning)
    if not line.prompt.anchors or (kept and kept == retestable):
        # No anchor to read; or a since-last run that changes no claim, which carries the last run's reading (read_anchors).
        calls[READ_ANCHORS.node] = 0
    roles = []
    for role in ROLES:
        mine = [(sizes.tasks[node], n) for node, n in calls.items() if sizes.tasks[node].role == role]
        model = settings.model_for(role)
        tokens = {
            key: sum(getattr(size, key) * n for size, n in mine) for key in ("input_low", "input_high", "output_low", "output_high")
        }  # fmt: skip
        roles.append(
            RoleEstimate(
                role=role,
                model=model,
                calls=sum(n for _, n in mine),
                **tokens,
                cost_low=_dollars(model, tokens["input_low"], tokens["output_low"], batch=batch),
                cost_high=_dollars(model, tokens["input_high"], tokens["output_high"], batch=batch),
            )
        )
    return LineEstimate(name=name, claims=claims, retestable=retestable, roles=tuple(roles), carried=kept)


def library_total(estimates: Iterable[LineEstimate]) -> LineEstimate:
    """The sum of several lines' estimates, role by role (a role's model is the same for every line of a library run)."""
    items = list(estimates)
    roles = []
    for i, role in enumerate(ROLES):
        parts = [e.roles[i] for e in items]
        roles.append(
            RoleEstimate(
                role=role,
                model=parts[0].model if parts else "",
                calls=sum(p.calls for p in parts),
                input_low=sum(p.input_low for p in parts),
                input_high=sum(p.input_high for p in parts),
                output_low=sum(p.output_low for p in parts),
                output_high=sum(p.output_high for p in parts),
                cost_low=total_cost(p.cost_low for p in parts),
                cost_high=total_cost(p.cost_high for p in parts),
            )
        )
    return LineEstimate(
        name="total",
        claims=sum(e.claims for e in items),
        retestable=sum(e.retestable for e in items),
        roles=tuple(roles),
        carried=sum(e.carried for e in items),
    )
