"""What `--batch` adds to `retest run` and `retest resume`: submit, wait for the batches, collect, go on.

The work itself is agent.batches; this module picks the cassette of the batch
endpoints' traffic, prints what each check found, and says how to go on.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from agent.cli.app import err, out
from agent.errors import ExitCode, InputError
from agent.store import Store

if TYPE_CHECKING:
    from agent.runner import RunOutcome

BATCH_HELP = (
    "Send the model calls through OpenAI's Batch API and Anthropic's Message Batches: half the price, answers within hours (most within one). "
    "Each step's calls of every line go as one batch per model; the run waits as 'waiting' and exits, and `retest resume --waiting` "
    "(or --wait now) collects the answers and goes on. With --replay or --record, the batches' own traffic is in batches.yaml in the cassettes' folder."
)
WAIT_HELP = "With --batch: stay and check the batches every --poll seconds until every run has its answers (needed to --record)."
POLL_HELP = "With --wait: seconds between checks of a processing batch."
BATCHES_CASSETTE = "batches.yaml"


def batch_cassette_for(cassette: Path | str | None) -> Path | None:
    """The cassette of the batch endpoints' traffic: batches.yaml in the folder of the line's cassette (one for a library's lines)."""
    return None if cassette is None else Path(cassette).parent / BATCHES_CASSETTE


def check_batch_flags(*, batch: bool, wait: bool, record: bool, since_last: bool, max_cost: float | None = None) -> None:
    """InputError for flags that do not go with --batch (or --wait without it)."""
    if batch and max_cost is not None:
        # The budget checks a call before it is sent; a batched call is paid when the provider runs the batch, after this
        # process may have exited, so no check here could stop it.
        raise InputError(
            "--max-cost does not go with --batch yet: a batch is paid when the provider runs it, which no check here can stop",
            hint="Estimate it first with --dry-run --batch, or cap spending in the provider's console.",
        )
    if wait and not batch:
        raise InputError("--wait goes with --batch", hint="Add --batch, or leave --wait out.")
    if batch and record and not wait:
        raise InputError("--record with --batch needs --wait", hint="A recording is made in one sitting: add --wait so it holds every batch.")
    if batch and since_last:
        raise InputError("--batch and --since-last do not go together yet", hint="Run --since-last without --batch; its runs make few calls.")


def settle_runs(store: Store, run_ids: Sequence[str], *, wait: bool, poll_s: float) -> dict[str, RunOutcome]:
    """Collect, resume and submit for `run_ids` (one mode, one batch cassette), printing each check; returns their latest outcomes.

    Exits 11 (BATCH_WAITING) after saying how to go on when batches are still processing at the end.
    """
    from agent.batches import BatchClients, batch_traffic, settle
    from agent.config import settings_from_saved
    from agent.runs import get_run

    runs = [get_run(store, run_id) for run_id in run_ids]
    modes = {r.mode for r in runs}
    if len(modes) > 1:
        raise InputError(
            f"the waiting runs were started in different modes ({', '.join(sorted(modes))})", hint="Resume them one at a time: retest resume RUN_ID"
        )
    mode = modes.pop()
    if mode == "record" and not wait:
        raise InputError("a recording batch run goes on only with --wait", hint=f"retest resume {run_ids[0]} --wait")
    traffic = batch_cassette_for(runs[0].cassette)
    if mode == "replay" and (traffic is None or not traffic.is_file()):
        raise InputError(f"no cassette of the batch requests at {traffic}", hint="Replay a batch run with its batches.yaml beside the line cassettes.")
    settings = settings_from_saved(runs[0].settings) if runs[0].settings else None
    if settings is None:
        from agent.config import load_settings

        settings = load_settings()
    clients = BatchClients(settings, mode)
    if mode == "replay":
        poll_s = 0.0  # a replayed batch is as far along as the recording says at each check: waiting changes nothing
    with batch_traffic(mode, traffic):
        session = settle(store, clients, run_ids, wait=wait, poll_s=poll_s, say=lambda line: err.print(escape(line), highlight=False, soft_wrap=True))
    for run_id, message in session.failures.items():
        out.print(f"[red]failed[/] {escape(f'run {run_id}: {message}')}", highlight=False, soft_wrap=True)
    if session.waiting:
        total = sum(b.requests for b in session.open)
        err.print(
            f"{len(session.open)} batch{'es' if len(session.open) != 1 else ''} ({total} requests) still processing; the runs wait, saved. "
            "Go on later with: retest resume --waiting   (or add --wait to stay)",
            markup=False, highlight=False, soft_wrap=True,
        )  # fmt: skip
    return dict(session.outcomes)


def exit_if_waiting(store: Store, run_ids: Sequence[str]) -> None:
    """Exit 11 when any of the runs still waits for a batch."""
    from agent.runs import RunStatus, get_run

    if any(get_run(store, run_id).status is RunStatus.WAITING for run_id in run_ids):
        raise typer.Exit(int(ExitCode.BATCH_WAITING))
