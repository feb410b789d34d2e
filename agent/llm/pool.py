"""The process-wide bound on concurrent model calls.

Claims fan out in parallel graph branches; without a bound, a line with many
claims would open as many simultaneous requests and meet the providers' rate
limits at once. Every client takes a slot for each HTTP call it makes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

DEFAULT_POOL_SIZE = 4

_lock = threading.Lock()
_size = DEFAULT_POOL_SIZE
_slots = threading.BoundedSemaphore(DEFAULT_POOL_SIZE)


def set_pool_size(size: int) -> None:
    """Bound concurrent model calls to `size` from now on (calls in flight finish on the old bound)."""
    global _size, _slots
    if size < 1:
        raise ValueError(f"pool size must be at least 1, not {size}")
    with _lock:
        if size != _size:
            _size = size
            _slots = threading.BoundedSemaphore(size)


def pool_size() -> int:
    """The current bound."""
    return _size


@contextmanager
def model_call_slot() -> Iterator[None]:
    """Hold one of the pool's slots for the duration of a model call."""
    with _lock:
        slots = _slots
    with slots:
        yield
