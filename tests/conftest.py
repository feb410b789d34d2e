"""Shared pytest setup: one vcrpy configuration, live opt-in, a clean environment.

Room-specific fixtures belong in tests/<room>/conftest.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from vcr import VCR

from agent.recording import configure_vcr, vcr_options
from agent.recording.scrub import is_secret_env_name
from agent.sources.ratelimit import default_limiter

# pytester runs small inner pytest sessions (tests of this very conftest).
pytest_plugins = ("pytester",)

# Provider settings that would point a test at a real account or server.
_PROVIDER_ENV = ("OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--live", action="store_true", default=False, help="Run tests marked `live` (real services, keys).")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "allow_unplayed: a vcr test may leave recorded interactions unplayed")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--live"):
        return
    skip = pytest.mark.skip(reason="calls real services: run with --live and keys")
    for item in items:
        if item.get_closest_marker("live"):
            item.add_marker(skip)


_CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        # The unplayed-interactions check stays quiet for a test that already failed.
        item.stash[_CALL_FAILED] = report.failed


def pytest_recording_configure(config: pytest.Config, vcr: VCR) -> None:
    """pytest-recording hook: the same serializer and matchers as the CLI."""
    configure_vcr(vcr)


def _live(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--live") and request.node.get_closest_marker("live"))


@pytest.fixture
def vcr_config(request: pytest.FixtureRequest) -> dict:
    """pytest-recording options: agent.recording's scrubbing, serializer and matcher; replay by default."""
    return {
        **vcr_options(),
        # The serializer's name is not a file suffix: keep cassettes *.yaml.
        "path_transformer": VCR.ensure_suffix(".yaml"),
        "record_mode": request.config.getoption("--record-mode") or "none",
    }


@pytest.fixture
def allowed_hosts(request: pytest.FixtureRequest, vcr_config: dict) -> list[str] | None:
    """Hosts reachable despite --block-network: all of them for an enabled live test."""
    if _live(request):
        return [".*"]
    mark = request.node.get_closest_marker("block_network")
    hosts = (mark.kwargs.get("allowed_hosts") if mark else None) or request.config.getoption("--allowed-hosts")
    return hosts.split(",") if isinstance(hosts, str) else hosts


@pytest.fixture(autouse=True)
def _clean_environment(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """State under a temporary RETEST_HOME; no keys unless a live test was asked for."""
    for name in list(os.environ):
        if name.startswith("RETEST_") or not _live(request) and (is_secret_env_name(name) or name in _PROVIDER_ENV):
            monkeypatch.delenv(name)
    monkeypatch.setenv("RETEST_HOME", str(tmp_path / ".retest"))
    # The machine-wide arXiv limiter keeps its lock file in the user's cache: a test's stays in its own directory.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / ".cache"))


@pytest.fixture(autouse=True)
def _shared_limiter_restored() -> Iterator[None]:
    """A live or record run sets the process-wide arXiv limiter from its settings; later tests expect arXiv's."""
    limiter = default_limiter()
    before = (limiter.min_interval, limiter.measure_from)
    yield
    limiter.min_interval, limiter.measure_from = before


@pytest.fixture(autouse=True)
def _all_interactions_played(request: pytest.FixtureRequest, vcr) -> Iterator[None]:
    """A replayed vcr test must use every recorded interaction (unless marked allow_unplayed)."""
    yield
    if vcr is None or request.node.get_closest_marker("allow_unplayed") or request.node.stash.get(_CALL_FAILED, True):
        return
    if getattr(vcr.record_mode, "value", vcr.record_mode) != "none":
        return
    unplayed = [f"{r.method} {r.uri}" for i, (r, _) in enumerate(vcr.data) if vcr.play_counts[i] == 0]
    if unplayed:
        pytest.fail(f"cassette {vcr.path} has unplayed interactions: {unplayed}", pytrace=False)
