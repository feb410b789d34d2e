"""The estimate before a run: calls per role from the claims, prices from the models, tokens from the measured sizes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from agent.config import Settings
from agent.errors import ConfigError
from agent.estimate import TokenSizes, calls_per_task, estimate_line, load_token_sizes, per_claim_nodes
from agent.graph.tasks import TASKS
from agent.line.read import load_line
from agent.runner import cassette_run_date, start_run
from agent.services import RunRequest
from agent.store import Store

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"
CASSETTE = REPO / "cassettes" / "demo" / "bargaining-power.yaml"


def test_the_demo_estimate_is_within_25_percent_of_what_its_replay_reports() -> None:
    run_date = cassette_run_date(CASSETTE)
    assert run_date is not None
    settings = Settings()  # the default models are those the demo cassette was made with
    estimate = estimate_line(load_line(LINE).line, settings, run_date)
    outcome = start_run(LINE, RunRequest(mode="replay", cassette=CASSETTE, run_date=run_date, settings=settings), Store.open())
    replayed = outcome.cost_usd
    assert replayed is not None and estimate.cost_low is not None and estimate.cost_high is not None
    assert abs(estimate.cost_low - replayed) <= 0.25 * replayed, (estimate.cost_low, replayed)
    assert estimate.cost_high > replayed, "real abstract lengths cost more than the cassette's summaries"
    # Calls per role as the replay made them: five claims planned, screened and judged, two writer calls.
    made = {role: sum(u.calls for u in outcome.usage if u.role == role) for role in ("planner", "screener", "judge", "writer")}
    assert {r.role: r.calls for r in estimate.roles} == made
    tokens_in = sum(u.input_tokens for u in outcome.usage)
    assert abs(sum(r.input_low for r in estimate.roles) - tokens_in) <= 0.25 * tokens_in


def test_claims_the_run_cannot_retest_make_no_calls() -> None:
    line = load_line(LINE).line
    latest = max(c.date.value for c in line.prompt.claims)
    early = latest - dt.timedelta(days=1)
    skipped = sum(1 for c in line.prompt.claims if c.date.value > early)
    assert skipped >= 1
    now, before = estimate_line(line, Settings(), latest), estimate_line(line, Settings(), early)
    assert before.retestable == now.retestable - skipped
    # A skipped claim saves its screening and judgment; the line's one planning call is made either way.
    assert before.calls == now.calls - skipped * len(per_claim_nodes() & {t.node for t in TASKS} - {"plan_queries"})


def test_per_claim_tasks_come_from_the_claim_branch() -> None:
    assert per_claim_nodes() & {t.node for t in TASKS} == {"plan_queries", "screen", "judge"}
    assert calls_per_task(3) == {"read_anchors": 1, "plan_claims": 1, "plan_queries": 0, "screen": 3, "judge": 3, "propose_questions": 1, "draft_proposals": 1}


def test_prices_follow_the_configured_models() -> None:
    line = load_line(LINE).line
    cheap = estimate_line(line, Settings(judge="openai:gpt-5.4-mini", writer="openai:gpt-5.4-mini"), dt.date(2026, 11, 29))
    default = estimate_line(line, Settings(), dt.date(2026, 11, 29))
    assert cheap.cost_low is not None and default.cost_low is not None and cheap.cost_low < default.cost_low
    local = estimate_line(line, Settings(judge="openai-compatible:http://127.0.0.1:8000/v1#smollm2"), dt.date(2026, 11, 29))
    judge = next(r for r in local.roles if r.role == "judge")
    assert judge.cost_low is None and local.cost_low is None, "an unknown price is unknown, never 0"
    assert next(r for r in local.roles if r.role == "planner").cost_low is not None


def test_a_sizes_file_without_a_task_is_a_config_error(tmp_path: Path) -> None:
    sizes = load_token_sizes().model_dump()
    del sizes["tasks"]["judge"]
    path = tmp_path / "sizes.json"
    path.write_text(TokenSizes.model_validate(sizes).model_dump_json(), encoding="utf-8")
    with pytest.raises(ConfigError, match="no measured size for task judge"):
        load_token_sizes(path)
    with pytest.raises(ConfigError, match="evals.token_sizes"):
        load_token_sizes(tmp_path / "missing.json")
