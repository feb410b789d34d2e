"""The process-wide bound on concurrent model calls."""

from __future__ import annotations

import threading

import pytest

from agent.config import Settings
from agent.llm import make_client, pool


def test_no_more_calls_in_flight_than_the_pool_allows() -> None:
    pool.set_pool_size(2)
    lock = threading.Condition()
    active = 0
    most = 0
    gate = threading.Semaphore(0)

    def call() -> None:
        nonlocal active, most
        with pool.model_call_slot():
            with lock:
                active += 1
                most = max(most, active)
                lock.notify_all()
            gate.acquire()
            with lock:
                active -= 1
                lock.notify_all()

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for remaining in range(6, 0, -1):
        with lock:
            # Without the bound all six would be inside at once and this would never hold.
            assert lock.wait_for(lambda remaining=remaining: active == min(2, remaining), timeout=5)
        gate.release()
    for thread in threads:
        thread.join(timeout=5)

    assert most == 2


def test_make_client_sizes_the_pool_from_settings() -> None:
    make_client("openai:gpt-5.4-mini", settings=Settings(max_concurrent_calls=7), replay=True)
    assert pool.pool_size() == 7


def test_pool_size_must_be_positive() -> None:
    with pytest.raises(ValueError):
        pool.set_pool_size(0)
