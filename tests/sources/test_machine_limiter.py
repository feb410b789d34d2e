"""Three Retest processes on one machine keep arXiv's terms together: one request at a time, spaced.

Each process has its own limiter on one lock file, as separate terminals would
(the default limiter's file is in the user's cache directory). They start
together against a stand-in on 127.0.0.1 that logs, on its own clock, when
each request arrived and when its answer was complete, and how many it was
ever serving at once. Spacing is 0.2 s here (arXiv's is 3 s) to keep the test short.
"""

from __future__ import annotations

import multiprocessing

import pytest

from .standin import Standin, send_lookups, serving

SPACING, PROCESSES, EACH = 0.2, 3, 3


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_three_processes_never_overlap_and_keep_the_spacing(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(PROCESSES)
    # A response time long enough that requests sent together would be seen overlapping.
    with serving(Standin(latency=0.05)) as standin:
        workers = [spawn.Process(target=send_lookups, args=(standin.url, str(tmp_path / "arxiv.lock"), SPACING, EACH, barrier)) for _ in range(PROCESSES)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
    assert [worker.exitcode for worker in workers] == [0] * PROCESSES
    hits = sorted(standin.hits, key=lambda hit: hit.arrived)
    assert len(hits) == PROCESSES * EACH
    assert standin.max_in_flight == 1, "never more than one request in flight"
    gaps = [later.arrived - earlier.answered for earlier, later in zip(hits, hits[1:], strict=False)]
    assert min(gaps) >= SPACING, f"a request came {min(gaps):.3f} s after the previous answer, under the {SPACING} s spacing"
