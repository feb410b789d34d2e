"""A real `langgraph dev` (langgraph-cli, in-memory runtime) serving langgraph.json, on a free local port.

Started once for the room, in its own process group and temporary directory,
with no telemetry, no tracing and no keys; stopped by its process group.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from agent.recording.scrub import is_secret_env_name

REPO = Path(__file__).resolve().parents[2]
STARTED = "Application started up"
START_TIMEOUT_S = 60.0


@dataclass
class Served:
    url: str
    home: Path
    log: list[str] = field(default_factory=list)

    def output(self) -> str:
        """The server's log so far, for a failure message."""
        return "".join(self.log[-60:])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _config(directory: Path) -> Path:
    """The repo's langgraph.json, with its paths made absolute so the server can run in `directory`."""
    config = json.loads((REPO / "langgraph.json").read_text(encoding="utf-8"))
    config["dependencies"] = [str((REPO / d).resolve()) for d in config["dependencies"]]
    config["graphs"] = {name: str(REPO / spec.removeprefix("./")) for name, spec in config["graphs"].items()}
    path = directory / "langgraph.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def _environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RETEST_", "LANGSMITH_", "LANGCHAIN_")) and not is_secret_env_name(k)}
    env.update(
        RETEST_HOME=str(home / ".retest"),
        XDG_CACHE_HOME=str(home / ".cache"),
        # Offline and quiet: no CLI analytics, no LangSmith tracing (the metadata loop needs a license key, and none is set).
        LANGGRAPH_CLI_NO_ANALYTICS="1",
        LANGSMITH_TRACING="false",
        LANGCHAIN_TRACING_V2="false",
        NO_COLOR="1",
    )
    return env


def _drain(stream, served: Served, started: threading.Event) -> None:
    # The server logs a lot (vcrpy's replays too): read it all, so its pipe never fills and blocks it.
    for line in stream:
        served.log.append(line)
        if STARTED in line:
            started.set()
    started.set()  # the server exited: stop waiting


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`langgraph dev` on 127.0.0.1, serving this checkout's langgraph.json."""
    pytest.importorskip("langgraph_cli", reason="langgraph-cli[inmem] is in the test extra: pip install -e '.[test]'")
    pytest.importorskip("langgraph_runtime_inmem", reason="langgraph-cli[inmem] is in the test extra: pip install -e '.[test]'")
    directory = tmp_path_factory.mktemp("served")
    port = _free_port()
    command = [str(Path(sys.executable).with_name("langgraph")), "dev", "--no-browser", "--no-reload", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--config", str(_config(directory))]
    proc = subprocess.Popen(
        command, cwd=directory, env=_environment(directory), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    served = Served(url=f"http://127.0.0.1:{port}", home=directory)
    started = threading.Event()
    threading.Thread(target=_drain, args=(proc.stdout, served, started), daemon=True).start()
    try:
        started.wait(START_TIMEOUT_S)
        if proc.poll() is not None or not any(STARTED in line for line in served.log):
            pytest.fail(f"langgraph dev did not start:\n{served.output()}", pytrace=False)
        yield served
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
