"""The input room: inquiring lines, their two file formats, reading and writing.

- plain-text export (the library's "INQUIRING LINE" text): parse_plaintext, render_plaintext
- canonical Retest Markdown (YAML front matter + headed body): parse_markdown, render_markdown
- load_line / parse_line_text pick the format from the content; write_markdown is atomic.
- line_problems / not_retestable: what a run on a given date cannot do with a line.
"""

from agent.line.arxiv_id import is_arxiv_id
from agent.line.checks import LineProblem, ProblemKind, line_problems, not_retestable
from agent.line.dates import parse_fuzzy_date
from agent.line.export import export_view, render_plaintext
from agent.line.markdown import parse_markdown, render_markdown
from agent.line.models import Line
from agent.line.plaintext import parse_plaintext
from agent.line.read import LoadedLine, detect_format, load_line, parse_line_text, write_markdown, write_text_atomic

__all__ = [
    "Line",
    "LineProblem",
    "LoadedLine",
    "ProblemKind",
    "detect_format",
    "export_view",
    "is_arxiv_id",
    "line_problems",
    "load_line",
    "not_retestable",
    "parse_fuzzy_date",
    "parse_line_text",
    "parse_markdown",
    "parse_plaintext",
    "render_markdown",
    "render_plaintext",
    "write_markdown",
    "write_text_atomic",
]
