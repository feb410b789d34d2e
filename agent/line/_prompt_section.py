"""The 'Research prompt for your LLM' section of the plain-text export."""

from __future__ import annotations

import re

from agent.errors import LineFormatError
from agent.line._lines import ItemLines, malformed_anchor
from agent.line._paragraphs import Paragraph, paragraphs
from agent.line.arxiv_id import PREFIX, is_arxiv_id
from agent.line.dates import DATE_FORMS, parse_fuzzy_date
from agent.line.models import AnchorPaper, Claim, FuzzyDate, ResearchPrompt, Task

ROLE_START = "You are "
# The last parenthesised group of a claim line is its date: "- text (~2025)."
CLAIM = re.compile(r"- (?P<text>.*?)\s*\((?P<date>[^()]*)\)\s*\.?", re.S)
# The ID is any run of non-space and is checked afterwards, so a malformed ID gets its own message.
ANCHOR = re.compile(rf"- (?:{PREFIX}\s*)?(?P<id>\S+)\s*\((?P<date>[^()]*)\)\s*:\s*(?P<title>.*)", re.IGNORECASE)
TASK = re.compile(r"\((?P<number>\d+)\)\s*(?P<text>.*)", re.ASCII)
# A role sentence ends at '.', '!' or '?' followed by a space and a character that
# is not lower case, so "You are a U.S. labor analyst." stays in one piece.
_SENTENCE_END = re.compile(r"[.!?]\s+")


def parse_prompt_section(lines: list[str], bounds: dict[str, int], source: str, warnings: list[str], where: ItemLines | None = None) -> ResearchPrompt:
    """Parse everything from the prompt heading to 'Next inquiring lines'; `where` gets each claim's and anchor's line."""
    where = where if where is not None else ItemLines()
    claims_end = bounds.get("anchors", bounds["tasks"])
    paras = paragraphs(lines, bounds["prompt"] + 1, claims_end)
    role_index = next((i for i, para in enumerate(paras) if para.lines[0].startswith(ROLE_START)), None)
    if role_index is None:
        raise LineFormatError(
            source,
            "the research prompt has no role line ('You are a ... analyst. <open question>')",
            lineno=bounds["prompt"] + 1,
        )
    preamble = "\n\n".join(para.text for para in paras[:role_index])
    role_para = paras[role_index]
    role, open_question = _split_role(role_para, source)
    intro, claims = _parse_claims(lines, role_para, claims_end, source, where)
    anchors = _parse_anchors(lines, bounds, source, warnings, where)
    tasks, closing = _parse_tasks(lines, bounds, source, warnings)
    return ResearchPrompt(
        preamble=preamble,
        role=role,
        open_question=open_question,
        claims_intro=intro,
        claims=claims,
        anchors=anchors,
        tasks=tasks,
        closing=closing,
    )


def _role_lines(para: Paragraph) -> tuple[str, ...]:
    """The role paragraph's lines up to the first claim (a claim may follow without a blank line)."""
    cut = next((i for i, line in enumerate(para.lines) if line.startswith("- ")), len(para.lines))
    return para.lines[:cut]


def _split_role(para: Paragraph, source: str) -> tuple[str, str]:
    text = " ".join(_role_lines(para))
    for end in _SENTENCE_END.finditer(text):
        rest = text[end.end() :]
        if rest and not rest[0].islower():
            return text[: end.start() + 1], rest
    raise LineFormatError(
        source,
        "the role line has no open question after its first sentence",
        lineno=para.lineno,
        hint="Write 'You are a ... analyst. The question remains open: ...?' on one line.",
    )


def _parse_claims(lines: list[str], role_para: Paragraph, end: int, source: str, where: ItemLines) -> tuple[list[str], list[Claim]]:
    start = role_para.lineno - 1 + len(_role_lines(role_para))
    intro: list[str] = []
    claims: list[Claim] = []
    for index in range(start, end):
        line = lines[index]
        if not line:
            continue
        if line.startswith("- "):
            claims.append(_parse_claim(line, f"C{len(claims) + 1}", index + 1, source))
            where.claims[claims[-1].id] = index + 1
        elif claims:
            raise LineFormatError(
                source,
                f"unexpected text among the claims: {line[:60]!r}",
                lineno=index + 1,
                hint="Each claim is one line: '- text (~2025).'",
            )
        else:
            intro.append(line)
    if not claims:
        raise LineFormatError(
            source,
            "the research prompt has no dated claims",
            lineno=role_para.lineno,
            hint="Claims follow the role line, one per line: '- text (~2025).'",
        )
    return intro, claims


def _parse_claim(line: str, claim_id: str, lineno: int, source: str) -> Claim:
    match = CLAIM.fullmatch(line)
    if not match:
        raise LineFormatError(
            source,
            f"claim {claim_id} has no date: {line[:70]!r}",
            lineno=lineno,
            hint=f"End each claim with its date in parentheses: '- text (~2025).' Dates: {DATE_FORMS}.",
        )
    date = _date(match["date"], f"claim {claim_id}", lineno, source)
    return Claim(id=claim_id, text=match["text"], date=date)


def _date(text: str, what: str, lineno: int, source: str) -> FuzzyDate:
    try:
        return parse_fuzzy_date(text)
    except ValueError as exc:
        raise LineFormatError(source, f"{what}: {exc}", lineno=lineno, hint=f"Dates look like {DATE_FORMS}.") from None


def _parse_anchors(lines: list[str], bounds: dict[str, int], source: str, warnings: list[str], where: ItemLines) -> list[AnchorPaper]:
    if "anchors" not in bounds:
        return []
    anchors: list[AnchorPaper] = []
    for index in range(bounds["anchors"] + 1, bounds["tasks"]):
        if lines[index]:
            anchors.append(_parse_anchor(lines[index], f"A{len(anchors) + 1}", index + 1, source, warnings))
            where.anchors[anchors[-1].id] = index + 1
    if not anchors:
        warnings.append(f"{source}:{bounds['anchors'] + 1}: the 'Anchor papers' section lists no papers")
    return anchors


def _parse_anchor(line: str, anchor_id: str, lineno: int, source: str, warnings: list[str]) -> AnchorPaper:
    match = ANCHOR.fullmatch(line)
    if not match or not match["title"].strip():
        raise LineFormatError(
            source,
            f"anchor {anchor_id} is not '- arXiv:ID (date): Title': {line[:70]!r}",
            lineno=lineno,
            hint="Example: '- arXiv:2507.13524 (2025-07): Humans learn to prefer trustworthy AI over human partners'",
        )
    if not is_arxiv_id(match["id"]):
        # As in Markdown: the line is read, the run flags the anchor, and the reader says so now.
        warnings.append(malformed_anchor(f"{source}:{lineno}", anchor_id, match["id"]))
    date = _date(match["date"], f"anchor {anchor_id}", lineno, source)
    return AnchorPaper(id=anchor_id, arxiv_id=match["id"], cited_date=date, cited_title=match["title"].strip())


def _parse_tasks(lines: list[str], bounds: dict[str, int], source: str, warnings: list[str]) -> tuple[list[Task], str]:
    tasks: list[Task] = []
    closing: list[Paragraph] = []
    for para in paragraphs(lines, bounds["tasks"] + 1, bounds.get("next", bounds["end"])):
        if closing or not TASK.fullmatch(para.lines[0]):
            if not tasks:
                raise LineFormatError(
                    source,
                    f"expected numbered tasks after 'Your task:', found {para.lines[0][:60]!r}",
                    lineno=para.lineno,
                    hint="Tasks look like '(1) RE-TEST EACH CONSTRAINT. ...'",
                )
            closing.append(para)
            continue
        tasks.extend(_tasks_of(para))
    if not tasks:
        raise LineFormatError(source, "'Your task:' lists no numbered tasks", lineno=bounds["tasks"] + 1)
    numbers = [task.number for task in tasks]
    if numbers != list(range(1, len(tasks) + 1)):
        warnings.append(f"{source}:{bounds['tasks'] + 1}: tasks are numbered {numbers}, expected 1 to {len(tasks)}")
    return tasks, "\n\n".join(para.text for para in closing)


def _tasks_of(para: Paragraph) -> list[Task]:
    """Numbered tasks of one paragraph; an unnumbered line continues the task above it."""
    parts: list[tuple[int, list[str]]] = []
    for line in para.lines:
        match = TASK.fullmatch(line)
        if match:
            parts.append((int(match["number"]), [match["text"]] if match["text"] else []))
        else:
            parts[-1][1].append(line)
    return [Task(number=number, text=" ".join(words)) for number, words in parts]
