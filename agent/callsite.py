"""Which graph node (and claim) is sending requests right now.

A neutral, dependency-free module: the graph marks its calls here and the
recording room reads it to name the sender in a cassette-miss message, so
neither imports the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class CallSite:
    """The graph node (and claim, in per-claim branches) that is sending requests."""

    node: str
    claim: str | None = None

    def describe(self) -> str:
        return f"node {self.node}, claim {self.claim}" if self.claim else f"node {self.node}"


_CALL_SITE: ContextVar[CallSite | None] = ContextVar("retest_call_site", default=None)


@contextmanager
def call_context(node: str, claim: str | None = None) -> Iterator[CallSite]:
    """Name the node (and claim) for every request sent inside the block."""
    site = CallSite(node, claim)
    token = _CALL_SITE.set(site)
    try:
        yield site
    finally:
        _CALL_SITE.reset(token)


def current_call() -> CallSite | None:
    """The innermost active `call_context`, or None outside any."""
    return _CALL_SITE.get()
