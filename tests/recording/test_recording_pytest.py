"""The pytest side: pytest-recording uses agent.recording's config; env hygiene; --live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT_CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"


def test_every_test_gets_a_private_home_and_no_keys(tmp_path):
    assert os.environ["RETEST_HOME"] == str(tmp_path / ".retest")
    assert not [name for name in os.environ if name.endswith("_API_KEY")]


@pytest.mark.vcr
@pytest.mark.default_cassette("screen_two_claims")
def test_pytest_recording_replays_with_the_shared_serializer_and_matcher(vcr, wire):
    client = wire.openai_client(wire.unreachable)
    c2 = client.chat.completions.create(**wire.openai_screen_request(wire.screen_prompt("C2")))
    c1 = client.chat.completions.create(**wire.openai_screen_request(wire.screen_prompt("C1")))
    assert (c1.id, c2.id) == ("chatcmpl-RtT3stC1screen000000001", "chatcmpl-RtT3stC2screen000000002")
    assert vcr.play_count == 2
    assert vcr.record_mode == "none"


INNER_TESTS = """
import os
import httpx2
import openai
import pytest


@pytest.fixture
def vcr_cassette_dir():
    return {cassettes!r}


def test_no_keys():
    assert "OPENAI_API_KEY" not in os.environ and "RETEST_DEBUG" not in os.environ
    assert os.environ["RETEST_HOME"].endswith(".retest")


@pytest.mark.live
def test_live_sees_keys():
    assert os.environ["OPENAI_API_KEY"] == "sk-outer-key-for-live-tests"


def _ask_c1():
    def unreachable(request):
        raise AssertionError("network")

    client = openai.OpenAI(api_key="x", max_retries=0, http_client=httpx2.Client(transport=httpx2.MockTransport(unreachable)))
    return client.chat.completions.create(**{request!r})


@pytest.mark.vcr
@pytest.mark.default_cassette("screen_two_claims")
def test_leaves_one_unplayed():
    _ask_c1()


@pytest.mark.vcr
@pytest.mark.allow_unplayed
@pytest.mark.default_cassette("screen_two_claims")
def test_may_leave_one_unplayed():
    _ask_c1()
"""


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, wire) -> pytest.Pytester:
    """A pytest session with the repo's root conftest and the tests above."""
    pytester.makeconftest(ROOT_CONFTEST.read_text())
    pytester.makeini("[pytest]\nmarkers =\n    live: real services\n")
    request = wire.openai_screen_request(wire.screen_prompt("C1"))
    pytester.makepyfile(test_inner=INNER_TESTS.format(cassettes=str(wire.HAND_CASSETTES), request=request))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-outer-key-for-live-tests")
    monkeypatch.setenv("RETEST_DEBUG", "1")
    return pytester


def test_live_tests_skip_without_live_and_unplayed_interactions_fail(inner):
    result = inner.runpytest_inprocess("-p", "no:cacheprovider", "--block-network")
    result.assert_outcomes(passed=3, skipped=1, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_leaves_one_unplayed*", "*has unplayed interactions*"])


def test_live_tests_run_with_live_and_keep_their_keys(inner):
    result = inner.runpytest_inprocess("-p", "no:cacheprovider", "--live", "-k", "keys")
    result.assert_outcomes(passed=2)
