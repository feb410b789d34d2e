"""The model providers Retest knows: one registration each, read by everything that needs to know one.

A provider is its client module (`agent/llm/<name>_client.py`) plus one
`register(ProviderSpec(...))` below. Model strings, API keys, `make_client`,
SDK failures, `retest models` and cassette matching all read the registry, so
nothing else changes when a provider is added.

Nothing here imports an SDK: each spec names a function that imports its client
(and a function that imports its exception classes) when first called, so
`retest --help` and commands that never call a model do not pay seconds of SDK
import. tests/llm/test_llm_providers.py checks both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    import httpx2

    from agent.llm.base import ModelClient
    from agent.llm.model_string import ModelSpec

Provider = str  # the name of a registered provider, the part of a model string before ':'


class ClientOptions(TypedDict):
    """What `make_client` gives every client's constructor, besides the model (and base URL)."""

    api_key: str
    max_retries: int
    timeout_s: float
    http_client: httpx2.Client | None
    clock: Callable[[], float]
    reasoning_effort: str | None  # for a model that reasons; a provider that takes no effort ignores it


@dataclass(frozen=True)
class SdkErrors:
    """An SDK's exception classes for the failures Retest reports; `status` has `status_code` and `body`."""

    status: type[Exception]
    timeout: type[Exception]
    connection: type[Exception]


@dataclass(frozen=True)
class OptionalKey:
    """A key a live call may go without: `placeholder` is sent instead, and `why` says so in `retest models`."""

    placeholder: str
    why: str


@dataclass(frozen=True)
class ProviderSpec:
    """One provider, as the rest of Retest needs to know it."""

    name: str
    example: str  # a model string, shown when one does not parse
    build: Callable[[ModelSpec, ClientOptions], ModelClient]  # imports the SDK when called, not before
    sdk_errors: Callable[[], SdkErrors]  # likewise
    key_variable: str | None  # the environment variable holding the API key; None: the provider takes none
    # Request-body keys that say what was asked (dotted for nested ones, "text.format"). Cassette
    # matching compares these and nothing else, so a key missing here lets a replay answer a
    # changed request with the old answer.
    match_keys: tuple[str, ...]
    message_keys: tuple[str, ...] = ()  # among match_keys, those holding a conversation (string content == one text block)
    # Keys its requests carry that matching ignores on purpose: how the model answers, not what was asked.
    unmatched_keys: tuple[str, ...] = ()
    optional_key: OptionalKey | None = None
    needs_base_url: bool = False  # model strings are `name:URL#model`

    def __post_init__(self) -> None:
        if self.key_variable is None and self.optional_key is None:
            raise ValueError(f"provider {self.name!r} takes no key, so it needs an optional_key placeholder for the SDK to send")
        if not set(self.message_keys) <= set(self.match_keys):
            raise ValueError(f"provider {self.name!r}: message_keys must be match_keys too")

    @property
    def key_needed(self) -> bool:
        """Whether a live call fails without the key."""
        return self.optional_key is None


_REGISTRY: dict[Provider, ProviderSpec] = {}


def register(spec: ProviderSpec) -> ProviderSpec:
    """Make `spec` known to model strings, keys, `make_client`, failures and cassette matching."""
    if spec.name in _REGISTRY:
        raise ValueError(f"provider {spec.name!r} is registered already")
    _REGISTRY[spec.name] = spec
    return spec


def registered() -> tuple[ProviderSpec, ...]:
    """Every provider, in registration order."""
    return tuple(_REGISTRY.values())


def provider_names() -> tuple[Provider, ...]:
    """Every provider's name, in registration order."""
    return tuple(_REGISTRY)


def find_provider(name: str) -> ProviderSpec | None:
    """The provider called `name`, or None."""
    return _REGISTRY.get(name)


def provider_spec(name: Provider) -> ProviderSpec:
    """The provider called `name`; KeyError for a name that never came from a parsed model string."""
    return _REGISTRY[name]


# The registrations. Each factory imports its client module, which imports the SDK.


def _openai_errors() -> SdkErrors:
    import openai

    return SdkErrors(status=openai.APIStatusError, timeout=openai.APITimeoutError, connection=openai.APIConnectionError)


def _anthropic_errors() -> SdkErrors:
    import anthropic

    return SdkErrors(status=anthropic.APIStatusError, timeout=anthropic.APITimeoutError, connection=anthropic.APIConnectionError)


def _openai(model: ModelSpec, options: ClientOptions) -> ModelClient:
    from agent.llm.openai_client import OpenAIClient

    return OpenAIClient(model.model, **options)


def _anthropic(model: ModelSpec, options: ClientOptions) -> ModelClient:
    from agent.llm.anthropic_client import AnthropicClient

    return AnthropicClient(model.model, **options)


def _compat(model: ModelSpec, options: ClientOptions) -> ModelClient:
    from agent.llm.compat_client import CompatClient

    assert model.base_url is not None  # parse_model_string guarantees it when needs_base_url
    return CompatClient(model.model, base_url=model.base_url, **options)


# Chat Completions (Responses' `input`, `instructions` and `text.format` too, so a request in either API is matched on what it asks).
# `input_file_id` and `endpoint`: what a Batch API batch is made of (its file of requests, matched by its bytes).
_OPENAI_MATCH = ("model", "messages", "input", "instructions", "response_format", "text.format", "tools", "tool_choice", "input_file_id", "endpoint")
_OPENAI_UNMATCHED = (
    "max_tokens",
    "max_completion_tokens",
    "max_output_tokens",
    "temperature",
    "top_p",
    "seed",
    "reasoning",
    "reasoning_effort",
    "metadata",
    "user",
    "store",
    "service_tier",
    "parallel_tool_calls",
    "prompt_cache_key",
)

register(
    ProviderSpec(
        name="openai",
        example="openai:gpt-5.4-mini",
        build=_openai,
        sdk_errors=_openai_errors,
        key_variable="OPENAI_API_KEY",
        match_keys=_OPENAI_MATCH,
        message_keys=("messages", "input"),
        unmatched_keys=_OPENAI_UNMATCHED,
    )
)
register(
    ProviderSpec(
        name="anthropic",
        example="anthropic:claude-sonnet-4-6",
        build=_anthropic,
        sdk_errors=_anthropic_errors,
        key_variable="ANTHROPIC_API_KEY",
        # `requests`: a Message Batch's requests, each with its custom_id and params.
        match_keys=("model", "messages", "system", "output_config", "output_format", "tools", "tool_choice", "requests"),
        message_keys=("messages", "system"),
        unmatched_keys=("max_tokens", "temperature", "top_p", "thinking", "metadata", "service_tier"),
    )
)
register(
    ProviderSpec(
        name="openai-compatible",
        example="openai-compatible:http://localhost:11434/v1#llama3.1",
        build=_compat,
        sdk_errors=_openai_errors,  # the OpenAI SDK talks to these servers
        key_variable="RETEST_COMPAT_API_KEY",
        # Local servers (Ollama, LM Studio) accept any key, but the SDK refuses to send none.
        optional_key=OptionalKey(placeholder="no-key-needed", why="local servers take any key"),
        match_keys=_OPENAI_MATCH,
        message_keys=("messages", "input"),
        unmatched_keys=_OPENAI_UNMATCHED,
        needs_base_url=True,
    )
)
