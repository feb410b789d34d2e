"""Fixtures for the Semantic Scholar, OpenAlex and Crossref clients: their cassette directory."""

from __future__ import annotations

from pathlib import Path

import pytest

CASSETTES = Path(__file__).resolve().parents[3] / "cassettes" / "sources"


@pytest.fixture
def vcr_cassette_dir() -> str:
    """pytest-recording: `@pytest.mark.default_cassette("semanticscholar/x.yaml")` names a file here."""
    return str(CASSETTES)
