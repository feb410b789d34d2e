"""What the stand-in model answers: a valid object for the task's schema, made from the request.

The stand-in reads what a model would read: the task's JSON schema (from
`response_format`, or the system prompt where JSON mode carries it in words)
and the user message. For Retest's five tasks it answers the way a careful
model would, so a benchmark run does all the work a real run does: queries
from the claim's words, a stance and an exact quote for every paper it was
shown, a verdict citing only screened papers, questions tied to claims and
changes whose evidence quotes the abstracts. Any other schema gets the
smallest object that validates. Deterministic: the same request gets the same
answer, so a warm re-run plans the same queries and finds them cached.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

STANCES = ("supports", "qualifies", "contradicts", "unrelated")
_STOPWORDS = frozenset(
    [
        "about",
        "above",
        "after",
        "again",
        "against",
        "among",
        "because",
        "before",
        "being",
        "below",
        "between",
        "could",
        "does",
        "doing",
        "during",
        "each",
        "every",
        "first",
        "from",
        "have",
        "having",
        "into",
        "itself",
        "just",
        "more",
        "most",
        "other",
        "over",
        "same",
        "should",
        "since",
        "some",
        "such",
        "than",
        "that",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "under",
        "until",
        "very",
        "what",
        "when",
        "where",
        "which",
        "while",
        "with",
        "within",
        "would",
        "your",
        "ours",
        "only",
        "also",
        "even",
        "still",
        "across",
        "whether",
        "rather",
    ]
)
_PAPER = re.compile(r'<untrusted_data label="arXiv:([^"]+)">\nTitle: (.*?)\nSubmitted: .*?\nAbstract: (.*?)\n</untrusted_data>', re.S)
_CLAIM = re.compile(r'<untrusted_data label="claim (C\d+)">\n(.*?)\n</untrusted_data>', re.S)
_LISTED = re.compile(r"^C\d+ \(dated [^)]*\): ")
_FINDING = re.compile(r"^- arXiv:(\S+) \[(\w+)\]", re.M)
_VERDICT = re.compile(r"^- (C\d+) \([^)]*\) ([a-z ]+):", re.M)
_TASK = re.compile(r"^\((\d+)\)", re.M)
_SCHEMA_IN_WORDS = re.compile(r"```json\n(.*?)\n```", re.S)


def _digest(*parts: str) -> int:
    # Python's hash() is salted per process; answers must not change between runs.
    return int(hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()[:8], 16)


def keywords(text: str) -> list[str]:
    """Distinct content words of `text`, in order: what a planner would search for."""
    words = re.findall(r"[A-Za-z][A-Za-z\-]{4,}", text)
    out = [w.lower() for w in words if w.lower() not in _STOPWORDS]
    return list(dict.fromkeys(out)) + ["artificial", "intelligence", "labor", "agents"]


def first_sentence(abstract: str) -> str:
    """A quote copied exactly from the abstract: its first sentence, without the full stop."""
    text = " ".join(abstract.split())
    end = text.find(". ")
    return text[:end] if end > 0 else text.rstrip(".")


def plan(user: str) -> dict[str, Any]:
    found = _CLAIM.search(user)
    return _queries(found.group(2) if found else user)


def plan_line(user: str) -> dict[str, Any]:
    """Every claim listed, each planned as `plan` plans one alone."""
    # A listed claim reads "C1 (dated ~2025): text"; only its text is what a planner searches for.
    return {"claims": [{"claim_id": claim_id, **_queries(_LISTED.sub("", text, count=1))} for claim_id, text in _CLAIM.findall(user)]}


def _queries(claim: str) -> dict[str, Any]:
    words = keywords(claim)
    return {
        "queries": [
            {"query": f"abs:{words[0]} AND abs:{words[1]}", "aim": "support"},
            {"query": f"abs:{words[0]} AND abs:{words[2]}", "aim": "support"},
            {"query": f"abs:{words[0]} AND abs:{words[3]}", "aim": "contradict"},
        ]
    }


def screen(user: str) -> dict[str, Any]:
    claim = _CLAIM.search(user)
    claim_id = claim.group(1) if claim else "?"
    findings = []
    for index, (arxiv_id, _title, abstract) in enumerate(_PAPER.findall(user)):
        pick = _digest(claim_id, arxiv_id)
        # The first paper is always relevant, as a real search's best hit usually is.
        stance = "supports" if index == 0 else STANCES[pick % len(STANCES)]
        findings.append({"arxiv_id": arxiv_id, "stance": stance, "quote": first_sentence(abstract), "confidence": 0.55 + (pick % 40) / 100})
    return {"findings": findings}


def judge(user: str) -> dict[str, Any]:
    findings = _FINDING.findall(user)
    ids = [arxiv_id for arxiv_id, _ in findings]
    stances = {stance for _, stance in findings}
    verdict = "qualified" if "contradicts" in stances else "strengthened" if len(ids) > 1 else "holds"
    claim = _CLAIM.search(user)
    revised = verdict != "holds" and claim is not None
    return {
        "verdict": verdict,
        "rationale": f"Newer work bears on the claim: {', '.join(ids)} ({', '.join(sorted(stances))}).",
        "cited_ids": ids,
        "suggested_text": f"{claim.group(2).strip()}, as newer work qualifies" if revised else None,
        "suggested_date": "~2026" if revised else None,
    }


def questions(user: str) -> dict[str, Any]:
    claims = [claim_id for claim_id, _ in _VERDICT.findall(user)] or ["C1"]
    tasks = [int(n) for n in _TASK.findall(user)]
    return {
        "questions": [
            {
                "text": f"Which newer results would overturn {claims[0]} if its regime has shifted?",
                "motivated_by": claims[:1],
                "task": tasks[-1] if tasks else None,
                "part": None,
            },
            {
                "text": f"What evidence would separate {claims[-1]} from its nearest rival explanation?",
                "motivated_by": claims[-1:],
                "task": None,
                "part": None,
            },
        ],
        "framings": [],
    }


def draft(user: str) -> dict[str, Any]:
    papers = _PAPER.findall(user)
    changed = [claim_id for claim_id, verdict in _VERDICT.findall(user) if verdict.strip() in ("qualified", "contradicted", "strengthened", "superseded")]
    changes = []
    if papers and changed:
        arxiv_id, _title, abstract = papers[0]
        quote = first_sentence(abstract)
        changes.append({
            "kind": "revise_claim", "target": changed[0], "after": f"Revised in the light of arXiv:{arxiv_id}: {quote}",
            "new_date": "~2026", "rationale": f"arXiv:{arxiv_id} bears on the claim.", "evidence": [{"arxiv_id": arxiv_id, "quote": quote}],
        })  # fmt: skip
    if len(papers) > 1:
        arxiv_id, title, abstract = papers[1]
        quote = first_sentence(abstract)
        changes.append({
            "kind": "add_note", "target": "line", "after": f"{title}: {quote}", "new_date": None,
            "rationale": "A newer paper the line does not yet note.", "evidence": [{"arxiv_id": arxiv_id, "quote": quote}],
        })  # fmt: skip
    return {"changes": changes}


TASKS: dict[str, Callable[[str], dict[str, Any]]] = {
    "QueryPlan": plan,
    "LinePlan": plan_line,
    "ScreeningBatch": screen,
    "Judgement": judge,
    "QuestionSet": questions,
    "DraftSet": draft,
}


def request_schema(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The task's schema name and JSON schema, from response_format or the system prompt."""
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        spec = fmt["json_schema"]
        return spec.get("name") or spec["schema"].get("title", ""), spec["schema"]
    system = "\n".join(m["content"] for m in body.get("messages", []) if m.get("role") == "system" and isinstance(m.get("content"), str))
    found = _SCHEMA_IN_WORDS.findall(system)
    schema = json.loads(found[-1]) if found else {"type": "object", "properties": {}}
    return schema.get("title", ""), schema


def answer(body: dict[str, Any]) -> dict[str, Any]:
    """The answer object for a Chat Completions request body."""
    name, schema = request_schema(body)
    user = "\n".join(m["content"] for m in body.get("messages", []) if m.get("role") == "user" and isinstance(m.get("content"), str))
    task = TASKS.get(name)
    return task(user) if task else from_schema(schema, schema)


def from_schema(node: dict[str, Any], root: dict[str, Any]) -> Any:
    """The smallest value that validates against a JSON schema node (for tasks the stand-in does not know)."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return from_schema((root.get("$defs") or root.get("definitions") or {})[name], root)
    for key in ("anyOf", "oneOf"):
        if key in node:
            options = [o for o in node[key] if o.get("type") != "null"] or node[key]
            return from_schema(options[0], root)
    if "enum" in node:
        return node["enum"][0]
    if "const" in node:
        return node["const"]
    kind = node.get("type")
    if kind == "object":
        props = node.get("properties", {})
        return {name: from_schema(props[name], root) for name in node.get("required", list(props))}
    if kind == "array":
        return [from_schema(node.get("items", {}), root) for _ in range(max(1, node.get("minItems", 1)))]
    if kind == "integer":
        return int(node.get("minimum", 0))
    if kind == "number":
        return float(node.get("minimum", 0.0))
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return "text" if node.get("minLength", 0) <= 4 else "x" * node["minLength"]
