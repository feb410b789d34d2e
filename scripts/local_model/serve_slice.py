"""Serve the real arXiv slice as arXiv's API on 127.0.0.1, for `make local-model`, until SIGTERM.

    .venv/bin/python scripts/local_model/serve_slice.py WORK_DIR

Builds a local index of `evals/data/arxiv-slice/papers.jsonl.gz` (4,229 real
papers) in WORK_DIR/index, serves it with `agent.index.standin` on a free port
and writes the endpoint (http://127.0.0.1:PORT/api/query) to WORK_DIR/standin.url
once it listens; on SIGTERM or SIGINT it writes the request log to
WORK_DIR/standin-log.json and exits 0. The feeds' `<updated>` is the time of
serving, as arXiv's is: nothing about the answers is pinned or scripted.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path

from agent.index.engine import build
from agent.index.formats import open_records
from agent.index.standin import serve
from agent.line.read import write_text_atomic

REPO = Path(__file__).resolve().parents[2]
SLICE = REPO / "evals" / "data" / "arxiv-slice" / "papers.jsonl.gz"


def main(argv: list[str]) -> int:
    """Build, serve, write the URL, and wait for a signal to stop."""
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    work = Path(argv[0])
    work.mkdir(parents=True, exist_ok=True)
    index_dir = work / "index"
    build(index_dir, open_records(SLICE), sources=[str(SLICE.relative_to(REPO))])
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    server = serve(index_dir)
    try:
        write_text_atomic(work / "standin.url", server.url + "\n")
        stop.wait()
    finally:
        server.shutdown()
        write_text_atomic(work / "standin-log.json", json.dumps(server.log, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
