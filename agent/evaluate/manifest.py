"""The manifest of an eval: everything that produced its numbers, so two reports can be told apart."""

from __future__ import annotations

import datetime as dt
import hashlib
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from agent import __version__
from agent.evaluate.results import Manifest, SuiteRef
from agent.evaluate.suite import LoadedSuite
from agent.llm.prices import load_prices
from agent.prompts import all_prompts
from agent.runs import git_revision

# The packages whose behaviour reaches a run's requests or their parsing.
PACKAGES = ("langgraph", "langgraph-checkpoint-sqlite", "openai", "anthropic", "httpx2", "arxiv", "pydantic", "vcrpy")


def sha256_of(path: Path) -> str:
    """sha256 of a file's bytes, or 'missing' when it does not exist (a record run not yet written)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return "missing"


def package_versions() -> dict[str, str]:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def _git() -> tuple[str | None, bool | None]:
    rev = git_revision()
    if rev is None:
        return None, None
    return rev.removesuffix("+dirty"), rev.endswith("+dirty")


def relative(path: Path, root: Path) -> str:
    """`path` relative to `root` when inside it, so reports from two clones compare equal."""
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def build_manifest(
    loaded: LoadedSuite,
    *,
    mode: str,
    models: dict[str, dict[str, str]],
    cassettes: dict[str, Path],
    lines: dict[str, Path],
    now: dt.datetime | None = None,
) -> Manifest:
    """The manifest for a suite run; cassettes are hashed as they are now (after recording, in --live)."""
    rev, dirty = _git()
    return Manifest(
        created_at=now or dt.datetime.now(dt.UTC),
        mode=mode,
        retest_version=__version__,
        git_revision=rev,
        git_dirty=dirty,
        python=platform.python_version(),
        packages=package_versions(),
        prices_as_of=load_prices().as_of,
        suite=SuiteRef(path=relative(loaded.path, loaded.root), name=loaded.suite.name, version=loaded.suite.version, sha256=sha256_of(loaded.path)),
        models=models,
        prompts={name: prompt.sha256 for name, prompt in all_prompts().items()},
        cassettes={case: sha256_of(path) for case, path in cassettes.items()},
        lines={case: sha256_of(path) for case, path in lines.items()},
    )
