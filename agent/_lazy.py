"""Package re-exports that import their module on first use (PEP 562).

`import agent.llm` or `import agent.evaluate` must not pull in the model SDKs,
LangGraph or vcrpy: `retest --version` and `retest runs` start in a fraction
of a second only if each package's __init__ stays this cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def lazy_exports(package: str, exports: dict[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` resolving each public name in `exports` (name -> defining module)."""

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(exports[name]), name)

    return __getattr__
