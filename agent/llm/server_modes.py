"""How a run asks each OpenAI-compatible server for structured output: what the server refused, kept per base URL.

A server that refuses `json_schema` refuses it whichever role asks, so the run's
clients for one base URL share one `ServerModes` (one rejection costs one request
per run). It lives on the clients of one run, never in a module global: an eval
suite replays many runs in one process, and one case's fallback must not change
the requests of the next. Kept free of any SDK import, so the composition root
can call `share_output_modes` for runs that use no compatible server at no cost.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Literal

OutputMode = Literal["json_schema", "json_object", "text"]
OUTPUT_MODES: tuple[OutputMode, ...] = ("json_schema", "json_object", "text")


class ServerModes:
    """The best output mode one server has not refused."""

    def __init__(self) -> None:
        self.mode: OutputMode = OUTPUT_MODES[0]
        self._lock = threading.Lock()  # parallel claim branches share it

    def fall_back_from(self, mode: OutputMode) -> None:
        """Move past `mode`, which the server just refused."""
        with self._lock:
            # Another branch (or role) may have been refused at the same time and moved on already.
            if self.mode == mode and mode != OUTPUT_MODES[-1]:
                self.mode = OUTPUT_MODES[OUTPUT_MODES.index(mode) + 1]


def share_output_modes(clients: Iterable[object]) -> None:
    """Make the clients among `clients` that keep output modes (`server_modes`) share them per base URL."""
    by_url: dict[str, ServerModes] = {}
    for client in clients:
        modes = getattr(client, "server_modes", None)
        if isinstance(modes, ServerModes):
            client.server_modes = by_url.setdefault(str(getattr(client, "base_url", "")), modes)  # type: ignore[attr-defined]
