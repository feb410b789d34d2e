"""CONTRIBUTING.md's layer rule, checked over the real import graph of agent/.

Each room has a layer; a module may import its own room and rooms of lower
layers, never a higher or a sibling one. Imports inside functions count (a lazy
import is still a dependency); imports under `if TYPE_CHECKING:` do not.
"""

from __future__ import annotations

import ast
from pathlib import Path

AGENT = Path(__file__).resolve().parents[1] / "agent"

# Keep in step with the table in CONTRIBUTING.md.
LAYERS: dict[str, int] = {
    "errors": 0, "callsite": 0, "events": 0, "redact": 0, "_lazy": 0, "_version": 0,
    "line": 1, "store": 1, "prompts": 1,
    "proposals": 2, "llm": 2, "sources": 2,
    "config": 3,
    "index": 3,
    "graph": 4, "recording": 4,
    "runs": 5, "services": 5, "estimate": 5,
    "runner": 6,
    "report": 7, "library": 7, "evaluate": 7, "review": 7, "incremental": 7, "batches": 7,
    "server": 8, "web": 8, "prune": 8,  # prune keeps each run's report (report, 7) before removing its checkpoints
    "cli": 9,  # `retest serve` starts the web front end
}  # fmt: skip
ROOT_MODULES = {"agent", "agent.__init__"}  # the package's lazy re-exports may name anything


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "agent"


def _module_name(path: Path, root: Path = AGENT) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    return ".".join(rel.parts).removesuffix(".__init__")


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("agent")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("agent") and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _violations(root: Path = AGENT) -> list[str]:
    problems = []
    for path in sorted(root.rglob("*.py")):
        module = _module_name(path, root)
        if module in ROOT_MODULES:
            continue
        room = _room(module)
        for lineno, target in _imports(path):
            other = _room(target)
            if other in ("agent", room):
                continue
            if LAYERS[other] >= LAYERS[room]:
                problems.append(f"{path.relative_to(root.parent)}:{lineno}: {room} (layer {LAYERS[room]}) imports {target} (layer {LAYERS[other]})")
    return problems


def test_every_room_has_a_layer() -> None:
    rooms = {_room(_module_name(p)) for p in AGENT.rglob("*.py")} - {"agent"}
    assert rooms <= set(LAYERS), f"rooms without a layer: {sorted(rooms - set(LAYERS))}"


def test_no_room_imports_a_sibling_or_a_higher_layer() -> None:
    assert _violations() == []


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    # The checker itself must be able to fail: a lazy import of the runner from a graph node is caught,
    # one under TYPE_CHECKING is not.
    (tmp_path / "agent" / "graph").mkdir(parents=True)
    (tmp_path / "agent" / "graph" / "node.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from agent.cli import app\ndef f():\n    from agent.runner import start_run\n",
        encoding="utf-8",
    )
    assert _violations(tmp_path / "agent") == ["agent/graph/node.py:5: graph (layer 4) imports agent.runner (layer 6)"]
