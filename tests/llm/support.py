"""Small helpers shared by the model room's tests."""

from __future__ import annotations

from typing import Any


class FakeClock:
    """perf_counter stand-in: each reading is `step` seconds after the previous one."""

    def __init__(self, step: float = 1.5) -> None:
        self.now = 100.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def walk_chain(exc: BaseException) -> list[BaseException]:
    """`exc` and every exception in its cause/context chain."""
    seen: list[BaseException] = []
    current: Any = exc
    while current is not None and all(current is not e for e in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen
