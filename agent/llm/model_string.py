"""Model strings: `provider:model`, one per role.

Three providers are understood:

- `openai:gpt-5.4-mini`
- `anthropic:claude-sonnet-4-6`
- `openai-compatible:http://localhost:11434/v1#llama3.1` (any server speaking the
  OpenAI Chat Completions protocol: Ollama, vLLM, LM Studio). The part before `#`
  is the server's base URL, the part after it the model name the server knows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from agent.errors import ConfigError

Provider = Literal["openai", "anthropic", "openai-compatible"]
PROVIDERS: tuple[Provider, ...] = ("openai", "anthropic", "openai-compatible")

_EXAMPLES = "openai:gpt-5.4-mini, anthropic:claude-sonnet-4-6 or openai-compatible:http://localhost:11434/v1#llama3.1"
# Model names as the providers spell them: no spaces, no slashes for the hosted APIs.
_HOSTED_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")
# Local servers use names like "llama3.1:8b" or "meta-llama/Llama-3.1-8B-Instruct".
_COMPAT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/\-]*$")


@dataclass(frozen=True)
class ModelSpec:
    """A parsed model string."""

    provider: Provider
    model: str
    base_url: str | None = None  # only for openai-compatible

    def __str__(self) -> str:
        if self.provider == "openai-compatible":
            return f"{self.provider}:{self.base_url}#{self.model}"
        return f"{self.provider}:{self.model}"


def parse_model_string(text: str) -> ModelSpec:
    """Parse `provider:model` (or `openai-compatible:URL#model`) into a ModelSpec.

    Raises ConfigError naming the string and showing valid examples.
    """
    raw = text.strip()
    provider, sep, rest = raw.partition(":")
    if not sep:
        raise _bad(text, "it has no 'provider:' prefix")
    if not rest:
        raise _bad(text, f"no model name after {provider + ':'!r}")
    if provider not in PROVIDERS:
        raise _bad(text, f"unknown provider {provider!r} (known: {', '.join(PROVIDERS)})")
    if provider == "openai-compatible":
        return _parse_compat(text, rest)
    if not _HOSTED_NAME.match(rest):
        raise _bad(text, f"{rest!r} is not a model name")
    return ModelSpec(provider=provider, model=rest)  # type: ignore[arg-type]


def _parse_compat(text: str, rest: str) -> ModelSpec:
    base_url, sep, model = rest.rpartition("#")
    if not sep or not base_url or not model:
        raise _bad(text, "an openai-compatible model needs the server URL, '#', then the model name")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _bad(text, f"{base_url!r} is not an http(s) URL")
    if not _COMPAT_NAME.match(model):
        raise _bad(text, f"{model!r} is not a model name")
    return ModelSpec(provider="openai-compatible", model=model, base_url=base_url.rstrip("/"))


def _bad(text: str, problem: str) -> ConfigError:
    return ConfigError(f"bad model string {text!r}: {problem}", hint=f"Use e.g. {_EXAMPLES}.")
