"""What `--dry-run`, `--max-cost` and the library's confirmation add to `retest run` and `retest resume`.

Nothing here calls a model or arXiv: the estimate comes from agent.estimate (the
line's claims, the models' prices, the measured token sizes).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from agent.cli.app import err, out
from agent.config import ROLES, Mode, Settings
from agent.errors import ConfigError, ExitCode, InputError
from agent.estimate import LineEstimate, TokenSizes, estimate_line, library_total, load_token_sizes
from agent.line.read import load_line
from agent.llm.base import money
from agent.llm.budget import Budget
from agent.llm.prices import price_for

# Above this many dollars (the high end of the estimate, or --max-cost if lower) a library run asks first.
CONFIRM_ABOVE_USD = 1.00

DRY_RUN_HELP = (
    "Print the calls per role, the tokens and a price range per line and in total, and stop: no model or arXiv call. "
    "Low end: the median call of each task in the eval suite's cassettes (short abstracts); high end: real abstract "
    "lengths (evals/data/arxiv-slice) for screening and drafting (evals/token_sizes.json)."
)
MAX_COST_HELP = (
    "Stop before a model call whose worst case (its request and whole output budget, at the model's price) would take "
    "the spending past USD; the run is left resumable (`retest resume RUN --max-cost USD`)."
)


def _range(low: float | int | None, high: float | int | None, *, dollars: bool = False) -> str:
    if dollars:
        return money(low) if low == high else f"{money(low)}–{money(high)}"
    return f"{low:,}" if low == high else f"{low:,}–{high:,}"


def estimate_paths(
    paths: Sequence[Path],
    settings: Settings,
    run_date: dt.date,
    sizes: TokenSizes,
    carried: Mapping[Path, set[str]] | None = None,
    *,
    batch: bool = False,
) -> list[LineEstimate]:
    """Each line file's estimate; a line that cannot be read is the InputError naming it, as a run would raise.

    `carried`: per line, the claims a `--since-last` run would carry from its last run (`since_last_carried`); `batch`: at batch prices.
    """
    kept = carried or {}
    return [estimate_line(load_line(p).line, settings, run_date, name=p.name, sizes=sizes, carried=kept.get(p, set()), batch=batch) for p in paths]


def since_last_carried(paths: Sequence[Path], run_date: dt.date, overlap_days: int) -> dict[Path, set[str]]:
    """`--dry-run --since-last`: per line, the claims unchanged since its last run, as the run would plan them; says what each plan is.

    Reads the run store only (nothing is run, paid or written); a state directory without a database has no last run.
    """
    from agent.store import Store, database_url, default_db_path

    if not database_url() and not default_db_path().is_file():
        out.print("With --since-last: no run is stored yet, so each estimate is of a full run.", markup=False, highlight=False, soft_wrap=True)
        return {}
    from agent.incremental import planned

    store = Store.open()
    carried: dict[Path, set[str]] = {}
    for path in paths:
        plan, note = planned(store, load_line(path).line, run_date, overlap_days=overlap_days)
        if plan is None:
            said = f"{note}; the estimate is of a full run" if note else "no finished run of it yet: the estimate is of a full run"
        else:
            carried[path] = set(plan.claims)
            full = f"; re-tested in full: {', '.join(f'{c} ({why})' for c, why in plan.full.items())}" if plan.full else ""
            said = (
                f"since run {plan.previous_run_id} ({plan.previous_run_date.isoformat()}): {len(plan.claims)} unchanged claim(s) counted at most "
                f"a screening and a judgment each, which they make only if new papers come{full}. An upper bound: with nothing new, they make no call"
            )
        out.print(f"{path.name} with --since-last: {said}.", markup=False, highlight=False, soft_wrap=True)
    return carried


def _roles_table(estimate: LineEstimate, title: str) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, show_footer=True)
    footers = ["total", "", str(estimate.calls)]
    footers += [_range(sum(r.input_low for r in estimate.roles), sum(r.input_high for r in estimate.roles))]
    footers += [_range(sum(r.output_low for r in estimate.roles), sum(r.output_high for r in estimate.roles))]
    footers += [_range(estimate.cost_low, estimate.cost_high, dollars=True)]
    for name, footer in zip(("role", "model", "calls", "tokens in", "tokens out", "price"), footers, strict=True):
        # The figures stay whole; a long model string folds instead.
        table.add_column(name, footer=footer, justify="left" if name in ("role", "model") else "right", no_wrap=name != "model", overflow="fold")
    for r in estimate.roles:
        table.add_row(
            r.role, escape(r.model), str(r.calls), _range(r.input_low, r.input_high), _range(r.output_low, r.output_high),
            _range(r.cost_low, r.cost_high, dollars=True),
        )  # fmt: skip
    return table


def _where_from(sizes: TokenSizes, estimate: LineEstimate) -> None:
    out.print(f"low end: {sizes.low}", markup=False, highlight=False, soft_wrap=True)
    out.print(f"high end: {sizes.high}", markup=False, highlight=False, soft_wrap=True)
    if estimate.carried:
        out.print(
            f"Calls count every re-testable claim as planned, screened and judged, except the {estimate.carried} unchanged since the last run "
            "(screened and judged only); a claim with no newer paper makes fewer, and the questions and proposals are counted though a run "
            "where nothing moved makes neither.",
            highlight=False,
        )
    else:
        out.print("Calls count every re-testable claim as planned, screened and judged; a claim with no newer paper makes fewer.", highlight=False)
    unknown = sorted({r.model for r in estimate.roles if price_for(r.model) is None})
    if unknown:
        out.print(f"No price is known for {', '.join(unknown)}: its share is 'unknown' (agent/llm/prices.toml).", markup=False, highlight=False)


def print_line_estimate(path: Path, settings: Settings, run_date: dt.date, *, since_last: int | None = None, batch: bool = False) -> None:
    """`retest run LINE --dry-run`: the line's roles table and where each end of the range comes from.

    `since_last` (the overlap in days): the estimate of a `--since-last` run, from the plan its last run gives.
    """
    sizes = load_token_sizes()
    carried = since_last_carried([path], run_date, since_last) if since_last is not None else None
    (estimate,) = estimate_paths([path], settings, run_date, sizes, carried, batch=batch)
    priced = " Priced at the batch APIs' discount." if batch else ""
    out.print(f"Dry run: nothing is called or paid. {path}: {estimate.claims} claims, {estimate.retestable} re-testable on {run_date.isoformat()}.{priced}")
    out.print(_roles_table(estimate, f"Estimate for {escape(path.name)}"))
    _where_from(sizes, estimate)


def print_library_estimate(estimates: Sequence[LineEstimate], sizes: TokenSizes) -> LineEstimate:
    """`retest run --all DIR --dry-run`: a row per line, then the roles of the whole library; returns the total."""
    total = library_total(estimates)
    table = Table(title="Estimate per line", box=box.SIMPLE_HEAD, pad_edge=False)
    for name in ("line", "claims", "calls", "tokens in", "tokens out", "price"):
        # A line's name stays whole (up to 40 characters), as the figures do.
        width = min(40, max((len(e.name) for e in estimates), default=4)) if name == "line" else None
        table.add_column(name, justify="left" if name == "line" else "right", no_wrap=True, min_width=width, overflow="fold")
    for e in estimates:
        tokens_in = _range(sum(r.input_low for r in e.roles), sum(r.input_high for r in e.roles))
        tokens_out = _range(sum(r.output_low for r in e.roles), sum(r.output_high for r in e.roles))
        table.add_row(escape(e.name), str(e.claims), str(e.calls), tokens_in, tokens_out, _range(e.cost_low, e.cost_high, dollars=True))
    out.print(table)
    out.print(_roles_table(total, f"Estimate for the library ({len(estimates)} lines, {total.claims} claims)"))
    _where_from(sizes, total)
    return total


def check_max_cost(max_cost: float | None, settings: Settings) -> None:
    """InputError for a negative limit, ConfigError for a model without a price: found before anything is recorded."""
    if max_cost is None:
        return
    if max_cost < 0:
        raise InputError(f"--max-cost {max_cost:g} is below zero", hint="Give the most the run may spend, in US dollars, e.g. --max-cost 0.50.")
    for role in ROLES:
        model = settings.model_for(role)
        if price_for(model) is None:
            raise ConfigError(
                f"--max-cost needs each model's price, and the {role}'s model {model} has none in agent/llm/prices.toml",
                hint="Add its price there, or run without --max-cost.",
            )


def budget_for(max_cost: float | None, *, spent_usd: float = 0.0) -> Budget | None:
    """The process's budget for --max-cost (None without one); `spent_usd` is what the run spent before."""
    if max_cost is None:
        return None
    return Budget(max_cost, chars_per_token=load_token_sizes().chars_per_token_min, spent_usd=spent_usd)


def confirm_library(
    total: LineEstimate,
    *,
    mode: Mode,
    max_cost: float | None,
    yes: bool,
    threshold: float = CONFIRM_ABOVE_USD,
    is_terminal: Callable[[], bool] = lambda: sys.stdin.isatty(),
    ask: Callable[[str], bool] = lambda question: typer.confirm(question, default=False, err=True),
) -> None:
    """Go on, ask (stdin a terminal) or refuse (not a terminal, no --yes) when a library run may cost more than `threshold`.

    Replay pays nothing; an unknown price cannot be compared and is said, not asked about.
    """
    if mode == "replay" or yes:
        return
    exposure = total.cost_high
    if exposure is None:
        err.print("The library's price is unknown (a model without a price); going on without asking.", highlight=False)
        return
    if max_cost is not None:
        exposure = min(exposure, max_cost)
    if exposure <= threshold:
        return
    said = f"re-testing {total.claims} claims in about {total.calls} model calls may cost {_range(total.cost_low, total.cost_high, dollars=True)}"
    if not is_terminal():
        raise InputError(
            f"{said}, above {money(threshold)}, and there is no terminal to ask for confirmation",
            hint="Add --yes to go ahead, --max-cost USD to cap the spending, or --dry-run to see the estimate per line.",
        )
    capped = f" (at most {money(max_cost)}: --max-cost)" if max_cost is not None else ""
    if not ask(f"{said[0].upper()}{said[1:]}{capped}. Go on?"):
        err.print("Nothing was run.", highlight=False)
        raise typer.Exit(int(ExitCode.BUDGET))
