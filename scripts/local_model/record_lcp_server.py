"""Record the compatible client's exchanges with llama-cpp-python's own server (`llama_cpp.server`), offline.

    .venv/bin/python scripts/local_model/record_lcp_server.py LCP_PYTHON GGUF OUT.yaml

LCP_PYTHON is a Python with `llama-cpp-python[server]` installed (PyPI; it compiles
llama.cpp, ~10 minutes on 2 cores); GGUF the model file `make local-model` caches.
The server starts on a free 127.0.0.1 port (one thread, a 2,048-token context, seed 1),
and the real `CompatClient` and OpenAI SDK, inside a vcrpy cassette in record mode
(`agent.recording`), send it three tasks with no SDK retries:

1. a screening: asked with strict `json_schema`, which this server answers with HTTP
   500 (its request type admits only `text` and `json_object`), then with
   `json_object` and the schema in the prompt;
2. a second screening, which must go straight to `json_object`;
3. a prompt longer than the context, which the server refuses with a 400
   `context_length_exceeded`.

The server is stopped by its process ID whatever happens. Unlike `retest run --record`,
this recording keeps the server's 5xx answers (see `_keep_every_answer`): the 500 is the
point. Nothing in OUT.yaml is written by hand; committed as cassettes/llm/lcp-server.yaml,
tests/llm/test_llm_lcp_server.py replays it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import vcr

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from agent.config import Settings  # noqa: E402
from agent.llm import make_client  # noqa: E402
from agent.llm.base import AnswerError  # noqa: E402
from agent.recording import (  # noqa: E402
    configure_vcr,
    scrub,  # noqa: E402
    vcr_options,
)
from tests.llm.scenarios import KORINEK, Screening  # noqa: E402

INSTRUCTIONS = "You screen one paper for the claim 'Wages converge to compute cost'. Give its stance, a quote from its abstract and a confidence."
DUMMY_KEY = "retest-local-model-dummy-key-0000"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, server: subprocess.Popen[bytes], seconds: int = 180) -> None:
    for _ in range(seconds):
        if server.poll() is not None:
            raise SystemExit(f"llama_cpp.server exited with {server.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(1)
    raise SystemExit(f"llama_cpp.server did not answer {url}")


def _keep_every_answer(response: dict[str, Any]) -> dict[str, Any] | None:
    """Scrub headers as every recording does, but keep the 500: Retest's recorder drops 5xx as
    transient, and here the 500 is this server's deterministic refusal of `json_schema`, the
    very answer this recording exists for (marking it as loaded is what lets the scrubber keep it,
    as it keeps a cassette's own error answers in replay)."""
    return scrub.scrub_response(scrub.mark_loaded(None, response)[1])  # type: ignore[arg-type]


def _recording(out: Path) -> Any:
    options = vcr_options() | {"before_record_response": _keep_every_answer, "record_mode": "all", "record_on_exception": False}
    return configure_vcr(vcr.VCR()).use_cassette(os.fspath(out), **options)


def record(lcp_python: str, gguf: Path, out: Path) -> None:
    port = _free_port()
    log = out.with_suffix(".server.log")
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [lcp_python, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", "smollm2", "--host", "127.0.0.1", "--port", str(port)]
            + ["--n_ctx", "2048", "--n_threads", "1", "--n_threads_batch", "1", "--seed", "1"],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait(f"http://127.0.0.1:{port}/v1/models", server)
        os.environ["RETEST_COMPAT_API_KEY"] = DUMMY_KEY
        out.unlink(missing_ok=True)
        with _recording(out):
            client = make_client(f"openai-compatible:http://127.0.0.1:{port}/v1#smollm2", settings=Settings(), max_retries=0)
            for task, data in (("screen C1", KORINEK), ("screen C2", KORINEK), ("screen C3", KORINEK * 60)):
                try:
                    client.complete(task=task, instructions=INSTRUCTIONS, data=data, schema=Screening, max_tokens=384)
                    print(f"{task}: answered")
                except AnswerError as exc:
                    print(f"{task}: {type(exc).__name__}: {exc.message[:200]}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(out)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    record(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
