"""What reaches a cassette: no secrets, no transient failures, decoded bodies."""

from __future__ import annotations

import gzip
import json
from fnmatch import fnmatch

import httpx2
import pytest
import yaml

from agent.errors import ProviderError
from agent.recording import cassette, cassette_miss_from
from agent.recording.scrub import SECRET_HEADERS, VOLATILE_HEADER_PATTERNS

OPENAI_KEY = "sk-proj-SECRETopenaiKEY0123456789abcdef"
ANTHROPIC_KEY = "sk-ant-api03-SECRETanthropicKEY0123456789"
GOOGLE_KEY = "AIzaSyD-SECRETgoogleKEY0123456789"
ORG = "org-SECRETorg4711"
PROJECT = "proj_SECRETproject4711"
COOKIE = "__cf_bm=SECRETcookieValue4711"
SET_COOKIE = "_cfuvid=SECRETsetCookie4711; path=/; HttpOnly"
ANTHROPIC_ORG = "a1b2c3d4-SECRET-anthropic-org-4711"
SECRETS = (OPENAI_KEY, ANTHROPIC_KEY, GOOGLE_KEY, ORG, PROJECT, COOKIE, "SECRETsetCookie4711", ANTHROPIC_ORG)

VOLATILE_RESPONSE_HEADERS = {
    "date": "Thu, 01 Jan 2026 00:00:00 GMT",
    "x-request-id": "req_0123456789abcdef",
    "request-id": "req_011CRtT3st",
    "cf-ray": "8f0a1b2c3d4e5f60-AMS",
    "x-ratelimit-remaining-requests": "9999",
    "anthropic-ratelimit-tokens-remaining": "400000",
    "openai-processing-ms": "341",
    "server-timing": "x-originResponse;dur=8679",
    "alt-svc": 'h3=":443"; ma=86400',
}


def _interactions(path) -> list[dict]:
    return yaml.safe_load(path.read_text())["interactions"]


def test_secrets_never_reach_the_cassette(tmp_path, monkeypatch, wire):
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
    monkeypatch.setenv("GOOGLE_API_KEY", GOOGLE_KEY)
    seen: list[httpx2.Request] = []

    def service(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        headers = {**VOLATILE_RESPONSE_HEADERS, "set-cookie": SET_COOKIE, "openai-organization": ORG, "anthropic-organization-id": ANTHROPIC_ORG}
        if request.url.host == "api.anthropic.com":
            return wire.json_response(wire.anthropic_answer('{"stance":"supports","quote":"q"}'), headers=headers)
        if request.url.host == "api.openai.com":
            return wire.json_response(wire.openai_chat_answer('{"stance":"supports","quote":"q"}'), headers=headers)
        # A service that echoes the key it was given in its error text.
        return wire.json_response({"error": {"message": f"API key {request.url.params['key']} is not enabled"}}, status=400)

    path = tmp_path / "secret.yaml"
    with cassette("record", path):
        # The real SDKs, taking their keys from the environment.
        oai = wire.openai_client(service, api_key=None, organization=ORG, project=PROJECT, default_headers={"Cookie": COOKIE})
        oai.chat.completions.create(**wire.openai_screen_request("C1: AI lowers the bargaining power of workers."))
        ant = wire.anthropic_client(service, api_key=None, default_headers={"Cookie": COOKIE})
        ant.messages.create(model="claude-sonnet-4-6", max_tokens=400, messages=[{"role": "user", "content": "C2"}])
        with httpx2.Client(transport=httpx2.MockTransport(service)) as raw:
            raw.get(f"https://generativelanguage.googleapis.com/v1/models?key={GOOGLE_KEY}&pageSize=5")

    # The secrets really were sent, so their absence below means they were scrubbed.
    sent = " ".join(f"{r.url} {dict(r.headers)}" for r in seen)
    for secret in (OPENAI_KEY, ANTHROPIC_KEY, GOOGLE_KEY, ORG, PROJECT, COOKIE):
        assert secret in sent
    text = path.read_text()
    for secret in SECRETS:
        assert secret not in text
    interactions = _interactions(path)
    assert [i["request"]["uri"].split("?")[0] for i in interactions] == [
        "https://api.openai.com/v1/chat/completions",
        "https://api.anthropic.com/v1/messages",
        "https://generativelanguage.googleapis.com/v1/models",
    ]
    assert interactions[2]["request"]["uri"].endswith("?pageSize=5")
    assert "<GOOGLE_API_KEY>" in json.dumps(interactions[2]["response"]["parsed_body"])
    for interaction in interactions:
        names = set(interaction["request"]["headers"]) | set(interaction["response"]["headers"])
        assert not names & SECRET_HEADERS
        assert not names & set(VOLATILE_RESPONSE_HEADERS)
        assert not [n for n in names if any(fnmatch(n, pattern) for pattern in VOLATILE_HEADER_PATTERNS)]


@pytest.mark.parametrize("failure", [429, 503])
def test_transient_failures_are_not_recorded_but_the_answer_is(tmp_path, wire, failure):
    answer = wire.openai_chat_answer('{"stance":"unrelated","quote":"-"}')
    # retry-after-ms keeps the SDK's real retry loop from waiting noticeably.
    service = wire.Scripted(
        [
            wire.json_response({"error": {"message": "Rate limit reached", "type": "requests"}}, 429, {"retry-after-ms": "1"}),
            wire.json_response({"error": {"message": "overloaded", "type": "server_error"}}, failure, {"retry-after-ms": "1"}),
            wire.json_response(answer),
        ]
    )
    path = tmp_path / "retry.yaml"
    with cassette("record", path):
        recorded = wire.openai_client(service, max_retries=2).chat.completions.create(**wire.openai_screen_request("C3"))

    assert len(service.requests) == 3
    interactions = _interactions(path)
    assert [i["response"]["status"]["code"] for i in interactions] == [200]
    assert interactions[0]["response"]["parsed_body"] == answer

    with cassette("replay", path) as handle:
        replayed = wire.openai_client(wire.unreachable).chat.completions.create(**wire.openai_screen_request("C3"))
    assert replayed.model_dump() == recorded.model_dump()
    assert handle.all_played


def test_a_request_that_only_ever_failed_transiently_stops_the_recording(tmp_path, wire):
    """Its failures are dropped, so nothing would answer it in replay: refuse to write a cassette that misses."""
    overloaded = wire.json_response({"error": {"message": "overloaded", "type": "server_error"}}, 503, {"retry-after-ms": "1"})
    path = tmp_path / "down.yaml"
    path.write_text("previous: good recording\n")
    with pytest.raises(ProviderError) as raised:
        with cassette("record", path):
            answered = wire.Scripted([wire.json_response(wire.openai_chat_answer("{}"))])
            _ = wire.openai_client(answered).chat.completions.create(**wire.openai_screen_request("C1"))
            with pytest.raises(Exception, match="overloaded"):  # the run goes on, as a graph node that catches it would
                wire.openai_client(wire.Scripted([overloaded, overloaded]), max_retries=1).chat.completions.create(**wire.openai_screen_request("C3"))
    message = str(raised.value)
    assert "POST api.openai.com/v1/chat/completions" in message and "HTTP 503" in message
    assert "replay" in message and "record again" in message.lower()
    assert path.read_text() == "previous: good recording\n", "the previous cassette is left as it was"


def test_a_request_that_never_connected_stops_the_recording_too(tmp_path, wire):
    def refused(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("connection refused", request=request)

    path = tmp_path / "unreachable.yaml"
    with pytest.raises(ProviderError, match=r"POST api.openai.com/v1/chat/completions \(no response\)"):
        with cassette("record", path):
            with pytest.raises(Exception, match="Connection error"):
                wire.openai_client(refused).chat.completions.create(**wire.openai_screen_request("C3"))
    assert not path.exists()


def test_a_deterministic_client_error_is_recorded(tmp_path, wire):
    """Only transient failures are dropped: a 400 is the service's real answer."""
    service = wire.Scripted([wire.json_response({"error": {"message": "Invalid schema", "type": "invalid_request_error"}}, 400)])
    path = tmp_path / "bad.yaml"
    with cassette("record", path):
        with pytest.raises(Exception, match="Invalid schema"):
            wire.openai_client(service).chat.completions.create(**wire.openai_screen_request("C4"))
    assert [i["response"]["status"]["code"] for i in _interactions(path)] == [400]


def test_gzip_response_is_stored_decoded_and_replays(tmp_path, wire):
    answer = wire.anthropic_answer('{"stance":"qualifies","quote":"only for routine tasks"}')
    compressed = gzip.compress(json.dumps(answer).encode())
    service = wire.Scripted([httpx2.Response(200, content=compressed, headers={"content-type": "application/json", "content-encoding": "gzip"})])
    request = {"model": "claude-sonnet-4-6", "max_tokens": 400, "messages": [{"role": "user", "content": "C5"}]}
    path = tmp_path / "gzip.yaml"
    with cassette("record", path):
        recorded = wire.anthropic_client(service).messages.create(**request)

    (interaction,) = _interactions(path)
    assert "content-encoding" not in interaction["response"]["headers"]
    assert interaction["response"]["parsed_body"] == answer
    assert "only for routine tasks" in path.read_text()

    with cassette("replay", path):
        replayed = wire.anthropic_client(wire.unreachable).messages.create(**request)
    assert replayed.content[0].text == recorded.content[0].text == answer["content"][0]["text"]


def test_a_miss_message_never_shows_a_credential_from_the_query(wire):
    url = f"https://generativelanguage.googleapis.com/v1/models?pageSize=5&key={GOOGLE_KEY}"
    with cassette("replay", wire.HAND_CASSETTES / "screen_two_claims.yaml"):
        with httpx2.Client(transport=httpx2.MockTransport(wire.unreachable)) as raw, pytest.raises(Exception) as raised:
            raw.get(url)
    miss = cassette_miss_from(raised.value, method="GET", url=url)
    assert miss is not None and "GET generativelanguage.googleapis.com/v1/models?pageSize=5" in str(miss)
    assert GOOGLE_KEY not in str(miss)


def test_a_stopped_recording_keeps_its_calls_beside_a_good_cassette_and_resume_pays_for_none_twice(tmp_path, wire):
    from agent.recording import incomplete_path

    path = tmp_path / "run.yaml"
    path.write_text("previous: good recording\n")
    first = wire.Scripted([wire.json_response(wire.openai_chat_answer('{"stance":"supports","quote":"q"}', completion_id="chatcmpl-RtT3stC1kept0000000001"))])
    with pytest.raises(KeyboardInterrupt):
        with cassette("record", path):
            wire.openai_client(first).chat.completions.create(**wire.openai_screen_request("C1"))
            raise KeyboardInterrupt  # Ctrl-C after one paid call
    assert path.read_text() == "previous: good recording\n", "an unfinished recording never replaces a good one"
    kept = incomplete_path(path)
    assert "chatcmpl-RtT3stC1kept0000000001" in kept.read_text(encoding="utf-8")

    # Resumed: the request it already paid for is answered from what was kept; only the new one is sent.
    second = wire.Scripted([wire.json_response(wire.openai_chat_answer('{"stance":"refutes","quote":"r"}', completion_id="chatcmpl-RtT3stC2new00000000001"))])
    with cassette("record", path, resume=True):
        client = wire.openai_client(second)
        again = client.chat.completions.create(**wire.openai_screen_request("C1"))
        client.chat.completions.create(**wire.openai_screen_request("C2"))
    assert again.id == "chatcmpl-RtT3stC1kept0000000001"
    assert not kept.exists()
    with cassette("replay", path) as handle:
        client = wire.openai_client(wire.unreachable)
        assert client.chat.completions.create(**wire.openai_screen_request("C2")).id == "chatcmpl-RtT3stC2new00000000001"
        assert client.chat.completions.create(**wire.openai_screen_request("C1")).id == "chatcmpl-RtT3stC1kept0000000001"
        assert handle.all_played


def test_a_resumed_recording_sends_a_repeated_request_on_instead_of_answering_it_with_the_new_recording(tmp_path, wire):
    from agent.recording import incomplete_path

    path = tmp_path / "run.yaml"
    incomplete_path(path).write_text("interactions: []\nversion: 1\n", encoding="utf-8")
    # The same request twice (a truncation retry differs only in its budget, which is not matched on): both reach the server.
    server = wire.Scripted(
        [
            wire.json_response(wire.openai_chat_answer('{"stance":"supports","quote":"q"}', completion_id="chatcmpl-RtT3stFirst000000000001")),
            wire.json_response(wire.openai_chat_answer('{"stance":"refutes","quote":"r"}', completion_id="chatcmpl-RtT3stRetry000000000001")),
        ]
    )
    with cassette("record", path, resume=True):
        client = wire.openai_client(server)
        first = client.chat.completions.create(**wire.openai_screen_request("C1"))
        retry = client.chat.completions.create(**wire.openai_screen_request("C1"))
    assert (first.id, retry.id) == ("chatcmpl-RtT3stFirst000000000001", "chatcmpl-RtT3stRetry000000000001")
    with cassette("replay", path) as handle:
        client = wire.openai_client(wire.unreachable)
        assert [client.chat.completions.create(**wire.openai_screen_request("C1")).id for _ in range(2)] == [first.id, retry.id]
        assert handle.all_played


def test_a_resumed_recording_drops_the_kept_calls_its_sitting_never_asked_for(tmp_path, wire):
    from agent.recording import incomplete_path

    path = tmp_path / "run.yaml"
    old = wire.Scripted([wire.json_response(wire.openai_chat_answer(f'{{"stance":"supports","quote":"{c}"}}')) for c in ("C1", "C2")])
    with pytest.raises(KeyboardInterrupt), cassette("record", path):
        client = wire.openai_client(old)
        client.chat.completions.create(**wire.openai_screen_request("C1"))
        client.chat.completions.create(**wire.openai_screen_request("C2"))  # a request the next sitting no longer makes
        raise KeyboardInterrupt
    assert len(_interactions(incomplete_path(path))) == 2

    new = wire.Scripted([wire.json_response(wire.openai_chat_answer('{"stance":"refutes","quote":"r"}', completion_id="chatcmpl-RtT3stC3new00000000001"))])
    with cassette("record", path, resume=True) as handle:
        kept = handle.interaction_count
        client = wire.openai_client(new)
        client.chat.completions.create(**wire.openai_screen_request("C1"))  # answered from the kept call
        client.chat.completions.create(**wire.openai_screen_request("C3"))  # sent
        assert handle.drop_unasked(kept) == 1
    with cassette("replay", path) as handle:
        client = wire.openai_client(wire.unreachable)
        client.chat.completions.create(**wire.openai_screen_request("C1"))
        assert client.chat.completions.create(**wire.openai_screen_request("C3")).id == "chatcmpl-RtT3stC3new00000000001"
        assert handle.all_played, "C2's call is gone: replay asks for exactly what the sitting asked"
