"""Replay: each request gets its own answer, and anything else is a clear miss."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from agent.errors import CassetteMissError, ExitCode, InputError, ProviderError
from agent.recording import active_mode, call_context, cassette, cassette_miss_from, current_call, max_retries_for

OPENAI_URL = "https://api.openai.com/v1/chat/completions"


def _stance(completion) -> dict:
    return json.loads(completion.choices[0].message.content)


def _screen(client, wire, claim: str, **changes):
    request = wire.openai_screen_request(wire.screen_prompt(claim))
    request.update(changes)
    return client.chat.completions.create(**request)


def _miss(wire, node: str, claim: str | None, **changes) -> CassetteMissError | None:
    """Send a changed C1 request in replay and convert what it raises."""
    with cassette("replay", wire.HAND_CASSETTES / "screen_two_claims.yaml"):
        client = wire.openai_client(wire.unreachable)
        with call_context(node, claim):
            try:
                _screen(client, wire, "C1", **changes)
            except Exception as exc:  # the SDK lets vcrpy's miss through unwrapped
                return cassette_miss_from(exc, method="POST", url=OPENAI_URL)
    return None


def test_parallel_claims_replay_their_own_answers_in_swapped_order(wire):
    with cassette("replay", wire.HAND_CASSETTES / "screen_two_claims.yaml") as handle:
        client = wire.openai_client(wire.unreachable)
        c2 = _screen(client, wire, "C2")  # recorded second, asked first
        c1 = _screen(client, wire, "C1")
    assert c1.id == "chatcmpl-RtT3stC1screen000000001"
    assert c2.id == "chatcmpl-RtT3stC2screen000000002"
    assert _stance(c1)["quote"] in wire.PAPERS["2403.12107"]["summary"]
    assert _stance(c2)["quote"] in wire.PAPERS["2410.03724"]["summary"]
    assert handle.play_count == 2 and handle.all_played and handle.unplayed() == []


def test_parallel_claims_in_threads_each_get_their_answer(wire):
    claims = ["C2", "C1"]
    with cassette("replay", wire.HAND_CASSETTES / "screen_two_claims.yaml") as handle:
        client = wire.openai_client(wire.unreachable)

        def branch(claim: str) -> tuple[str, str]:
            with call_context("screen", claim):
                return claim, _screen(client, wire, claim).id

        with ThreadPoolExecutor(max_workers=2) as pool:
            answers = dict(pool.map(branch, claims))
    assert answers == {"C1": "chatcmpl-RtT3stC1screen000000001", "C2": "chatcmpl-RtT3stC2screen000000002"}
    assert handle.all_played


def test_an_edited_prompt_is_a_miss_naming_request_node_claim_and_next_step(wire):
    edited = wire.openai_screen_request(wire.screen_prompt("C1"))["messages"]
    edited[0] = {"role": "system", "content": "Screen the paper against the claim. Quote the abstract verbatim."}
    miss = _miss(wire, "screen", "C1", messages=edited)

    assert isinstance(miss, CassetteMissError)
    assert miss.exit_code == ExitCode.CASSETTE_MISS == 4
    text = str(miss)
    assert "POST api.openai.com/v1/chat/completions" in text
    assert "node screen, claim C1" in text
    assert str(wire.HAND_CASSETTES / "screen_two_claims.yaml") in text
    assert "request body differs in: messages" in text
    assert "--record CASSETTE" in text and "restore the prompt/model" in text


def test_a_changed_model_is_a_miss(wire):
    miss = _miss(wire, "screen", "C1", model="gpt-4o")
    assert miss is not None and "differs in: model" in str(miss)


def test_a_changed_token_budget_is_not_a_miss(wire):
    """Documented decision: max_tokens is not part of what was asked."""
    with cassette("replay", wire.HAND_CASSETTES / "screen_two_claims.yaml") as handle:
        completion = _screen(wire.openai_client(wire.unreachable), wire, "C1", max_tokens=1000)
    assert completion.id == "chatcmpl-RtT3stC1screen000000001"
    assert handle.play_count == 1 and handle.unplayed() == ["POST api.openai.com/v1/chat/completions"]
    assert not handle.all_played


def test_a_request_repeated_beyond_the_recording_is_a_miss(wire):
    with cassette("replay", wire.HAND_CASSETTES / "screen_two_claims.yaml"):
        client = wire.openai_client(wire.unreachable)
        _screen(client, wire, "C1")
        with call_context("judge", "C1"), pytest.raises(Exception) as raised:
            _screen(client, wire, "C1")
        miss = cassette_miss_from(raised.value, method="POST", url=OPENAI_URL)
    assert miss is not None
    assert "already answered" in str(miss) and "node judge, claim C1" in str(miss)


def test_a_miss_wrapped_by_a_client_error_is_still_found(wire):
    with cassette("replay", wire.HAND_CASSETTES / "screen_two_claims.yaml"):
        with pytest.raises(ProviderError) as raised:
            try:
                _screen(wire.openai_client(wire.unreachable), wire, "C1", model="gpt-4o")
            except Exception as exc:
                raise ProviderError("openai failed") from exc
    assert cassette_miss_from(raised.value, method="POST", url=OPENAI_URL) is not None
    assert cassette_miss_from(ValueError("unrelated"), method="POST", url=OPENAI_URL) is None


def test_an_unconverted_miss_escaping_the_block_becomes_a_cassette_miss_error(wire):
    """A miss in a worker thread, converted by nobody, still names its node and claim."""
    with pytest.raises(CassetteMissError, match=r"POST api.openai.com/v1/chat/completions \(node screen, claim C2\)"):
        with cassette("replay", wire.HAND_CASSETTES / "screen_two_claims.yaml"):

            def branch() -> None:
                with call_context("screen", "C2"):
                    _screen(wire.openai_client(wire.unreachable), wire, "C2", model="gpt-4o")

            with ThreadPoolExecutor(max_workers=1) as pool:
                pool.submit(branch).result()


def test_missing_or_unreadable_replay_cassette_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        with cassette("replay", tmp_path / "absent.yaml"):
            pass
    broken = tmp_path / "broken.yaml"
    broken.write_text("interactions: [\n")
    with pytest.raises(InputError, match="cannot be read"):
        with cassette("replay", broken):
            pass


def test_record_replaces_the_cassette_only_when_the_block_succeeds(tmp_path, wire):
    path = tmp_path / "run.yaml"
    first = wire.Scripted([wire.json_response(wire.openai_chat_answer("{}", completion_id="chatcmpl-first"))])
    with cassette("record", path) as handle:
        _screen(wire.openai_client(first), wire, "C1")
    assert handle.interaction_count == 1
    good = path.read_text()

    failing = wire.Scripted([wire.json_response(wire.openai_chat_answer("{}", completion_id="chatcmpl-second"))])
    with pytest.raises(RuntimeError):
        with cassette("record", path):
            _screen(wire.openai_client(failing), wire, "C2")
            raise RuntimeError("node failed after the call")
    assert path.read_text() == good

    third = wire.Scripted([wire.json_response(wire.openai_chat_answer("{}", completion_id="chatcmpl-third"))])
    with cassette("record", path):
        _screen(wire.openai_client(third), wire, "C2")
    text = path.read_text()
    assert "chatcmpl-third" in text and "chatcmpl-first" not in text  # stale answers do not linger
    assert [p.name for p in tmp_path.iterdir()] == ["run.yaml"]  # no temporary files left


def test_modes_and_retry_policy(wire):
    assert active_mode() == "live" and max_retries_for() == 2
    with cassette("replay", wire.HAND_CASSETTES / "screen_two_claims.yaml") as handle:
        assert active_mode() == "replay" and max_retries_for() == 0
    assert handle.unplayed() == ["POST api.openai.com/v1/chat/completions"] * 2
    with cassette("live", None) as live:
        assert active_mode() == "live" and live.all_played and live.play_count == 0
    assert max_retries_for("record", live=5) == 5
    with pytest.raises(ValueError):
        with cassette("replay", None):
            pass


def test_call_context_nests_and_restores():
    assert current_call() is None
    with call_context("screen", "C2"):
        with call_context("judge", "C2") as inner:
            assert current_call() == inner
        assert current_call().node == "screen"
    assert current_call() is None


def test_identical_requests_are_answered_once_each_in_recorded_order(tmp_path, wire):
    """Documented decision: allow_playback_repeats=False, so repeats replay as recorded."""
    answers = [wire.openai_chat_answer("{}", completion_id=f"chatcmpl-{n}") for n in ("one", "two")]
    path = tmp_path / "twice.yaml"
    with cassette("record", path):
        client = wire.openai_client(wire.Scripted([wire.json_response(a) for a in answers]))
        _screen(client, wire, "C1")
        _screen(client, wire, "C1")

    with cassette("replay", path) as handle:
        client = wire.openai_client(wire.unreachable)
        assert [_screen(client, wire, "C1").id for _ in range(2)] == ["chatcmpl-one", "chatcmpl-two"]
    assert handle.all_played

    with cassette("replay", path):  # concurrently: still one answer each, never one answer twice
        client = wire.openai_client(wire.unreachable)
        with ThreadPoolExecutor(max_workers=2) as pool:
            ids = sorted(pool.map(lambda _: _screen(client, wire, "C1").id, range(2)))
    assert ids == ["chatcmpl-one", "chatcmpl-two"]


def test_recording_over_a_broken_file_starts_fresh(tmp_path, wire):
    path = tmp_path / "run.yaml"
    path.write_text("interactions: [\n")
    with cassette("record", path):
        _screen(wire.openai_client(wire.Scripted([wire.json_response(wire.openai_chat_answer("{}"))])), wire, "C1")
    with cassette("replay", path) as handle:
        _screen(wire.openai_client(wire.unreachable), wire, "C1")
    assert handle.all_played


def test_a_hand_written_entry_missing_a_field_is_an_input_error(tmp_path):
    path = tmp_path / "hand.yaml"
    path.write_text("interactions:\n- request: {uri: 'https://x.test/'}\n  response: {status: {code: 200}}\nversion: 1\n")
    with pytest.raises(InputError, match="cannot be read"):
        with cassette("replay", path):
            pass


def test_a_concurrent_repeat_beyond_the_recording_is_a_miss_not_a_connection_error(tmp_path, wire):
    """Two branches pass vcrpy's "can play" check before either plays: the loser must still see a miss."""
    path = tmp_path / "once.yaml"
    with cassette("record", path):
        _screen(wire.openai_client(wire.Scripted([wire.json_response(wire.openai_chat_answer("{}"))])), wire, "C1")

    both_checked = threading.Barrier(2, timeout=5)
    with cassette("replay", path) as handle:
        recorded = handle._cassette
        check = recorded.can_play_response_for

        def check_then_wait(request):
            answer = check(request)
            both_checked.wait()  # the interleaving of two threads that both checked first
            return answer

        recorded.can_play_response_for = check_then_wait
        client = wire.openai_client(wire.unreachable)

        def branch(_: int) -> object:
            try:
                return _screen(client, wire, "C1").id
            except Exception as exc:
                return exc

        with ThreadPoolExecutor(max_workers=2) as pool:
            outcomes = list(pool.map(branch, range(2)))
    answered = [o for o in outcomes if isinstance(o, str)]
    failed = [o for o in outcomes if isinstance(o, Exception)]
    assert len(answered) == 1 and len(failed) == 1
    miss = cassette_miss_from(failed[0], method="POST", url=OPENAI_URL)
    assert miss is not None and "already answered" in str(miss)


def test_a_model_call_made_while_another_thread_sends_arxiv_a_real_request_is_recorded(tmp_path, wire):
    """vcrpy sends a recorded http.client request (arXiv, through requests) inside force_reset(), which puts
    back the real classes of every patched library; a model call in a parallel branch must still be recorded."""
    from vcr.patch import force_reset  # what vcrpy's http.client stub enters around a real request

    path = tmp_path / "overlap.yaml"
    with cassette("record", path) as handle:
        client = wire.openai_client(wire.Scripted([wire.json_response(wire.openai_chat_answer("{}"))]))
        with force_reset():  # thread A, mid-way through sending its arXiv request ...
            with ThreadPoolExecutor(max_workers=1) as pool:  # ... while branch B asks its model
                pool.submit(_screen, client, wire, "C1").result()
        assert handle.interaction_count == 1

    with cassette("replay", path) as replay:
        _screen(wire.openai_client(wire.unreachable), wire, "C1")
    assert replay.all_played


def test_replaying_a_directory_says_it_is_one(tmp_path):
    from agent.errors import InputError
    from agent.recording import cassette

    with pytest.raises(InputError, match="is a directory"):
        with cassette("replay", tmp_path):
            pass
