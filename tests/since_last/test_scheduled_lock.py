"""The scheduled-run lock is the store's (`Store.try_exclusive`): taken at once or refused at once, never waited for (issue 20)."""

from __future__ import annotations

import pytest

from agent.errors import RunLocked
from agent.incremental import scheduled_lock
from agent.store import Store


def test_try_exclusive_yields_true_when_free_and_false_while_held() -> None:
    store = Store.open()
    with store.try_exclusive("since-last") as first:
        assert first is True
        # Another open of the lock file is another holder, as another process's would be.
        with store.try_exclusive("since-last") as second:
            assert second is False
        with store.try_exclusive("another-name") as other:
            assert other is True
    with store.try_exclusive("since-last") as again:
        assert again is True  # released at the end of the block


def test_the_scheduled_lock_refuses_a_second_holder_with_who_holds_it() -> None:
    store = Store.open()
    with scheduled_lock(store), pytest.raises(RunLocked, match=r"\(pid \d+ on .+\) is running on .*this one did not start"), scheduled_lock(store):
        pass
    with scheduled_lock(store):
        pass  # free again
