"""A library of generated lines for the benchmark, built with the line model and written in the real format.

Each line takes the demo line's shape (role, tasks, closing) and gets its own
question, 2 to 5 dated claims, notes and 1 or 2 anchors. Claims restate the
own-words summaries of real catalogued papers in one domain per line, so every
line plans different queries (no line is served from another's cache), and
anchors are real arXiv IDs with their real titles and months; every fifth
line cites 2306.14694 by its version-1 title, which costs the second,
per-version lookup a real line with that anchor costs. Every file is rendered
with render_plaintext(check=True), so it reads back as the line it was built from.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from agent.line.dates import parse_fuzzy_date
from agent.line.export import render_plaintext
from agent.line.models import AnchorPaper, Claim, Line, SourceNote, Task
from agent.line.read import load_line
from evals.authoring import arxiv_wire
from evals.benchmark.answers import first_sentence

REPO = Path(__file__).resolve().parents[2]
DEMO_LINE = REPO / "examples" / "bargaining-power.txt"
DOMAINS = (
    "healthcare", "education", "logistics", "finance", "journalism", "law", "retail", "manufacturing", "insurance",
    "agriculture", "tourism", "architecture", "pharmacy", "translation", "accounting", "recruiting", "nursing",
    "diplomacy", "policing", "publishing",
)  # fmt: skip
CLAIM_DATES = ("~2023", "~2024", "2024-06", "~2025", "2025-03")
CHANGED_TITLE_ID = "2306.14694"


def _papers() -> list[dict]:
    """Catalogued papers with an own-words summary, oldest first (stable order)."""
    # The demo line's catalog only: other topics' files may come and go, the benchmark's input should not.
    papers = [p for p in arxiv_wire.catalog(arxiv_wire.CATALOG).values() if p.get("summary")]
    return sorted(papers, key=lambda p: (p["published"] or p["published_month"], p["arxiv_id"]))


def _anchor(index: int, arxiv_id: str, *, cite_v1_title: bool = False) -> AnchorPaper:
    meta = arxiv_wire.catalog(arxiv_wire.CATALOG)[arxiv_id]
    month = (meta["published"] or meta["published_month"])[:7]
    title = meta["earlier_title"] if cite_v1_title else meta["title"]
    return AnchorPaper(id=f"A{index}", arxiv_id=arxiv_id, cited_date=parse_fuzzy_date(month), cited_title=title)


def make_line(number: int, template: Line) -> Line:
    """Line `number` (0-based) of the benchmark library."""
    domain = DOMAINS[number % len(DOMAINS)]
    papers = _papers()
    count = 2 + number % 4  # 2, 3, 4, 5 claims: 3.5 on average, the demo has 5
    picked = [papers[(number * 3 + k) % len(papers)] for k in range(count)]
    claims = [
        Claim(
            id=f"C{k + 1}",
            text=f"In {domain} as elsewhere: {first_sentence(p['summary'])}",
            date=parse_fuzzy_date(CLAIM_DATES[(number + k) % len(CLAIM_DATES)]),
        )
        for k, p in enumerate(picked)
    ]
    anchor_ids = [pid for pid in (p["arxiv_id"] for p in picked[:2]) if pid]
    anchors = [_anchor(k + 1, pid) for k, pid in enumerate(anchor_ids[:1])]
    if number % 5 == 0:
        anchors.append(_anchor(len(anchors) + 1, CHANGED_TITLE_ID, cite_v1_title=True))
    notes = [
        SourceNote(id=f"N{k + 1}", title=f"What does newer work say about {domain}, part {k + 1}?", summary=" ".join(p["summary"].split()))
        for k, p in enumerate(picked[:3])
    ]
    question = f"Does AI leave people in {domain} any leverage as the work is automated?"
    prompt = template.prompt.model_copy(
        update={
            "role": f"You are a {domain} labor and AI capability analyst.",
            "open_question": f"The question remains open: which of these findings about {domain} still hold?",
            "claims": claims,
            "anchors": anchors,
            "tasks": [Task(number=t.number, text=t.text) for t in template.prompt.tasks],
        }
    )
    return template.model_copy(
        update={
            "slug": f"bench-{number + 1:02d}-{domain}",
            "question": question,
            "framing": f"This line asks how automation changes the standing of people who work in {domain}.",
            "synthesis": [f"The notes below trace {domain} through newer work: {notes[0].title} and {notes[-1].title} frame it."],
            "notes": notes,
            "prompt": prompt,
            "next_lines": [],
        }
    )


def write_library(directory: Path, count: int = 20) -> list[Path]:
    """Write `count` generated lines into `directory` as plain-text exports; returns their paths."""
    template = load_line(DEMO_LINE).line
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(count):
        line = make_line(number, template)
        path = directory / f"{line.slug}.txt"
        path.write_text(render_plaintext(line, check=True), encoding="utf-8")
        paths.append(path)
    return paths


def claims_total(paths: list[Path]) -> int:
    """How many dated claims the lines hold (for the benchmark's per-line budgets)."""
    return sum(len(load_line(p).line.prompt.claims) for p in paths)


if __name__ == "__main__":
    for written in write_library(Path(f"/tmp/retest-bench-lines-{dt.date.today():%Y%m%d}")):
        print(written)
