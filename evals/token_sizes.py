"""Measure the token sizes of each model task from the recorded cassettes: `evals/token_sizes.json`.

    .venv/bin/python -m evals.token_sizes          # rewrite evals/token_sizes.json
    .venv/bin/python -m evals.token_sizes --check  # exit 1 when the file is out of date

`retest run --dry-run` estimates a line's tokens and price from this file, so
the figures come from data, never from constants typed in:

- **low** (what the cassettes show): the median input and output tokens of each
  task's calls in the eval suite's cassettes (`cassettes/demo/`, `cassettes/evals/`),
  each distinct request counted once (three eval cassettes copy the demo's calls).
  Most of those abstracts are our one-sentence summaries, several times shorter
  than real ones.
- **high** (real abstract lengths): for a task whose input carries papers
  (screening, drafting), the call's fixed part (its median input without the
  paper blocks) plus the most papers any recorded call of the task carried,
  each paper block as long as the mean block rendered from the real abstracts
  of `evals/data/arxiv-slice/`, counted in tokens at the characters per token
  that a real tokenizer gave on paper-carrying calls (`cassettes/real-local/`,
  recorded from a real model server); for every other task, its largest
  recorded call. Output: the largest recorded answer of the task.

tests/cost/test_token_sizes.py fails when the file differs from what this
script measures now (a cassette re-recorded, a task added, the slice changed).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import statistics
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "evals" / "token_sizes.json"
SUITE_CASSETTES = ("cassettes/demo", "cassettes/evals")
REAL_TOKENIZER_CASSETTES = "cassettes/real-local"
REAL_ABSTRACTS = "evals/data/arxiv-slice/papers.jsonl.gz"
# A paper block as agent.graph.evidence.paper_blocks renders it (the label names its arXiv ID).
_PAPER_BLOCK = re.compile(r'<untrusted_data label="arXiv:[^"]*">.*?</untrusted_data>', re.S)


@dataclass(frozen=True)
class Call:
    """One recorded model request: the task it was, what it sent and what the provider counted."""

    task: str
    chars: int
    paper_chars: int
    papers: int
    input_tokens: int
    output_tokens: int


def _schema_tasks() -> dict[str, str]:
    """Answer schema name -> task node, from agent/graph/tasks.py (each task declared once)."""
    from agent.graph.tasks import TASKS

    return {task.schema.__name__: task.node for task in TASKS}


def _interactions(path: Path) -> Iterator[tuple[Any, dict[str, Any]]]:
    from vcr.serialize import deserialize

    from agent.recording import serializer

    requests, responses = deserialize(path.read_text(encoding="utf-8"), serializer)
    yield from zip(requests, responses, strict=True)


def _schema_title(body: dict[str, Any]) -> str | None:
    # OpenAI and compatible servers: response_format.json_schema; Anthropic: output_config.format.
    openai_schema = ((body.get("response_format") or {}).get("json_schema") or {}).get("schema") or {}
    anthropic_schema = ((body.get("output_config") or {}).get("format") or {}).get("schema") or {}
    title = openai_schema.get("title") or anthropic_schema.get("title")
    return str(title) if title else None


def _text(body: dict[str, Any]) -> str:
    """Every text a request sends: the system prompt and the messages' contents."""
    system = body.get("system") or ""
    # Anthropic's system prompt as text blocks (with a cache breakpoint) is the same text as a string.
    parts = [system if isinstance(system, str) else "".join(b.get("text", "") if isinstance(b, dict) else json.dumps(b) for b in system)]
    for message in body.get("messages") or []:
        content = message.get("content")
        parts.append(content if isinstance(content, str) else json.dumps(content))
    return "".join(parts)


def _usage(response: dict[str, Any]) -> tuple[int, int] | None:
    try:
        usage = json.loads(response["body"]["string"]).get("usage") or {}
    except (KeyError, TypeError, ValueError):
        return None
    tokens_in = usage.get("prompt_tokens", usage.get("input_tokens"))
    tokens_out = usage.get("completion_tokens", usage.get("output_tokens"))
    return (int(tokens_in), int(tokens_out)) if tokens_in is not None and tokens_out is not None else None


def recorded_calls(paths: list[Path]) -> list[Call]:
    """The model calls of the cassettes at `paths`, each distinct request once."""
    from agent.recording.matching import body_projection

    tasks = _schema_tasks()
    seen: set[str] = set()
    calls = []
    for path in paths:
        for request, response in _interactions(path):
            if request.method != "POST" or not request.body:
                continue
            raw = request.body if isinstance(request.body, str) else request.body.decode("utf-8")
            # What replay matches on (cache breakpoints and string-or-block prompts normalised), so a copy counts once.
            digest = hashlib.sha256(f"{request.uri}\n{json.dumps(body_projection(raw), sort_keys=True, default=str)}".encode()).hexdigest()
            try:
                body = json.loads(raw)
            except ValueError:
                continue
            task, usage = tasks.get(_schema_title(body) or ""), _usage(response)
            if task is None or usage is None or digest in seen:
                continue
            seen.add(digest)
            text = _text(body)
            blocks = _PAPER_BLOCK.findall(text)
            calls.append(Call(task, len(text), sum(map(len, blocks)), len(blocks), usage[0], usage[1]))
    return calls


def real_paper_block_chars(path: Path) -> tuple[int, float]:
    """How many real records the slice holds, and the mean length of their paper blocks as the prompts render them."""
    import datetime as dt

    from agent.graph.evidence import paper_blocks
    from agent.sources.models import Paper

    lengths = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for row in map(json.loads, handle):
            paper = Paper(arxiv_id=row["id"], title=row["title"], summary=row["abstract"], published=dt.date.fromisoformat(str(row["published"])[:10]))
            lengths.append(len(paper_blocks([paper])))
    return len(lengths), statistics.fmean(lengths)


def _cassettes(folders: tuple[str, ...] | str) -> list[Path]:
    names = (folders,) if isinstance(folders, str) else folders
    return sorted(p for folder in names for p in (ROOT / folder).glob("*.yaml"))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def measure() -> dict[str, Any]:
    """The figures of evals/token_sizes.json, measured from the files they come from."""
    from agent.graph.tasks import TASKS

    suite_paths, real_paths, slice_path = _cassettes(SUITE_CASSETTES), _cassettes(REAL_TOKENIZER_CASSETTES), ROOT / REAL_ABSTRACTS
    calls = recorded_calls(suite_paths)
    real_calls = recorded_calls(real_paths)
    with_papers = [c for c in real_calls if c.papers]
    chars_per_token = sum(c.chars for c in with_papers) / sum(c.input_tokens for c in with_papers)
    # The densest text a real tokenizer was given: a budget's worst case counts input at this rate.
    chars_per_token_min = min(c.chars / c.input_tokens for c in real_calls)
    slice_papers, block_chars = real_paper_block_chars(slice_path)
    block_tokens = block_chars / chars_per_token
    tasks: dict[str, Any] = {}
    for task in TASKS:
        mine = [c for c in calls if c.task == task.node]
        if not mine:
            raise SystemExit(f"no recorded call of task {task.node!r} in {', '.join(SUITE_CASSETTES)}: record one before estimating it")
        input_low = statistics.median(c.input_tokens for c in mine)
        papers_high = max(c.papers for c in mine)
        if papers_high:
            # The call's own characters per token split its input into the paper blocks and the rest.
            fixed = statistics.median(c.input_tokens * (1 - c.paper_chars / c.chars) for c in mine)
            input_high = fixed + papers_high * block_tokens
        else:
            input_high = max(c.input_tokens for c in mine)
        tasks[task.node] = {
            "role": task.role,
            "calls_measured": len(mine),
            "input_low": round(input_low),
            "output_low": round(statistics.median(c.output_tokens for c in mine)),
            "input_high": round(max(input_high, input_low)),
            "output_high": max(c.output_tokens for c in mine),
            "papers_high": papers_high,
        }
    return {
        "about": "Measured token sizes per model task; written by `python -m evals.token_sizes`, never by hand (see its docstring).",
        "low": "median call of each task in the eval suite's cassettes (" + ", ".join(SUITE_CASSETTES) + "; abstracts mostly short summaries)",
        "high": f"paper-carrying tasks with real abstract lengths ({REAL_ABSTRACTS}) at a real tokenizer's characters per token "
        f"({REAL_TOKENIZER_CASSETTES}); other tasks at their largest recorded call",
        "real_abstracts": {"papers": slice_papers, "block_chars_mean": round(block_chars, 1), "block_tokens_mean": round(block_tokens, 1)},
        "chars_per_token": round(chars_per_token, 3),
        "chars_per_token_min": round(chars_per_token_min, 3),
        "tasks": tasks,
        "inputs": {str(p.relative_to(ROOT)): _sha256(p) for p in [*suite_paths, *real_paths, slice_path]},
    }


def render(figures: dict[str, Any]) -> str:
    return json.dumps(figures, indent=2, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when evals/token_sizes.json is out of date, write nothing")
    args = parser.parse_args(argv)
    text = render(measure())
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.is_file() else ""
        if current != text:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date: run `.venv/bin/python -m evals.token_sizes`", file=sys.stderr)
            return 1
        return 0
    tmp = OUTPUT.with_suffix(".json.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(OUTPUT)  # atomically: a half-written file would break every dry run
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
