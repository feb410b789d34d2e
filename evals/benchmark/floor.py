"""The floor a run cannot beat, and the targets of issue 7.

A run's floor is the larger of two bounds:
- arXiv: its n requests, one every `spacing` seconds (arXiv's limit, one
  connection), so the last starts (n-1) x spacing after the first; plus that
  last response; plus the model calls that must follow it (the screen and
  judge of the claim it searched for, then propose_questions and
  draft_proposals), each at the set model latency;
- models: the longest chain of dependent model calls (plan, screen, judge of
  one claim, then the line's own calls) at the set latency.
Retest's limiter spaces requests from the END of the previous response by
default (arxiv_spacing_from = "end"): it waits for each response first, so
what it allows at best is n x response + (n-1) x spacing + the tail: the
"limiter bound", shown beside the floor so a miss caused by that choice can be
told apart from overhead. RETEST_ARXIV_SPACING_FROM=start spaces from each
request's start, the floor's own assumption.

A run with `--source local` sends no arXiv request, so its floor has no
spacing at all: the longer of the longest chain of dependent model calls and
all its model calls through the pool of concurrent calls (`local_floor_s`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Issue 7's unscaled settings: 3 s between arXiv requests, 0.8 s per arXiv response, 2 s per model call.
ARXIV_SPACING_S = 3.0
ARXIV_LATENCY_S = 0.8
MODEL_LATENCY_S = 2.0

RATIO_TARGET = 1.25
MEMORY_TARGET_MB = 300.0
EVAL_TARGET_S = 20.0


@dataclass(frozen=True)
class Timing:
    """The stand-ins' latencies and Retest's arXiv spacing, all scaled by one factor."""

    scale: float

    @property
    def spacing_s(self) -> float:
        return ARXIV_SPACING_S * self.scale

    @property
    def arxiv_s(self) -> float:
        return ARXIV_LATENCY_S * self.scale

    @property
    def model_s(self) -> float:
        return MODEL_LATENCY_S * self.scale


def floor_s(requests: int, tail_calls: int, chain_calls: int, timing: Timing) -> float:
    """The lower bound on a run's wall time (see the module docstring)."""
    by_models = chain_calls * timing.model_s
    if requests == 0:
        return by_models
    by_arxiv = (requests - 1) * timing.spacing_s + timing.arxiv_s + tail_calls * timing.model_s
    return max(by_arxiv, by_models)


def limiter_bound_s(requests: int, tail_calls: int, chain_calls: int, timing: Timing, measure_from: str = "end") -> float:
    """The best Retest's limiter permits: spaced from each response's end (every response waited
    for, then the spacing), or from each request's start (the floor, if responses are quicker than the spacing)."""
    by_models = chain_calls * timing.model_s
    if requests == 0:
        return by_models
    if measure_from == "start":
        arxiv = (requests - 1) * max(timing.spacing_s, timing.arxiv_s) + timing.arxiv_s
    else:
        arxiv = requests * timing.arxiv_s + (requests - 1) * timing.spacing_s
    return max(arxiv + tail_calls * timing.model_s, by_models)


def pool_bound_s(calls: int, pool_size: int, timing: Timing) -> float:
    """Not part of the issue's floor, shown beside it: all model calls through the bounded pool."""
    return calls * timing.model_s / pool_size


def local_floor_s(chain_calls: int, calls: int, pool_size: int, timing: Timing) -> float:
    """The floor of a run on the local index: no arXiv spacing, only the model calls (chain, or all through the pool)."""
    return max(chain_calls * timing.model_s, pool_bound_s(calls, pool_size, timing))


# Issue 11's goals for the local index, on 2 cores.
INDEX_BUILD_TARGET_S = 120.0
INDEX_SIZE_TARGET_MB = 200.0
SEARCH_P95_TARGET_MS = 20.0


@dataclass(frozen=True)
class Target:
    """One target of the issue: what it asks, what was measured, whether it is met and by how much not."""

    name: str
    wanted: str
    measured: str
    met: bool
    miss: str = ""


def line_budgets(lines: list[dict[str, Any]]) -> tuple[Target, Target]:
    """At most 2c+2 arXiv requests and 2c+4 model calls per line, over every line given."""
    arxiv_over = [(line["name"], line["arxiv_requests"] - (2 * line["claims"] + 2)) for line in lines]
    calls_over = [(line["name"], line["model_calls"] - (2 * line["claims"] + 4)) for line in lines]
    worst_arxiv = max(arxiv_over, key=lambda x: x[1])
    worst_calls = max(calls_over, key=lambda x: x[1])
    missed_lines = [name for name, over in calls_over if over > 0]
    arxiv = Target(
        "arXiv requests per line", "<= 2 x claims + 2", f"worst {worst_arxiv[0]}: {worst_arxiv[1]:+d} vs budget",
        worst_arxiv[1] <= 0, "" if worst_arxiv[1] <= 0 else f"{worst_arxiv[1]} over on {worst_arxiv[0]}",
    )  # fmt: skip
    calls = Target(
        "model calls per line", "<= 2 x claims + 4", f"worst {worst_calls[0]}: {worst_calls[1]:+d} vs budget",
        not missed_lines,
        "" if not missed_lines else f"{len(missed_lines)} of {len(lines)} lines over, by up to {worst_calls[1]} (expected 2c+4: screen and judge per claim; anchors, the plan, questions, draft per line; a claim the plan leaves out is planned on its own)",
    )  # fmt: skip
    return arxiv, calls


def ratio_target(name: str, wall: float, floor: float) -> Target:
    ratio = wall / floor if floor else float("inf")
    met = ratio <= RATIO_TARGET
    return Target(name, f"wall/floor <= {RATIO_TARGET}", f"{ratio:.2f}", met, "" if met else f"{ratio - RATIO_TARGET:+.2f} ({ratio / RATIO_TARGET - 1:+.0%})")
