"""Fixtures of the line room: the example export and variants of it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bargaining-power.txt"


@pytest.fixture(scope="session")
def example_text() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


@pytest.fixture
def variant(example_text: str, tmp_path: Path) -> Callable[..., Path]:
    """Write the example with `old` replaced by `new` (once; `old` must occur) to a file."""

    def make(old: str, new: str, *, name: str = "line.txt") -> Path:
        assert old in example_text, f"the example no longer contains {old!r}"
        path = tmp_path / name
        path.write_bytes(example_text.replace(old, new, 1).encode("utf-8"))
        return path

    return make


def lineno_of(text: str, start: str) -> int:
    """1-based number of the first line of `text` that starts with `start`."""
    return next(i + 1 for i, line in enumerate(text.split("\n")) if line.startswith(start))
