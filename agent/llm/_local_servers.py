"""What real OpenAI-compatible servers send beyond OpenAI's shape, read in one place.

Learnt from recorded exchanges (cassettes/real-local/, llama.cpp's llama-server) and
from the servers' own source where nothing was recorded:

- llama-server adds `timings` to every completion (prompt_n, predicted_n, cache_n and
  milliseconds) and a `system_fingerprint` of the form `b<build>-<commit>`; Ollama's
  fingerprint is `fp_ollama`; llama-cpp-python's server sends neither.
- A slot's context window ends an answer with `finish_reason: "length"` before
  `max_tokens` when prompt and answer fill it (recorded: 1,898 + 6,294 = 8,192 tokens
  against max_tokens 8,192), so a bigger budget would not help.
- A prompt larger than the context is refused with HTTP 400: llama-server's
  `exceed_context_size_error` carries `n_prompt_tokens` and `n_ctx`
  (tools/server/server-common.cpp and server-task.cpp); llama-cpp-python's server
  says "This model's maximum context length is N tokens" (`context_length_exceeded`,
  llama_cpp/server/errors.py).
"""

from __future__ import annotations

import re
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

ServerKind = Literal["llama-server", "ollama", "unknown"]

_LLAMA_FINGERPRINT = re.compile(r"^b\d+-[0-9a-f]+$")
_LCP_CONTEXT = re.compile(r"maximum context length is (\d+) tokens")


class ServerTimings(BaseModel):
    """llama-server's `timings` block: its own token counts and milliseconds for one completion."""

    model_config = ConfigDict(extra="ignore")

    prompt_n: int = 0
    predicted_n: int = 0
    cache_n: int | None = None
    prompt_ms: float = 0.0
    predicted_ms: float = 0.0

    @property
    def server_s(self) -> float:
        """Seconds the server spent reading the prompt and writing the answer (queueing excluded)."""
        return (self.prompt_ms + self.predicted_ms) / 1000


def timings_in(extra: dict[str, Any] | None) -> ServerTimings | None:
    """The completion's `timings`, or None when the server sent none (or sent something else under that name)."""
    raw = (extra or {}).get("timings")
    if not isinstance(raw, dict):
        return None
    try:
        return ServerTimings.model_validate(raw)
    except ValueError:
        return None


def server_kind(extra: dict[str, Any] | None, fingerprint: str | None) -> ServerKind:
    """Which server answered, from what it put in the completion."""
    if fingerprint == "fp_ollama":
        return "ollama"
    if timings_in(extra) is not None or (fingerprint and _LLAMA_FINGERPRINT.match(fingerprint)):
        return "llama-server"
    return "unknown"


def server_address(base_url: str) -> str:
    """host:port of a base URL, nothing else (a URL may carry user:password; that never reaches a message)."""
    parts = urlsplit(base_url)
    host = parts.hostname or base_url
    return f"{host}:{parts.port}" if parts.port else host


def context_advice(kind: ServerKind, base_url: str) -> str:
    """Where this server's context window is set, in a sentence."""
    where = server_address(base_url)
    if kind == "ollama":
        return f"Ollama at {where} serves 4096 tokens of context unless OLLAMA_CONTEXT_LENGTH or a Modelfile's num_ctx says more."
    if kind == "llama-server":
        return f"llama-server at {where} gives each slot its -c/--ctx-size divided by -np/--parallel, and never more than the model's training window."
    return f"The server at {where} sets its context window itself (llama-server -c, llama-cpp-python --n_ctx, Ollama num_ctx)."


def context_overflow(body: object) -> tuple[int | None, int | None] | None:
    """(prompt tokens, context size) when an error body says the prompt does not fit the context; None otherwise.

    Either number is None when the server does not say it.
    """
    inner = body.get("error", body) if isinstance(body, dict) else body
    if not isinstance(inner, dict):
        return None
    if inner.get("type") == "exceed_context_size_error":
        return _int(inner.get("n_prompt_tokens")), _int(inner.get("n_ctx"))
    if inner.get("code") == "context_length_exceeded":
        match = _LCP_CONTEXT.search(str(inner.get("message") or ""))
        return None, int(match.group(1)) if match else None
    return None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None
