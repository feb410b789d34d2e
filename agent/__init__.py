"""Retest: re-test an inquiring line's dated claims against newer arXiv work.

The library API, for use without the CLI:

    from pathlib import Path
    from agent import RunRequest, Store, load_settings, start_run

    request = RunRequest(mode="replay", cassette=Path("cassettes/demo/bargaining-power.yaml"),
                         settings=load_settings(preset=None))
    outcome = start_run(Path("examples/bargaining-power.txt"), request, Store.open())
    print({c: r.verdict.verdict for c, r in outcome.claim_results.items()})
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from agent._version import VERSION as __version__

# Public name -> defining module. Imported on first use: `import agent` stays cheap,
# and the model SDKs and LangGraph load only for what needs them.
_EXPORTS = {
    "Line": "agent.line.models",
    "load_line": "agent.line.read",
    "render_markdown": "agent.line.markdown",
    "build_graph": "agent.graph.build",
    "RunRequest": "agent.services",
    "load_settings": "agent.config",
    "start_run": "agent.runner",
    "resume_run": "agent.runner",
    "Store": "agent.store",
    "Settings": "agent.config",
    "make_client": "agent.llm.factory",
    "ArxivSource": "agent.sources",
    "cassette": "agent.recording",
}
__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'agent' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
