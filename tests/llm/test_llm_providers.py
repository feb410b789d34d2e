"""The provider registry: one registration makes a provider known everywhere, and nothing imports an SDK early."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from typing import Any

import pytest

from agent.cli import run
from agent.config import Settings
from agent.errors import ConfigError, ExitCode, ProviderError
from agent.llm import make_client
from agent.llm import providers as registry
from agent.llm._failures import provider_failure
from agent.llm.base import ModelClient
from agent.llm.keys import REPLAY_KEY, api_key_for, key_is_set
from agent.llm.model_string import ModelSpec, parse_model_string
from agent.llm.prices import base_model_name
from agent.llm.providers import ClientOptions, ProviderSpec, SdkErrors
from agent.recording.matching import body_projection


def _modules_after(code: str) -> set[str]:
    """The top-level packages a fresh interpreter has imported after running `code`."""
    probe = f"{textwrap.dedent(code)}\nimport sys\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    return set(done.stdout.split())


def test_the_registry_and_the_settings_import_no_sdk() -> None:
    loaded = _modules_after("import agent.llm.providers, agent.llm, agent.config")
    assert "agent" in loaded  # the probe did run
    assert not loaded & {"openai", "anthropic", "vcr"}


@pytest.mark.parametrize(
    ("model", "its_sdk", "other_sdk"), [("openai:gpt-5.4-mini", "openai", "anthropic"), ("anthropic:claude-sonnet-4-6", "anthropic", "openai")]
)
def test_a_client_imports_its_own_sdk_only(model: str, its_sdk: str, other_sdk: str) -> None:
    loaded = _modules_after(
        f"""
        from agent.config import Settings
        from agent.llm import make_client
        make_client({model!r}, settings=Settings(), replay=True)
        """
    )
    assert its_sdk in loaded and other_sdk not in loaded


class AcmeStatusError(Exception):
    def __init__(self, status_code: int, body: object) -> None:
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code
        self.body = body


class AcmeTimeout(Exception):
    pass


class AcmeConnectionError(Exception):
    pass


@dataclass
class AcmeClient:
    """Stands in for a client module; records how the factory built it."""

    model_string: str
    options: dict[str, Any] = field(default_factory=dict)

    def complete(self, **kwargs: Any) -> Any:
        raise NotImplementedError


def _build_acme(model: ModelSpec, options: ClientOptions) -> ModelClient:
    return AcmeClient(str(model), dict(options))


ACME = ProviderSpec(
    name="acme",
    example="acme:rocket-1",
    build=_build_acme,
    sdk_errors=lambda: SdkErrors(status=AcmeStatusError, timeout=AcmeTimeout, connection=AcmeConnectionError),
    key_variable="ACME_API_KEY",
    match_keys=("model", "prompt"),
    message_keys=("prompt",),
    unmatched_keys=("temperature",),
)


@pytest.fixture
def acme(monkeypatch: pytest.MonkeyPatch) -> ProviderSpec:
    """The acme provider, registered for one test (the registry is restored afterwards)."""
    monkeypatch.setitem(registry._REGISTRY, ACME.name, ACME)
    return ACME


def test_one_registration_makes_model_strings_keys_and_clients_work(acme: ProviderSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse_model_string("acme:rocket-1") == ModelSpec("acme", "rocket-1")
    assert base_model_name("acme:rocket-1") == "rocket-1"
    with pytest.raises(ConfigError) as bad:
        parse_model_string("nope:x")
    assert "acme" in str(bad.value) and "acme:rocket-1" in str(bad.value)  # known providers and an example

    with pytest.raises(ConfigError, match="ACME_API_KEY is not set"):
        make_client("acme:rocket-1", settings=Settings())
    monkeypatch.setenv("ACME_API_KEY", "acme-live-key")
    assert key_is_set("acme") and api_key_for("acme", replay=False) == "acme-live-key"

    client = make_client("acme:rocket-1", settings=Settings(max_retries=5), replay=True)
    assert isinstance(client, AcmeClient) and client.model_string == "acme:rocket-1"
    assert client.options["api_key"] == REPLAY_KEY and client.options["max_retries"] == 0


def test_one_registration_makes_failures_and_cassette_matching_work(acme: ProviderSpec) -> None:
    failure = provider_failure(
        AcmeStatusError(429, {"error": {"message": "slow down"}}), provider="acme", model="rocket-1", task="screen C1", url="https://acme.test/v1", secrets=()
    )
    assert isinstance(failure, ProviderError)
    assert "acme model rocket-1 (task 'screen C1'): HTTP 429" in str(failure) and "slow down" in str(failure)
    assert provider_failure(ValueError("not an SDK error"), provider="acme", model="m", task="t", url="u", secrets=()) is None

    asked = {"model": "rocket-1", "prompt": "Is C1 still true?", "temperature": 0.2}
    assert body_projection(_json(asked)) != body_projection(_json({**asked, "prompt": "Is C2 still true?"}))
    assert body_projection(_json(asked)) == body_projection(_json({**asked, "temperature": 0.9}))
    # Its conversation key is normalised like any other: string content equals one text block.
    as_blocks = {**asked, "prompt": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]}
    assert body_projection(_json(as_blocks)) == body_projection(_json({**asked, "prompt": [{"role": "user", "content": "hi"}]}))


def test_one_registration_shows_its_key_in_retest_models(acme: ProviderSpec, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["models", "--judge", "acme:rocket-1"])
    out = capsys.readouterr().out

    assert code == ExitCode.OK
    assert "ACME_API_KEY: not set (needed by judge)" in out


def test_a_spec_that_cannot_send_a_key_or_projects_messages_it_does_not_match_is_refused() -> None:
    with pytest.raises(ValueError, match="takes no key"):
        ProviderSpec(name="x", example="x:m", build=_build_acme, sdk_errors=ACME.sdk_errors, key_variable=None, match_keys=("model",))
    with pytest.raises(ValueError, match="message_keys"):
        ProviderSpec(name="x", example="x:m", build=_build_acme, sdk_errors=ACME.sdk_errors, key_variable="X", match_keys=("model",), message_keys=("prompt",))
    with pytest.raises(ValueError, match="registered already"):
        registry.register(registry.provider_spec("openai"))


def test_every_example_parses_back_to_its_provider() -> None:
    for spec in registry.registered():
        parsed = parse_model_string(spec.example)
        assert parsed.provider == spec.name and str(parsed) == spec.example


def _json(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()
