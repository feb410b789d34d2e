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
        recorded = handle.interaction_count if keep else 0
        yield handle
        # Safe here only: the line ran from its start (CassetteHandle.drop_unasked says why).
        dropped = handle.drop_unasked(recorded) if keep else 0
        if dropped:
            print(f"resume: dropped {dropped} recorded interaction(s) this run no longer asks for", file=sys.stderr)


if __name__ == "__main__":
    runner.cassette = _resumed  # type: ignore[assignment]
    sys.argv[0] = "retest"
    sys.exit(main())
