"""evals/token_sizes.json is what evals/token_sizes.py measures now, and the measurement reads the cassettes it names."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from agent.estimate import load_token_sizes
from agent.graph.tasks import TASKS
from evals import token_sizes


def test_the_committed_sizes_are_current() -> None:
    committed = token_sizes.OUTPUT.read_text(encoding="utf-8")
    assert committed == token_sizes.render(token_sizes.measure()), (
        "evals/token_sizes.json is out of date (a cassette, a task or the slice changed): run `.venv/bin/python -m evals.token_sizes`"
    )


def test_every_task_is_measured_and_the_high_end_is_not_below_the_low() -> None:
    sizes = load_token_sizes()
    assert set(sizes.tasks) == {t.node for t in TASKS}
    for node, size in sizes.tasks.items():
        assert size.role == next(t.role for t in TASKS if t.node == node)
        assert size.input_high >= size.input_low > 0 and size.output_high >= size.output_low > 0, node


def test_real_abstracts_make_screening_several_times_what_the_cassettes_show() -> None:
    # The measurement: a screening call with real abstracts is about 5k input tokens.
    screen = load_token_sizes().tasks["screen"]
    assert 3_500 <= screen.input_high <= 6_500
    assert screen.input_high >= 3 * screen.input_low


def test_the_measurement_follows_the_recorded_usage(tmp_path: Path) -> None:
    demo = token_sizes.ROOT / "cassettes" / "demo" / "bargaining-power.yaml"
    copy = tmp_path / "demo.yaml"
    shutil.copy(demo, copy)
    before = token_sizes.recorded_calls([copy])
    text = copy.read_text(encoding="utf-8")
    assert "input_tokens: 1956\n" in text  # the questions call
    copy.write_text(text.replace("input_tokens: 1956\n", "input_tokens: 9999\n"), encoding="utf-8")
    after = token_sizes.recorded_calls([copy])
    changed = [(b.task, b.input_tokens, a.input_tokens) for b, a in zip(before, after, strict=True) if b != a]
    assert changed == [("propose_questions", 1956, 9999)]
    # plan_queries is the per-claim fallback of the line's one plan: the demo, whose plan is usable, never calls it.
    assert {c.task for c in before} == {t.node for t in TASKS} - {"plan_queries"}, "the demo makes a call of every other task"


def test_the_file_names_its_inputs_with_their_hashes() -> None:
    inputs = json.loads(token_sizes.OUTPUT.read_text(encoding="utf-8"))["inputs"]
    assert "cassettes/demo/bargaining-power.yaml" in inputs and "evals/data/arxiv-slice/papers.jsonl.gz" in inputs
