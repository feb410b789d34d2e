"""Keep httpx2 patched while vcrpy sends a real http.client request in another thread.

When recording, vcrpy's http.client stub (arXiv, through `requests`) connects
and sends inside `vcr.patch.force_reset()`, which puts back the real classes
of every library vcrpy patches, httpx2's transports included, for the whole
process. Graph branches run in threads, so a model call made in that window
went out unpatched: live, but missing from the cassette, and a miss in every
replay (one to two of a demo run's 17 calls, in about half of the recordings).
That request needs only the http.client and urllib3 classes put back; the
httpx ones stay patched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import vcr.patch

_STAY_PATCHED = frozenset({"httpx", "httpx2"})


def _without_httpx(original: Callable[[], Iterator[Any]]) -> Callable[[], Iterator[Any]]:
    def reset_patchers() -> Iterator[Any]:
        for patcher in original():
            # mock's patcher knows its target by `getter` until entered; modules (http.client,
            # urllib3's) have no __module__, httpx classes do.
            package = (getattr(patcher.getter(), "__module__", None) or "").split(".")[0]
            if package not in _STAY_PATCHED:
                yield patcher

    return reset_patchers


@contextmanager
def httpx_stays_patched() -> Iterator[None]:
    """While the block runs, vcrpy's force_reset() leaves httpx and httpx2 patched."""
    with mock.patch.object(vcr.patch, "reset_patchers", _without_httpx(vcr.patch.reset_patchers)):
        yield
