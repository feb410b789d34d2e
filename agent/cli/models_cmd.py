"""`retest models`: which model each role uses, where that came from, its price and status, which keys are set.

Model strings are shown with credentials in their URLs redacted (agent.redact), as keys are shown only as set or not.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from agent.cli.app import app, err, out
from agent.config import ROLES, ResolvedModel, Role, resolve_roles
from agent.llm.keys import key_is_set
from agent.llm.model_string import parse_model_string
from agent.llm.prices import ModelStatus, load_prices, price_for, status_for, status_warning
from agent.llm.providers import Provider, provider_names, registered
from agent.redact import redact_urls

_MODEL_HELP = "Model for the {role} role, e.g. openai:gpt-5.4-mini (overrides RETEST_{ROLE} and the preset)."


@app.command("models")
def models(
    preset: Annotated[str | None, typer.Option("--preset", help="Named preset, e.g. fast or thorough.")] = None,
    planner: Annotated[str | None, typer.Option("--planner", help=_MODEL_HELP.format(role="planner", ROLE="PLANNER"))] = None,
    screener: Annotated[str | None, typer.Option("--screener", help=_MODEL_HELP.format(role="screener", ROLE="SCREENER"))] = None,
    judge: Annotated[str | None, typer.Option("--judge", help=_MODEL_HELP.format(role="judge", ROLE="JUDGE"))] = None,
    writer: Annotated[str | None, typer.Option("--writer", help=_MODEL_HELP.format(role="writer", ROLE="WRITER"))] = None,
) -> None:
    """Show the model for each role (flag > RETEST_<ROLE> > preset > default), its price, its status and the API keys present.

    Warns about a model the price table calls legacy or that shuts down within
    30 days (or already has), naming where that comes from.

    Example: retest models --preset fast --judge anthropic:claude-sonnet-4-6
    """
    roles = resolve_roles({"planner": planner, "screener": screener, "judge": judge, "writer": writer}, preset)
    out.print(_roles_table(roles))
    out.print(_prices_table(roles))
    for line in _key_lines(roles):
        out.print(line, highlight=False)
    for warning in _status_warnings(roles, _today()):
        err.print(f"warning: {redact_urls(warning)}", markup=False, highlight=False, soft_wrap=True)


def _today() -> dt.date:
    return dt.date.today()


def _roles_table(roles: dict[Role, ResolvedModel]) -> Table:
    table = Table(title="Models by role")
    for column in ("role", "model", "from"):
        table.add_column(column, overflow="fold")
    for role in ROLES:
        table.add_row(role, redact_urls(roles[role].model_string), roles[role].source)
    return table


def _prices_table(roles: dict[Role, ResolvedModel]) -> Table:
    table = Table(title=f"Estimated US$ per million tokens (price table as of {load_prices().as_of})")
    for column in ("model", "in", "out", "cached in", "status"):
        # Prices stay whole; a long model string folds and a status wraps at its space.
        table.add_column(column, overflow="fold", no_wrap=column in ("in", "out", "cached in"))
    for model_string in dict.fromkeys(roles[role].model_string for role in ROLES):
        model = parse_model_string(model_string).model
        price = price_for(model)
        money = [f"{p:.3f}" for p in (price.input, price.output, price.cached_input)] if price else ["unknown"] * 3
        table.add_row(redact_urls(model_string), *money, _status_cell(status_for(model)))
    return table


def _status_cell(status: ModelStatus) -> str:
    return f"shutdown {status.shutdown.isoformat()}" if status.shutdown else status.state


def _status_warnings(roles: dict[Role, ResolvedModel], today: dt.date) -> list[str]:
    """One warning per configured model that is legacy or near (or past) its shutdown, naming the roles that use it."""
    users: dict[str, list[str]] = {}
    for role in ROLES:
        users.setdefault(roles[role].model_string, []).append(role)
    warnings = []
    for model_string, role_names in users.items():
        warning = status_warning(parse_model_string(model_string).model, today)
        if warning:
            warnings.append(f"{', '.join(role_names)}: {warning}")
    return warnings


def _key_lines(roles: dict[Role, ResolvedModel]) -> list[str]:
    """One line per provider key: set or not (never its value), and which roles need it."""
    users: dict[Provider, list[str]] = {provider: [] for provider in provider_names()}
    for role in ROLES:
        users[parse_model_string(roles[role].model_string).provider].append(role)
    lines = []
    for spec in registered():
        if spec.key_variable is None:
            continue  # nothing to set
        state = "set" if key_is_set(spec.name) else "not set"
        if not users[spec.name]:
            need = "not needed"
        elif spec.optional_key is not None:
            need = f"used by {', '.join(users[spec.name])}; optional, {spec.optional_key.why}"
        else:
            need = f"needed by {', '.join(users[spec.name])}"
        lines.append(f"{spec.key_variable}: {state} ({need})")
    return lines
