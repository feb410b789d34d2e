"""evals/price_per_line.py prices the demo through the dry-run estimate: a current model, caching as measured, batch at half."""

from __future__ import annotations

import pytest

from agent.config import load_settings
from agent.estimate import estimate_line
from agent.line.read import load_line
from agent.llm.prices import load_prices
from evals.price_per_line import LINE, RUN_DATE, _with_cache, cheapest_current_model, rows


def test_the_cheapest_model_is_a_current_one_and_no_current_model_is_cheaper():
    table = load_prices()
    name = cheapest_current_model().split(":", 1)[1]
    assert table.statuses[name].state == "current"
    cost = lambda n: 6 * table.models[n].input + table.models[n].output  # noqa: E731
    assert all(cost(name) <= cost(other) for other, s in table.statuses.items() if s.state == "current")


def test_each_choice_is_priced_synchronously_with_caching_as_measured_and_in_batch_at_half():
    table = rows()
    assert len(table) == 9
    for sync, cached, batch in zip(table[0::3], table[1::3], table[2::3], strict=True):
        assert 0 < sync["sync_low"] < sync["sync_high"]
        assert (cached["sync_low"], cached["sync_high"]) == pytest.approx((sync["sync_low"], sync["sync_high"]))  # 0% cacheable today
        assert batch["sync_high"] == pytest.approx(sync["sync_high"] / 2) and batch["calls"] == sync["calls"] == 14


def test_a_cached_share_lowers_the_price_by_the_cached_inputs_discount():
    estimate = estimate_line(load_line(LINE).line, load_settings(), RUN_DATE)
    uncached, half = _with_cache(estimate, 0.0, "high"), _with_cache(estimate, 0.5, "high")
    assert uncached == pytest.approx(estimate.cost_high)
    assert 0 < half < uncached


def test_the_measured_batch_replay_costs_half_the_synchronous_one():
    from evals.price_per_line import measured_replays

    measured = measured_replays()
    assert measured["sync_usd"] > 0
    assert measured["batch_usd"] == pytest.approx(measured["sync_usd"] / 2)
