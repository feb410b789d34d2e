"""An arXiv stand-in on 127.0.0.1 that answers with real wire bodies and records how it was asked.

Each request is logged with when it arrived and when its answer was complete
(the stand-in's own clock), its User-Agent and query; `max_in_flight` is the
most requests it was ever serving at once. Answers are scripted: `script`
entries (status, headers, body) are served first, in order, then `body` with 200.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

WIRE = Path(__file__).resolve().parents[1] / "data" / "arxiv-wire"


def wire(name: str) -> dict:
    """A real arXiv response from tests/data/arxiv-wire: url, status_code, body."""
    return json.loads((WIRE / name).read_text(encoding="utf-8"))


FOUND = wire("id_2104.12255v1_s0_m100_6ae69987ffe1.json")["body"]
BAD_ID = wire("id_abc_s0_m100_b79c8dcf6bc3.json")["body"]
# arXiv's answer to a query it cannot parse, in the layout of its real 400 (see tests/data/README.md).
BAD_QUERY = BAD_ID.replace("incorrect_id_format_for_abc", "invalid_query_string").replace("incorrect id format for abc", "Invalid query string")


@dataclass
class Hit:
    path: str
    user_agent: str
    arrived: float
    answered: float = 0.0


@dataclass
class Standin:
    body: str = FOUND
    latency: float = 0.0
    script: list[tuple[int, dict[str, str], str]] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    max_in_flight: int = 0
    url: str = ""
    _in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        hit = Hit(handler.path, handler.headers.get("User-Agent", ""), time.monotonic())
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            self.hits.append(hit)
            status, headers, body = self.script.pop(0) if self.script else (200, {}, self.body)
        time.sleep(self.latency)  # the stand-in's response time, not a wait in the test
        data = body.encode("utf-8")
        handler.send_response(status)
        handler.send_header("Content-Type", "application/atom+xml; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        # Stamped before the last bytes leave: no client can have the whole answer any earlier.
        hit.answered = time.monotonic()
        handler.wfile.write(data)
        handler.wfile.flush()
        with self._lock:
            self._in_flight -= 1


@contextmanager
def loopback(answer: Callable[[BaseHTTPRequestHandler], None]) -> Iterator[int]:
    """An HTTP server on a free port of 127.0.0.1 for the block, `answer` serving every GET; yields the port."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            answer(self)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's signature
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def serving(standin: Standin | None = None) -> Iterator[Standin]:
    """Serve `standin` on a free port of 127.0.0.1 for the block; its `url` is the API endpoint."""
    standin = standin or Standin()
    with loopback(standin.answer) as port:
        standin.url = f"http://127.0.0.1:{port}/api/query"
        yield standin


def send_lookups(api_url: str, lock_file: str, spacing: float, count: int, barrier) -> None:
    """One process of the machine-wide limiter test: `count` lookups through a limiter on `lock_file`, started together."""
    from agent.sources import ArxivSource, RateLimiter

    source = ArxivSource(None, limiter=RateLimiter(spacing, lock_file=Path(lock_file)), api_url=api_url, retry_wait=0.0)
    barrier.wait(timeout=60)
    for _ in range(count):
        source.lookup(["2104.12255v1"])
