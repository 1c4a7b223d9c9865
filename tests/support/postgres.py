"""A real PostgreSQL server for the store's tests, started once per session from Debian's
server binaries (/usr/lib/postgresql/*/bin: initdb, pg_ctl) in a temporary folder, listening
on 127.0.0.1 at a free port (its unix socket in that folder too). As root (CI) they run as
the ``postgres`` system user (``runuser -u postgres --``), so the folder is handed to it.

Every test gets a database of its own (``fresh_url``) owned by the role ``citychan``, whose
password is ``PASSWORD``: citychan reads it from ``CITYCHAN_DB_PASSWORD`` as a city's config
says, and the server asks for it (scram-sha-256 on 127.0.0.1). Without the binaries or
psycopg the tests that need the server are skipped, saying why."""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.integration import require_marker

PASSWORD = "pg-test-Secret-7f3a"  # the citychan role's (a test value, nowhere else)
PASSWORD_ENV = "CITYCHAN_DB_PASSWORD"
_ADMIN_PASSWORD = "pg-admin-9c1e"


def binaries() -> Path | None:
    """The newest PostgreSQL server's bin folder, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                   key=lambda p: int(Path(p).parent.parent.name)
                   if Path(p).parent.parent.name.isdigit() else 0)
    return Path(found[-1]).parent if found else None


def why_not() -> str | None:
    """Why no server can be started here (None: it can)."""
    if binaries() is None:
        return "no PostgreSQL server binaries (apt-get install postgresql)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'citychan[postgres]')"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' system user"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    folder: Path
    port: int
    bin: Path
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def url(self, database: str, user: str = "citychan") -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def fresh_url(self) -> str:
        """A new, empty database owned by ``citychan``, as a store URL (no password)."""
        name = f"city{next(self._numbers)}"
        self.admin(f"CREATE DATABASE {name} OWNER citychan")
        return self.url(name)

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres", "postgres"), password=_ADMIN_PASSWORD,
                             autocommit=True) as db:
            db.execute(sql)  # type: ignore[arg-type]

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)

    def start(self) -> None:
        data = self.folder / "data"
        pwfile = self.folder / "pw"
        pwfile.write_text(_ADMIN_PASSWORD + "\n", encoding="utf-8")
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
            shutil.chown(pwfile, "postgres")
        self._run("initdb", "-D", str(data), "-U", "postgres", "--pwfile", str(pwfile),
                  "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "-E", "UTF8",
                  "--locale=C.UTF-8")
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} "
                   f"-c unix_socket_directories={self.folder} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(data), "-o", options, "-l",
                  str(self.folder / "server.log"), "-w", "-t", "60", "start")
        self.admin(f"CREATE ROLE citychan LOGIN PASSWORD '{PASSWORD}'")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w",
                      "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def start_postgres() -> PostgresServer:
    """A running server in a new temporary folder (``stop`` ends it and removes the folder)."""
    require_marker("PostgreSQL")
    bin_ = binaries()
    assert bin_ is not None
    folder = Path(tempfile.mkdtemp(prefix="citychan-pg-"))
    os.chmod(folder, 0o700)
    server = PostgresServer(folder, _free_port(), bin_)
    try:
        server.start()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return server
