"""The SQLite backend, the embedded default: one file, WAL mode, every write transaction
``BEGIN IMMEDIATE`` (one writer at a time, the others wait up to ``BUSY_TIMEOUT``), the
schema version in ``user_version``, and a lock file per run in ``<store>.runs/`` that tells a
live run from a crashed one."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from citychan.fsutil import ProcessLock, held_elsewhere
from citychan.store.backend import Conflict, Cursor, Dialect
from citychan.store.readonly import connect_read_only

BUSY_TIMEOUT = 30.0  # seconds a run waits for another run's write to finish


def runs_folder(path: Path) -> Path:
    """Where each run that claims deliveries keeps its lock file."""
    return path.with_name(path.name + ".runs")


class SqliteBackend:
    dialect = Dialect.SQLITE
    errors: tuple[type[BaseException], ...] = (sqlite3.Error,)

    def __init__(self, path: Path, *, read_only: bool, schema: int) -> None:
        self.path = path
        self._owner: ProcessLock | None = None
        self.db = connect_read_only(path, schema) if read_only else _connect(path)

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> Cursor:
        try:
            return self.db.execute(sql, params)
        except sqlite3.IntegrityError as exc:
            raise Conflict(str(exc)) from None

    def begin(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.db.execute("COMMIT")

    def rollback(self) -> None:
        try:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # the connection is gone; SQLite rolls back what was not committed

    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def set_schema_version(self, version: int) -> None:
        self.db.execute(f"PRAGMA user_version = {int(version)}")

    def hold_run(self, token: str) -> None:
        try:
            self._owner = ProcessLock(runs_folder(self.path) / f"{token}.lock")
        except OSError as exc:
            raise OSError(f"{runs_folder(self.path)}: cannot write the store's run lock "
                          f"({exc.strerror or exc})") from None

    def run_alive(self, token: str) -> bool:
        return held_elsewhere(runs_folder(self.path) / f"{token}.lock")

    def tables(self) -> list[str]:
        rows = self.db.execute("SELECT name FROM sqlite_master WHERE type='table' "
                               "AND name NOT LIKE 'sqlite_%' ORDER BY name").fetchall()
        return [str(r[0]) for r in rows]

    def after_import(self, table: str) -> None:
        pass  # AUTOINCREMENT follows the largest id inserted by itself

    def close(self) -> None:
        self.db.close()
        if self._owner is not None:
            self._owner.release()
            self._owner = None


def _connect(path: Path) -> sqlite3.Connection:
    db: sqlite3.Connection | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=BUSY_TIMEOUT, check_same_thread=False,
                             isolation_level=None)
        db.row_factory = sqlite3.Row
        _wal(db)
        db.execute("PRAGMA foreign_keys=ON")
    except (sqlite3.Error, OSError) as exc:
        if db is not None:
            db.close()
        raise OSError(getattr(exc, "strerror", None) or str(exc)) from None
    return db


def _wal(db: sqlite3.Connection) -> None:
    """WAL mode (readers never wait for a writer). Switching a new file to it needs the file
    to itself: another run opening it the same moment makes it wait its turn."""
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def writable(path: Path) -> bool:
    """Whether the file and its folder can be written (else it is read as it is)."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
