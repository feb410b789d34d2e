"""API keys: read from the environment at client construction, never stored elsewhere.

Keys are not settings fields on purpose: settings are saved with every run
record, and a key must never reach a record, a log, a cassette or a message.
"""

from __future__ import annotations

import os
import re

from agent.errors import ConfigError
from agent.llm.providers import Provider, provider_spec

# Sent in replay, where nothing leaves the process; recognisable if it ever shows up.
REPLAY_KEY = "replay-no-key"

# Key shapes the providers issue, masked or not ("sk-...", "sk-ant-...", "sk-proj-...").
_KEY_LIKE = re.compile(r"\bsk-[A-Za-z0-9_\-*.]{6,}")


def api_key_for(provider: Provider, *, replay: bool) -> str:
    """The key to construct a client with; ConfigError naming the variable when a live call has none."""
    if replay:
        return REPLAY_KEY
    spec = provider_spec(provider)
    value = _key_value(spec.key_variable)
    if value:
        return value
    if spec.optional_key is not None:
        return spec.optional_key.placeholder
    raise ConfigError(
        f"{spec.key_variable} is not set, and a live call to {provider} needs it.",
        hint=f"Set {spec.key_variable} in the environment, or replay a cassette (--replay CASSETTE), which needs no key.",
    )


def key_is_set(provider: Provider) -> bool:
    """Whether the provider's key variable is set (its value is never returned)."""
    return bool(_key_value(provider_spec(provider).key_variable))


def _key_value(variable: str | None) -> str:
    return os.environ.get(variable, "").strip() if variable else ""


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """`text` with the given secrets and anything shaped like a provider key removed."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return _KEY_LIKE.sub("[redacted]", text)
