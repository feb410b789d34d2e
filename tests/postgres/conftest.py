"""A PostgreSQL server for the session (tests/postgres/server.py) and a fresh database for each test."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres.server import binaries, postgres_server

pytestmark = pytest.mark.skipif(binaries() is None, reason="PostgreSQL is not installed (apt-get install -y postgresql; .ci/run does it)")

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    if binaries() is None:
        pytest.skip("PostgreSQL is not installed (apt-get install -y postgresql; .ci/run does it)")
    # Not under pytest's tmp_path: its root is private to root, and the server runs as the postgres user.
    directory = Path(tempfile.mkdtemp(prefix="retest-postgres-"))
    try:
        with postgres_server(directory) as url:
            yield url
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def database_url(postgres_server_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new, empty database on the session's server, named in $RETEST_DATABASE_URL for the test."""
    import psycopg

    name = f"retest_test_{next(_numbers)}"
    with psycopg.connect(postgres_server_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    url = postgres_server_url.rsplit("/", 1)[0] + f"/{name}"
    monkeypatch.setenv("RETEST_DATABASE_URL", url)
    return url
