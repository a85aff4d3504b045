"""A real PostgreSQL server for the store's tests: Debian's ``postgresql`` binaries
(``initdb`` + ``pg_ctl``) on a temporary data folder, listening on 127.0.0.1 only,
stopped when the session ends. PostgreSQL refuses to run as root, so under root (as on
CI) the server runs as the ``postgres`` system user (``runuser``).

Without the binaries the tests that need the server are skipped locally and fail on
CI (``CI=true``), like the browser tests without Chromium.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SUPERUSER = "sk_tracker"


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def require_postgres() -> Path:
    bin_dir = _bin_dir()
    if bin_dir is not None:
        return bin_dir
    message = "PostgreSQL is missing: install Debian's postgresql (apt-get install -y postgresql)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:16]}"
        dsn = f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = require_postgres()
    as_root = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="sk-tracker-pg-"))
    data = folder / "data"
    prefix: list[str] = []
    if as_root:
        shutil.chown(folder, user="postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=120, cwd=folder)

    run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", SUPERUSER, "-E", "UTF8")
    options = f"-h 127.0.0.1 -p {port} -k {folder} -c fsync=off"
    run(
        str(bin_dir / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        options,
        "-l",
        str(folder / "log"),
        "-w",
        "start",
    )
    try:
        yield PostgresServer(port)
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store: a SQLite file, then a fresh database on the test PostgreSQL
    server. Tests taking it run once against each, with the same assertions."""
    if request.param == "sqlite":
        return f"sqlite+pysqlite:///{tmp_path / 'state' / 'sk-tracker.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.new_database()
