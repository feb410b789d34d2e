"""The committed cassettes under cassettes/sources/ are what build_cassettes.py writes from tests/data/wire."""

from __future__ import annotations

from tests.sources.apis.build_cassettes import CASSETTES, expected


def test_committed_cassettes_match_the_builder() -> None:
    wanted = expected()
    stale = [str(path.relative_to(CASSETTES)) for path, text in wanted.items() if not path.exists() or path.read_text(encoding="utf-8") != text]
    extra = sorted(str(p.relative_to(CASSETTES)) for p in CASSETTES.rglob("*.yaml") if p not in wanted)
    assert not stale, f"regenerate with .venv/bin/python tests/sources/apis/build_cassettes.py: {stale}"
    assert not extra, f"cassettes no scenario writes: {extra}"
