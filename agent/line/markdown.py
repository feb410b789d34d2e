"""The canonical Retest Markdown format: what Retest stores and applies changes to.

    ---
    format: retest-line/1            data: IDs, dates, arXiv IDs, titles,
    slug: bargaining-power           task numbers, flag targets, changelog runs
    claims:
    - id: C1
      date: ~2025
    ...
    ---

    # <question>
    ## Framing / ## Synthesis / ## Sources (### N1 · title, then the summary)
    ## Research prompt
    ### Preamble / Role / Open question / Claims intro
    ### Claims (#### C1 · ~2025, then the claim) / Anchor papers (#### A1 · ...)
    ### Tasks (#### (1), then the task) / Closing / Proposed questions
    ## Next inquiring lines / ## Flags (### F1 · target) / ## Changelog (### date · run)

The body holds the prose, the front matter the data. Item headings start with
the item's ID, which must match the front matter entry at the same position;
the rest of an item heading is informational (edit titles and dates in the
front matter). List sections (synthesis, claims intro, proposed questions,
next lines, changelog entries) hold one paragraph per item. Text that plain
Markdown cannot carry exactly is written as a JSON string literal (see
_codec), so parse_markdown(render_markdown(line)) == line for every Line.
"""

from __future__ import annotations

from agent.errors import LineFormatError
from agent.line import _frontmatter as fm
from agent.line._codec import SEPARATOR, decode_items, decode_text, encode_item, encode_key, encode_text, label
from agent.line._lines import ItemLines, malformed_anchor
from agent.line._md_body import Section, expect_no_text, items, leaf, named_children, parse_body
from agent.line.arxiv_id import is_arxiv_id
from agent.line.models import AnchorPaper, ChangelogEntry, Claim, Flag, Line, ResearchPrompt, SourceNote, Task

TOP = ("Framing", "Synthesis", "Sources", "Research prompt", "Next inquiring lines", "Flags", "Changelog")
PROMPT = (
    "Preamble", "Role", "Open question", "Claims intro", "Claims",
    "Anchor papers", "Tasks", "Closing", "Proposed questions",
)  # fmt: skip


def render_markdown(line: Line) -> str:
    """The canonical Markdown text of `line` (front matter + body)."""
    out = ["---", fm.dump(_front_matter(line)).rstrip("\n"), "---", "", "# " + label(line.question), ""]
    _section(out, 2, "Framing", encode_text(line.framing))
    _list_section(out, 2, "Synthesis", line.synthesis)
    _heading(out, 2, "Sources")
    for note in line.notes:
        _section(out, 3, _item_heading(note.id, note.title), encode_text(note.summary))
    _render_prompt(out, line.prompt)
    _list_section(out, 2, "Next inquiring lines", line.next_lines)
    if line.flags:
        _heading(out, 2, "Flags")
        for flag in line.flags:
            _section(out, 3, _item_heading(flag.id, flag.target), encode_text(flag.text))
    if line.changelog:
        _heading(out, 2, "Changelog")
        for entry in line.changelog:
            _section(out, 3, _item_heading(entry.date.isoformat(), entry.run_id), _items(entry.applied))
    return "\n".join(out).rstrip("\n") + "\n"


def _render_prompt(out: list[str], prompt: ResearchPrompt) -> None:
    _heading(out, 2, "Research prompt")
    if prompt.preamble:
        _section(out, 3, "Preamble", encode_text(prompt.preamble))
    _section(out, 3, "Role", encode_text(prompt.role))
    _section(out, 3, "Open question", encode_text(prompt.open_question))
    _list_section(out, 3, "Claims intro", prompt.claims_intro)
    _heading(out, 3, "Claims")
    for claim in prompt.claims:
        _section(out, 4, _item_heading(claim.id, claim.date.text), encode_text(claim.text))
    if prompt.anchors:
        _heading(out, 3, "Anchor papers")
        for anchor in prompt.anchors:
            cited = f"arXiv:{anchor.arxiv_id} ({anchor.cited_date.text}): {anchor.cited_title}"
            _heading(out, 4, _item_heading(anchor.id, cited))
    _heading(out, 3, "Tasks")
    for task in prompt.tasks:
        _section(out, 4, encode_key(f"({task.number})"), encode_text(task.text))
    if prompt.closing:
        _section(out, 3, "Closing", encode_text(prompt.closing))
    _list_section(out, 3, "Proposed questions", prompt.proposed_questions)


def _front_matter(line: Line) -> fm.FrontMatter:
    prompt = line.prompt
    return fm.FrontMatter(
        format=fm.FORMAT,
        slug=line.slug,
        notes=[fm.NoteMeta(id=n.id, title=n.title, date=fm.date_field(n.date) if n.date else None, arxiv_id=n.arxiv_id) for n in line.notes],
        claims=[fm.ClaimMeta(id=c.id, date=fm.date_field(c.date)) for c in prompt.claims],
        anchors=[fm.AnchorMeta(id=a.id, arxiv_id=a.arxiv_id, date=fm.date_field(a.cited_date), title=a.cited_title, claims=a.claims) for a in prompt.anchors],
        tasks=[t.number for t in prompt.tasks],
        flags=[fm.FlagMeta(id=f.id, target=f.target, reason=f.reason) for f in line.flags],
        changelog=[fm.ChangeMeta(date=e.date, run_id=e.run_id, models=e.models) for e in line.changelog],
    )


def _item_heading(key: str, informational: str) -> str:
    return encode_key(key) + (SEPARATOR + label(informational) if informational else "")


def _heading(out: list[str], level: int, title: str) -> None:
    out.extend(["#" * level + " " + title, ""])


def _section(out: list[str], level: int, title: str, content: list[str]) -> None:
    _heading(out, level, title)
    if content:
        out.extend([*content, ""])


def _items(texts: list[str]) -> list[str]:
    lines: list[str] = []
    for text in texts:
        lines.extend([*encode_item(text), ""])
    return lines[:-1]


def _list_section(out: list[str], level: int, title: str, texts: list[str]) -> None:
    if texts:
        _section(out, level, title, _items(texts))


def parse_markdown(text: str, *, source: str, where: ItemLines | None = None) -> tuple[Line, list[str]]:
    """Parse Retest Markdown into a Line and warnings; LineFormatError names file and line.

    `where`, if given, gets the front matter line of each claim and anchor.
    """
    where = where if where is not None else ItemLines()
    lines = text.split("\n")
    front, body_start = _front(lines, source, where)
    root = parse_body(lines, body_start, source)
    expect_no_text(root, source)
    if len(root.children) != 1 or root.children[0].level != 1:
        lineno = root.children[1].lineno if len(root.children) > 1 else body_start + 1
        raise LineFormatError(source, "the body must be one '# <question>' heading with its sections", lineno=lineno)
    head = root.children[0]
    top = named_children(head, TOP, ("Framing", "Research prompt"), source)
    line = Line(
        slug=front.slug,
        question=decode_text([head.title]),
        framing=decode_text(leaf(top["Framing"], source)),
        synthesis=_list(top.get("Synthesis"), source),
        notes=_notes(front, top.get("Sources"), source),
        prompt=_prompt(front, top["Research prompt"], source),
        next_lines=_list(top.get("Next inquiring lines"), source),
        flags=_flags(front, top.get("Flags"), source),
        changelog=_changelog(front, top.get("Changelog"), source),
    )
    _check_links(line, source, where)
    warnings = [malformed_anchor(where.where(source, "anchor", a.id), a.id, a.arxiv_id) for a in line.prompt.anchors if not is_arxiv_id(a.arxiv_id)]
    return line, warnings


def _check_links(line: Line, source: str, where: ItemLines) -> None:
    """A curator's link (an anchor's `claims`) names claims of the line: a stale ID would tie the anchor to nothing."""
    known = [c.id for c in line.prompt.claims]
    for anchor in line.prompt.anchors:
        unknown = [c for c in anchor.claims if c not in known]
        if unknown:
            raise LineFormatError(
                source,
                f"anchor {anchor.id} is linked to {', '.join(unknown)}, which the line has no claim of (its claims: {', '.join(known) or 'none'})",
                lineno=where.anchors.get(anchor.id),
                hint=f"Correct its `claims:` in the front matter, or remove the key to let the run link {anchor.id}.",
            )


def _front(lines: list[str], source: str, where: ItemLines) -> tuple[fm.FrontMatter, int]:
    """The front matter and the index of the first body line."""
    if not lines or lines[0].rstrip() != "---":
        raise LineFormatError(source, "no front matter: a Retest Markdown line starts with '---'", lineno=1)
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
    if end is None:
        raise LineFormatError(source, "the front matter is not closed by a '---' line", lineno=1)
    return fm.load("\n".join(lines[1:end]), source, first_lineno=2, where=where), end + 1


def _list(section: Section | None, source: str) -> list[str]:
    return decode_items(leaf(section, source)) if section else []


def _notes(front: fm.FrontMatter, section: Section | None, source: str) -> list[SourceNote]:
    summaries = items(section, [n.id for n in front.notes], "note", source)
    return [
        SourceNote(
            id=meta.id,
            title=meta.title,
            summary=decode_text(summary),
            date=fm.fuzzy_date(meta.date, f"note {meta.id}", source, None) if meta.date is not None else None,
            arxiv_id=meta.arxiv_id,
        )
        for meta, summary in zip(front.notes, summaries, strict=True)
    ]


def _prompt(front: fm.FrontMatter, section: Section, source: str) -> ResearchPrompt:
    parts = named_children(section, PROMPT, ("Role", "Open question"), source)
    claim_texts = items(parts.get("Claims"), [c.id for c in front.claims], "claim", source)
    anchor_bodies = items(parts.get("Anchor papers"), [a.id for a in front.anchors], "anchor", source)
    for anchor, body in zip(front.anchors, anchor_bodies, strict=True):
        if body:
            raise LineFormatError(
                source,
                f"anchor {anchor.id} has text under its heading",
                lineno=_child_line(parts["Anchor papers"], anchor.id),
                hint="Anchors live in the front matter; their headings are only a reminder.",
            )
    task_texts = items(parts.get("Tasks"), [f"({n})" for n in front.tasks], "task", source)
    return ResearchPrompt(
        preamble=_text(parts.get("Preamble"), source),
        role=_text(parts["Role"], source),
        open_question=_text(parts["Open question"], source),
        claims_intro=_list(parts.get("Claims intro"), source),
        claims=[
            Claim(id=m.id, text=decode_text(t), date=fm.fuzzy_date(m.date, f"claim {m.id}", source, None))
            for m, t in zip(front.claims, claim_texts, strict=True)
        ],
        anchors=[
            AnchorPaper(
                id=m.id,
                arxiv_id=m.arxiv_id,
                cited_date=fm.fuzzy_date(m.date, f"anchor {m.id}", source, None),
                cited_title=m.title,
                claims=m.claims,
            )
            for m in front.anchors
        ],
        tasks=[Task(number=n, text=decode_text(t)) for n, t in zip(front.tasks, task_texts, strict=True)],
        closing=_text(parts.get("Closing"), source),
        proposed_questions=_list(parts.get("Proposed questions"), source),
    )


def _child_line(section: Section, key: str) -> int:
    return next((child.lineno for child in section.children if child.title.startswith(key)), section.lineno)


def _text(section: Section | None, source: str) -> str:
    return decode_text(leaf(section, source)) if section else ""


def _flags(front: fm.FrontMatter, section: Section | None, source: str) -> list[Flag]:
    texts = items(section, [f.id for f in front.flags], "flag", source)
    return [Flag(id=m.id, target=m.target, text=decode_text(t), reason=m.reason) for m, t in zip(front.flags, texts, strict=True)]


def _changelog(front: fm.FrontMatter, section: Section | None, source: str) -> list[ChangelogEntry]:
    applied = items(section, [e.date.isoformat() for e in front.changelog], "changelog entry", source)
    return [ChangelogEntry(date=m.date, run_id=m.run_id, models=m.models, applied=decode_items(a)) for m, a in zip(front.changelog, applied, strict=True)]
