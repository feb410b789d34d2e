"""evals/cache_share.py reads every model call of the demo cassette, and a prefix counts only from the provider's minimum."""

from __future__ import annotations

from evals.cache_share import DEMO, cacheable_share, measure


def test_every_demo_call_is_known_by_its_task_with_a_prefix_shorter_than_its_input():
    rows = measure([DEMO])
    assert set(rows) == {"read_anchors", "plan_claims", "screen", "judge", "propose_questions", "draft_proposals"}
    assert sum(int(r["calls"]) for r in rows.values()) == 14
    for task, row in rows.items():
        assert 0 < row["prefix_tokens"] < row["input_tokens"] <= row["input_tokens_real_abstracts"], task


def test_a_prefix_below_the_minimum_is_not_cached_and_one_above_it_is():
    assert cacheable_share(1023, 4000, 1024) == 0.0
    assert cacheable_share(1024, 4096, 1024) == 0.25
