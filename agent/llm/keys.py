"""API keys: read from the environment at client construction, never stored elsewhere.

Keys are not settings fields on purpose: settings are saved with every run
record, and a key must never reach a record, a log, a cassette or a message.
"""

from __future__ import annotations

import os
import re

from agent.errors import ConfigError
from agent.llm.model_string import Provider

KEY_VARIABLES: dict[Provider, str] = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "openai-compatible": "RETEST_COMPAT_API_KEY",
}
# Sent in replay, where nothing leaves the process; recognisable if it ever shows up.
REPLAY_KEY = "replay-no-key"
# Local servers (Ollama, LM Studio) accept any key, but the SDK refuses to send none.
COMPAT_PLACEHOLDER_KEY = "no-key-needed"

# Key shapes the providers issue, masked or not ("sk-...", "sk-ant-...", "sk-proj-...").
_KEY_LIKE = re.compile(r"\bsk-[A-Za-z0-9_\-*.]{6,}")


def api_key_for(provider: Provider, *, replay: bool) -> str:
    """The key to construct a client with; ConfigError naming the variable when a live call has none."""
    if replay:
        return REPLAY_KEY
    variable = KEY_VARIABLES[provider]
    value = os.environ.get(variable, "").strip()
    if value:
        return value
    if provider == "openai-compatible":
        return COMPAT_PLACEHOLDER_KEY
    raise ConfigError(
        f"{variable} is not set, and a live call to {provider} needs it.",
        hint=f"Set {variable} in the environment, or replay a cassette (--replay CASSETTE), which needs no key.",
    )


def key_is_set(provider: Provider) -> bool:
    """Whether the provider's key variable is set (its value is never returned)."""
    return bool(os.environ.get(KEY_VARIABLES[provider], "").strip())


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """`text` with the given secrets and anything shaped like a provider key removed."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return _KEY_LIKE.sub("[redacted]", text)
