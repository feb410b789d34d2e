"""Stand-in arXiv and OpenAI servers on 127.0.0.1, with set latencies, for the benchmark.

Run as a child process of evals/bench.py:

    python -m evals.benchmark.serve --arxiv-latency 0.08 --model-latency 0.2 [--corpus | --index DIR]

It prints one JSON line with the two base URLs, then serves until its stdin
closes (the benchmark ended or died) or --max-seconds pass, whichever comes
first. Nothing here limits request rates: spacing arXiv requests is Retest's
job, and the log (`GET /_log` on the arXiv server) shows whether it did:
each request's start, end and how many were in flight when it arrived.

- arXiv: `GET /api/query?...` answered by agent.index.standin from a local index of
  real metadata (bench_index: the slice, or with --corpus the whole corpus, plus the
  demo catalogue; or the prebuilt index --index names), in arXiv's Atom.
- OpenAI Chat Completions: `POST /v1/chat/completions` answered by
  answers.answer in OpenAI's response shape (evals/authoring/llm_wire.py);
  `GET /_stats` counts calls and tokens.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from agent.index.standin import StandIn, serve
from evals.authoring import llm_wire
from evals.benchmark import answers
from evals.benchmark.bench_index import build_bench_index, default_index

HOST = "127.0.0.1"


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections open, as the real services do; every reply sets Content-Length.
    protocol_version = "HTTP/1.1"
    server: _StandIn

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        """Quiet: the benchmark prints its own tables."""

    def reply(self, status: int, body: str, content_type: str) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _StandIn(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler: type[_Handler], latency: float) -> None:
        super().__init__((HOST, 0), handler)
        self.latency = latency
        self.lock = threading.Lock()
        self.in_flight = 0
        self.log: list[dict[str, Any]] = []

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}"

    def begin(self) -> tuple[float, int]:
        with self.lock:
            self.in_flight += 1
            return time.time(), self.in_flight

    def end(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.in_flight -= 1
            self.log.append(entry)


class ModelHandler(_Handler):
    def do_GET(self) -> None:  # noqa: N802
        if urlsplit(self.path).path != "/_stats":
            self.reply(404, "not found\n", "text/plain; charset=utf-8")
            return
        with self.server.lock:
            log = list(self.server.log)
        stats = {"calls": len(log), "input_tokens": sum(e["input_tokens"] for e in log), "output_tokens": sum(e["output_tokens"] for e in log)}
        self.reply(200, json.dumps(stats), "application/json")

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        if urlsplit(self.path).path != "/v1/chat/completions":
            self.reply(404, json.dumps({"error": {"message": "not found", "type": "invalid_request_error"}}), "application/json")
            return
        started, concurrent = self.server.begin()
        body = json.loads(raw)
        text = llm_wire.json_text(answers.answer(body))
        prompt_tokens = max(1, sum(len(str(m.get("content", ""))) for m in body.get("messages", [])) // 4)
        completion_tokens = max(1, len(text) // 4)
        payload = llm_wire.openai_completion(
            text, model=body.get("model", ""), prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
            suffix=f"{len(self.server.log):05d}",
        )  # fmt: skip
        time.sleep(max(0.0, started + self.server.latency - time.time()))
        self.reply(200, json.dumps(payload), "application/json")
        self.server.end({"start": started, "end": time.time(), "concurrent": concurrent, "input_tokens": prompt_tokens, "output_tokens": completion_tokens})


def start(arxiv_latency: float, model_latency: float, index: Path | None = None) -> tuple[StandIn, _StandIn]:
    """Both servers, serving in daemon threads; arXiv's answers come from `index` (default: the slice's benchmark index)."""
    arxiv = serve(index or default_index(), HOST, 0, latency_s=arxiv_latency)
    model = _StandIn(ModelHandler, model_latency)
    threading.Thread(target=model.serve_forever, daemon=True).start()
    return arxiv, model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arxiv-latency", type=float, required=True, help="Seconds per arXiv response.")
    parser.add_argument("--model-latency", type=float, required=True, help="Seconds per model call.")
    parser.add_argument("--max-seconds", type=float, default=900.0, help="Stop after this long whatever happens.")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--corpus", action="store_true", help="Index the whole corpus (/work/shared/data/arxiv-corpus) instead of the slice.")
    where.add_argument("--index", type=Path, help="Serve this prebuilt index (bench_index.build_bench_index).")
    args = parser.parse_args(argv)
    index = args.index
    if index is None and args.corpus:
        index = Path(tempfile.mkdtemp(prefix="retest-bench-corpus-")) / "arxiv"
        build_bench_index(index, corpus=True)
    arxiv, model = start(args.arxiv_latency, args.model_latency, index)
    print(
        json.dumps(
            {
                "arxiv_api_url": f"{arxiv.base}/api/query",
                "arxiv_log": f"{arxiv.base}/_log",
                "model_base_url": f"{model.base}/v1",
                "model_stats": f"{model.base}/_stats",
            }
        ),
        flush=True,
    )
    # Self-stopping: an EOF on stdin means the benchmark is gone; the timer bounds a stuck one.
    reader = threading.Thread(target=sys.stdin.read, daemon=True)
    reader.start()
    reader.join(args.max_seconds)
    arxiv.shutdown()
    model.shutdown()
    if args.corpus and args.index is None and index is not None:
        shutil.rmtree(index.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
