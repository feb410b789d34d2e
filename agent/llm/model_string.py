"""Model strings: `provider:model`, one per role.

The providers are those registered in `agent.llm.providers`; today:

- `openai:gpt-5.4-mini`
- `anthropic:claude-sonnet-4-6`
- `openai-compatible:http://localhost:11434/v1#llama3.1` (any server speaking the
  OpenAI Chat Completions protocol: Ollama, vLLM, LM Studio). The part before `#`
  is the server's base URL, the part after it the model name the server knows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from agent.errors import ConfigError
from agent.llm.providers import Provider, find_provider, provider_names, registered

# Model names as the hosted APIs spell them: no spaces, no slashes.
_HOSTED_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")
# Servers behind a base URL use names like "llama3.1:8b" or "meta-llama/Llama-3.1-8B-Instruct".
_SERVED_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/\-]*$")


@dataclass(frozen=True)
class ModelSpec:
    """A parsed model string."""

    provider: Provider
    model: str
    base_url: str | None = None  # only for providers that need one (openai-compatible)

    def __str__(self) -> str:
        if self.base_url is not None:
            return f"{self.provider}:{self.base_url}#{self.model}"
        return f"{self.provider}:{self.model}"


def parse_model_string(text: str) -> ModelSpec:
    """Parse `provider:model` (or `provider:URL#model` for a provider that needs a base URL) into a ModelSpec.

    Raises ConfigError naming the string and showing valid examples.
    """
    raw = text.strip()
    provider, sep, rest = raw.partition(":")
    if not sep:
        raise _bad(text, "it has no 'provider:' prefix")
    if not rest:
        raise _bad(text, f"no model name after {provider + ':'!r}")
    spec = find_provider(provider)
    if spec is None:
        raise _bad(text, f"unknown provider {provider!r} (known: {', '.join(provider_names())})")
    if spec.needs_base_url:
        return _parse_served(text, provider, rest)
    if not _HOSTED_NAME.match(rest):
        raise _bad(text, f"{rest!r} is not a model name")
    return ModelSpec(provider=provider, model=rest)


def _parse_served(text: str, provider: Provider, rest: str) -> ModelSpec:
    base_url, sep, model = rest.rpartition("#")
    if not sep or not base_url or not model:
        raise _bad(text, f"an {provider} model needs the server URL, '#', then the model name")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _bad(text, f"{base_url!r} is not an http(s) URL")
    if not _SERVED_NAME.match(model):
        raise _bad(text, f"{model!r} is not a model name")
    return ModelSpec(provider=provider, model=model, base_url=base_url.rstrip("/"))


def _bad(text: str, problem: str) -> ConfigError:
    *most, last = [spec.example for spec in registered()]
    examples = f"{', '.join(most)} or {last}" if most else last
    return ConfigError(f"bad model string {text!r}: {problem}", hint=f"Use e.g. {examples}.")
