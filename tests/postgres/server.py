"""A real PostgreSQL server for the tests: Debian's binaries, a temporary data directory, a free local port.

initdb and pg_ctl come with Debian's postgresql package under
/usr/lib/postgresql/<version>/bin, not on PATH. The server refuses to run as
root, so as root it runs as the `postgres` user the package creates. It listens
on 127.0.0.1 only, trusts local connections (a throwaway cluster) and skips
fsync: nothing here has to survive a power cut.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def binaries() -> Path | None:
    """The directory holding initdb and pg_ctl (the newest Debian version, else PATH's); None when PostgreSQL is not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@contextmanager
def postgres_server(directory: Path) -> Iterator[str]:
    """Start a fresh cluster in `directory`; yield the URL of its `postgres` database as user `retest`; stop it after."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (apt-get install -y postgresql; .ci/run does it)")
    directory.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    data, port = directory / "data", _free_port()

    def run(*argv: object) -> None:
        done = subprocess.run(_as_server_user([str(a) for a in argv]), capture_output=True, text=True, check=False)
        if done.returncode:
            raise RuntimeError(f"{Path(str(argv[0])).name} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")

    run(bin_dir / "initdb", "-D", data, "-A", "trust", "-U", "retest", "-E", "UTF8", "--no-sync")
    options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60"
    run(bin_dir / "pg_ctl", "-D", data, "-l", directory / "server.log", "-w", "-o", options, "start")
    try:
        yield f"postgresql://retest@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]), capture_output=True, check=False)
