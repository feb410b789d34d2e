"""How any string survives the Markdown body exactly, while ordinary prose stays as is.

A string is written as it is when reading it back gives the same string: no
control characters, no line that is blank at the wrong place, starts with '#'
or has surrounding spaces, and not itself a JSON string literal. Anything else
is written as a one-line JSON string literal ("quoted"), which reads back
exactly and cannot be mistaken for structure. Lines are split on '\\n' only, so
characters such as U+2028 are escaped rather than trusted to editors.
"""

from __future__ import annotations

import json
import re

# Characters that editors, terminals or line-ending conversion may alter.
_FRAGILE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]")
# What json.dumps(ensure_ascii=False) leaves raw but we escape anyway.
_ESCAPE_AFTER_JSON = re.compile(r"[\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]")
SEPARATOR = " · "


def quote(text: str) -> str:
    """One-line JSON string literal for `text`, with fragile characters escaped."""
    dumped = json.dumps(text, ensure_ascii=False)
    return _ESCAPE_AFTER_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)


def unquote(raw: str) -> str | None:
    """The string a one-line JSON literal stands for, or None if `raw` is not one."""
    if len(raw) < 2 or not (raw.startswith('"') and raw.endswith('"')):
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def _plain_line(line: str) -> bool:
    return bool(line) and line == line.strip() and not _FRAGILE.search(line) and not line.startswith("#")


def _plain_paragraph(text: str) -> bool:
    return all(_plain_line(line) for line in text.split("\n")) and unquote(text) is None


def encode_text(text: str) -> list[str]:
    """Lines for a one-string section (may hold paragraphs); [] for the empty string."""
    if not text:
        return []
    if all(_plain_paragraph(par) for par in text.split("\n\n")) and unquote(text) is None:
        return text.split("\n")
    return [quote(text)]


def decode_text(lines: list[str]) -> str:
    """Inverse of encode_text; `lines` are stripped and trimmed of blank lines at both ends."""
    if len(lines) == 1:
        value = unquote(lines[0])
        if value is not None:
            return value
    return "\n".join(lines)


def encode_item(text: str) -> list[str]:
    """Lines for one item of a list section (items are separated by blank lines)."""
    return text.split("\n") if _plain_paragraph(text) else [quote(text)]


def decode_items(lines: list[str]) -> list[str]:
    """Inverse of encode_item over a whole section: blank lines separate items."""
    items: list[str] = []
    block: list[str] = []
    for line in [*lines, ""]:
        if line:
            block.append(line)
        elif block:
            items.append(decode_text(block))
            block = []
    return items


def encode_key(key: str) -> str:
    """A heading's leading key (an ID): as is when unambiguous, else quoted."""
    # No '·' at all, so the first SEPARATOR in a heading always ends the key.
    plain = _plain_line(key) and "·" not in key and not key.startswith('"')
    return key if plain else quote(key)


def decode_key(heading: str) -> str | None:
    """The key at the start of a heading's text; None when a quoted key is broken."""
    if heading.startswith('"'):
        try:
            value, end = json.JSONDecoder().raw_decode(heading)
        except ValueError:
            return None
        rest = heading[end:]
        if not isinstance(value, str) or (rest and not rest.startswith(SEPARATOR)):
            return None
        return value
    return heading.split(SEPARATOR, 1)[0]


def label(text: str) -> str:
    """`text` as a heading's text: one line, read back exactly by decode_text([...])."""
    return text if _plain_line(text) and unquote(text) is None else quote(text)
