"""The body of a Retest Markdown line as a tree of headed sections."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agent.errors import LineFormatError
from agent.line._codec import decode_key

_HEADING = re.compile(r"(?P<hashes>#{1,6})[ \t]+(?P<text>.*)")


@dataclass
class Section:
    """A heading, the lines directly under it (stripped, trimmed of blank lines), its subsections."""

    level: int
    title: str
    lineno: int
    content: list[str] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)


def parse_body(lines: list[str], start: int, source: str) -> Section:
    """Parse `lines[start:]` into a root section (level 0) holding the headings' tree."""
    root = Section(level=0, title="", lineno=start + 1)
    stack = [root]
    for index in range(start, len(lines)):
        line = lines[index].strip()
        if line.startswith("#"):
            match = _HEADING.fullmatch(line)
            if not match:
                raise LineFormatError(
                    source,
                    f"{line[:40]!r} is neither a heading nor text (text lines never start with '#')",
                    lineno=index + 1,
                    hint="Headings are '#', '##', ... followed by a space.",
                )
            section = Section(level=len(match["hashes"]), title=match["text"].strip(), lineno=index + 1)
            while stack[-1].level >= section.level:
                stack.pop()
            stack[-1].children.append(section)
            stack.append(section)
        else:
            stack[-1].content.append(line)
    _trim(root)
    return root


def _trim(section: Section) -> None:
    while section.content and not section.content[0]:
        section.content.pop(0)
    while section.content and not section.content[-1]:
        section.content.pop()
    for child in section.children:
        _trim(child)


def named_children(parent: Section, known: tuple[str, ...], required: tuple[str, ...], source: str) -> dict[str, Section]:
    """The subsections of `parent` by title; unknown, repeated or missing ones are errors."""
    found: dict[str, Section] = {}
    for child in parent.children:
        if child.title not in known:
            raise LineFormatError(
                source,
                f"unknown section {child.title!r} under {parent.title!r}",
                lineno=child.lineno,
                hint="Known sections: " + ", ".join(known) + ".",
            )
        if child.title in found:
            raise LineFormatError(source, f"section {child.title!r} appears twice", lineno=child.lineno)
        found[child.title] = child
    for name in required:
        if name not in found:
            raise LineFormatError(source, f"missing section {name!r} under {parent.title!r}", lineno=parent.lineno)
    expect_no_text(parent, source)
    return found


def leaf(section: Section, source: str) -> list[str]:
    """The content of a section that must not have subsections."""
    if section.children:
        child = section.children[0]
        raise LineFormatError(source, f"unexpected heading {child.title!r} inside section {section.title!r}", lineno=child.lineno)
    return section.content


def expect_no_text(section: Section, source: str) -> None:
    """A section made only of subsections must not hold text of its own."""
    if section.content:
        raise LineFormatError(
            source,
            f"unexpected text directly under {section.title or 'the front matter'!r}: {section.content[0][:50]!r}",
            lineno=section.lineno + 1,
            hint="Put text under one of its subsections.",
        )


def items(section: Section | None, keys: list[str], what: str, source: str) -> list[list[str]]:
    """Contents of the item subsections of `section`, checked against the front matter `keys`."""
    children = section.children if section else []
    if section is not None:
        expect_no_text(section, source)
    if len(children) != len(keys):
        raise LineFormatError(
            source,
            f"the body has {len(children)} {what} heading(s) but the front matter lists {len(keys)}",
            lineno=section.lineno if section else None,
            hint=f"Each {what} in the front matter needs a heading in the body, in the same order.",
        )
    contents: list[list[str]] = []
    for child, key in zip(children, keys, strict=True):
        found = decode_key(child.title)
        if found != key:
            raise LineFormatError(
                source,
                f"heading {child.title[:50]!r} does not match {what} {key!r} of the front matter",
                lineno=child.lineno,
                hint="Body headings follow the front matter's order and start with its ID.",
            )
        contents.append(leaf(child, source))
    return contents
