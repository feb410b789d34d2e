"""`retest run ... --record CASSETTE`, continuing the recording kept in CASSETTE's incomplete path.

    .venv/bin/python scripts/local_model/resume_run.py run LINE --record CASSETTE --run-date DATE

The same command line as `retest run`; the only difference is that the runner's
cassette is opened with `resume=True` (agent.recording.cassette), so every
request the incomplete recording already holds is answered from it and only
the requests it lacks reach the server. resume.sh uses it to add a new model
task's calls to the real-local cassettes without paying for the recorded ones
again (cassettes/README.md).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import agent.runner as runner
from agent.cli import main
from agent.recording import incomplete_path

_opened = runner.cassette


@contextmanager
def _resumed(mode: Any, path: Any, *, resume: bool = False, **kwargs: Any) -> Iterator[Any]:
    keep = mode == "record" and path is not None and incomplete_path(path).is_file()
    with _opened(mode, path, resume=resume or keep, **kwargs) as handle:
        recorded = len(handle._cassette.data) if keep else 0
        yield handle
        if keep:
            _drop_unasked(handle._cassette, recorded)


def _drop_unasked(vcr_cassette: Any, recorded: int) -> None:
    """Drop the kept interactions this run never asked for: a changed prompt's old calls would fail the exact replay.

    Safe here only: the line ran from its start, so every request it still makes was asked in this run
    (`retest resume` continues from a checkpoint, and must keep what it does not ask again).
    """
    asked = [i for i in range(len(vcr_cassette.data)) if i >= recorded or vcr_cassette.play_counts[i]]
    dropped = len(vcr_cassette.data) - len(asked)
    if dropped:
        vcr_cassette.data[:] = [vcr_cassette.data[i] for i in asked]
        vcr_cassette.dirty = True
        print(f"resume: dropped {dropped} recorded interaction(s) this run no longer asks for", file=sys.stderr)


if __name__ == "__main__":
    runner.cassette = _resumed  # type: ignore[assignment]
    sys.argv[0] = "retest"
    sys.exit(main())
