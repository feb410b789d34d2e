"""API keys come from the environment and reach no message, repr or cassette."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from agent.config import Settings
from agent.errors import ConfigError, ExitCode, ProviderError
from agent.llm import make_client
from agent.llm.keys import redact
from agent.recording.scrub import SECRET_HEADERS
from tests.llm import make_cassettes
from tests.llm.scenarios import CASSETTE_DIR, SCENARIOS, Answer, Scenario
from tests.llm.support import walk_chain

SECRET = "sk-test-retest-0123456789abcdef"
# A provider key that is not masked: at least 20 key characters and no '*'.
UNMASKED_KEY = re.compile(r"sk-(?:ant-|proj-)?[A-Za-z0-9_\-]{20,}")


def test_rejected_key_appears_in_no_exception_message(monkeypatch: pytest.MonkeyPatch, replay_scenario) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    result = replay_scenario("openai_401", replay=False)  # live client, answered by the cassette

    assert isinstance(result.error, ProviderError)
    assert result.error.exit_code == ExitCode.PROVIDER
    assert "OPENAI_API_KEY was rejected" in str(result.error)
    assert "sk-test-" not in str(result.error)  # not even the provider's masked echo
    for exc in walk_chain(result.error):
        assert SECRET not in str(exc) and SECRET not in repr(exc)
        assert all(SECRET not in str(arg) for arg in exc.args)


def test_client_repr_shows_the_model_not_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    client = make_client("anthropic:claude-sonnet-4-6", settings=Settings())

    assert repr(client) == "AnthropicClient('anthropic:claude-sonnet-4-6')"


@pytest.mark.parametrize(("model", "variable"), [("openai:gpt-5.4-mini", "OPENAI_API_KEY"), ("anthropic:claude-sonnet-4-6", "ANTHROPIC_API_KEY")])
def test_live_client_without_key_names_the_variable(model: str, variable: str) -> None:
    with pytest.raises(ConfigError, match=variable) as raised:
        make_client(model, settings=Settings())
    assert raised.value.exit_code == ExitCode.CONFIG


def test_replay_and_local_servers_need_no_key() -> None:
    assert make_client("openai:gpt-5.4-mini", settings=Settings(), replay=True).model_string == "openai:gpt-5.4-mini"
    compat = make_client("openai-compatible:http://localhost:11434/v1#llama3.1", settings=Settings())
    assert compat.model_string == "openai-compatible:http://localhost:11434/v1#llama3.1"


def test_redact_removes_given_secrets_and_key_shapes() -> None:
    text = f"key {SECRET} and sk-ant-api03-abcdefghijkl and sk-proj-****wxyz rejected"
    cleaned = redact(text, (SECRET,))

    assert SECRET not in cleaned and "sk-ant" not in cleaned and "sk-proj" not in cleaned
    assert cleaned.startswith("key [redacted] and [redacted]")


def _header_names(path: Path) -> set[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    names = set()
    for interaction in data["interactions"]:
        for side in ("request", "response"):
            names |= {name.lower() for name in (interaction[side].get("headers") or {})}
    return names


@pytest.mark.parametrize("path", sorted(CASSETTE_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_committed_cassettes_hold_no_credentials(path: Path) -> None:
    assert not _header_names(path) & SECRET_HEADERS
    assert not UNMASKED_KEY.search(path.read_text(encoding="utf-8"))


def test_writing_a_cassette_live_keeps_the_environment_key_out(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # A live client sends the key in its auth header; this answer even echoes it in full.
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    base = SCENARIOS["openai_401"]
    echoing = Scenario(
        name="echo",
        model_string=base.model_string,
        task=base.task,
        data=base.data,
        answers=(Answer(401, {"error": {"message": f"Incorrect API key provided: {SECRET}.", "type": "invalid_request_error"}}),),
    )
    written = make_cassettes.write_cassette(echoing, tmp_path, replay=False)

    text = written.read_text(encoding="utf-8")
    assert SECRET not in text
    assert "<OPENAI_API_KEY>" in text  # redacted where it was echoed, so the check above is not vacuous
    assert not _header_names(written) & SECRET_HEADERS
