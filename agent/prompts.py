"""Prompt files: Markdown with front matter (name, version, variables, max_output_tokens) and `{{placeholders}}`.

A prompt is refused at load time when its placeholders and declared variables
differ, so a typo fails before any model is paid. Each prompt carries the hash
of its file, which runs and evals record, and its task's output budget
(`max_output_tokens`, reasoning tokens included), which every call of the task
is sent with.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from agent.errors import ConfigError

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")
_FRONT = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.S)

# Delimiters for untrusted text (abstracts, the line itself). Instructions in
# every prompt say that anything between them is data, never instructions.
_DELIMITER = re.compile(r"</?\s*untrusted_data[^>]*>", re.I)

# For a prompt file that states no budget: what every task got before budgets were per task.
DEFAULT_MAX_OUTPUT_TOKENS = 4096


class Blocks(str):
    """Text already wrapped in data blocks by `data_block`; passed through unchanged."""


def strip_delimiters(text: str) -> str:
    """Remove anything that looks like a data-block tag, so data cannot close its block."""
    return _DELIMITER.sub("", text)


def data_block(label: str, text: str) -> Blocks:
    """Wrap untrusted text (an abstract, a title) in a delimited block."""
    return Blocks(f'<untrusted_data label="{strip_delimiters(label)}">\n{strip_delimiters(text)}\n</untrusted_data>')


def join_blocks(blocks: list[Blocks]) -> Blocks:
    return Blocks("\n\n".join(blocks))


class Prompt(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    version: int
    variables: tuple[str, ...]
    system: str
    user: str
    sha256: str
    max_output_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS

    def render(self, **values: str) -> tuple[str, str]:
        """Fill the placeholders; returns (system instructions, user message)."""
        missing = set(self.variables) - values.keys()
        extra = values.keys() - set(self.variables)
        if missing or extra:
            raise ConfigError(f"prompt {self.name}: missing {sorted(missing)}, unexpected {sorted(extra)}")

        safe = {k: v if isinstance(v, Blocks) else strip_delimiters(v) for k, v in values.items()}

        def fill(text: str) -> str:
            return _PLACEHOLDER.sub(lambda m: safe[m.group(1)], text)

        return fill(self.system), fill(self.user)


def parse_prompt(text: str, *, source: str) -> Prompt:
    """Parse one prompt file's text. The body holds '# System' and '# User' sections."""
    match = _FRONT.match(text.replace("\r\n", "\n"))
    if not match:
        raise ConfigError(f"{source}: a prompt file starts with front matter between '---' lines")
    meta = yaml.safe_load(match.group(1)) or {}
    body = match.group(2)
    try:
        name, version, declared = meta["name"], int(meta["version"]), tuple(meta.get("variables") or ())
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{source}: front matter needs name, version and variables ({exc})") from exc
    sections = re.split(r"^# (System|User)\s*$", body, flags=re.M)
    parts = {sections[i]: sections[i + 1].strip() for i in range(1, len(sections) - 1, 2)}
    if set(parts) != {"System", "User"}:
        raise ConfigError(f"{source}: the body needs a '# System' and a '# User' section")
    used = set(_PLACEHOLDER.findall(body))
    if used != set(declared):
        raise ConfigError(
            f"{source}: placeholders {sorted(used)} differ from declared variables {sorted(declared)}",
            hint="Declare every {{placeholder}} under 'variables:' in the front matter, and use every declared one.",
        )
    budget = meta.get("max_output_tokens", DEFAULT_MAX_OUTPUT_TOKENS)
    # bool is an int to Python; `max_output_tokens: yes` is a mistake, not a budget of 1.
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
        raise ConfigError(f"{source}: max_output_tokens must be a whole number of tokens above 0, not {budget!r}")
    digest = hashlib.sha256(text.encode()).hexdigest()
    return Prompt(name=name, version=version, variables=declared, system=parts["System"], user=parts["User"], sha256=digest, max_output_tokens=budget)


@cache
def load_prompt(name: str, directory: Path = PROMPTS_DIR) -> Prompt:
    path = directory / f"{name}.md"
    if not path.is_file():
        raise ConfigError(f"prompt file {path} not found", hint="Restore it from git, or check the prompts/ folder.")
    prompt = parse_prompt(path.read_text(encoding="utf-8"), source=str(path))
    if prompt.name != name:
        raise ConfigError(f"{path}: front matter names it {prompt.name!r}, the file name says {name!r}")
    return prompt


def all_prompts(directory: Path = PROMPTS_DIR) -> dict[str, Prompt]:
    return {p.stem: load_prompt(p.stem, directory) for p in sorted(directory.glob("*.md")) if p.name != "README.md"}
