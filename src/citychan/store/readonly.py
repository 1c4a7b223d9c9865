"""Opening a store that cannot be written (`citychan log` and `retry --list` on a read-only
file or folder, or on a full disk): SQLite's ``mode=ro``, never created, migrated or written.
A store in WAL mode in a folder that cannot be written has no shared-memory file SQLite could
make; it is opened ``immutable`` when it has no write-ahead log to read, and refused in one
line when it has one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from citychan.errors import StoreError
from citychan.i18n import N_


def connect_read_only(path: Path, schema: int) -> sqlite3.Connection:
    """The store at ``path`` for reading only; ``schema``: the newest version we know."""
    if not path.is_file():
        raise StoreError(N_("{path}: cannot open the store (no such file)").format(path=path))
    uri = path.resolve().as_uri() + "?mode=ro"
    try:
        return _open_uri(uri, schema)
    except sqlite3.Error as first:
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise StoreError(
                N_("{path}: cannot read the store in a read-only folder while its "
                   "write-ahead log {name} holds changes ({first})").format(
                    path=path, name=wal.name, first=first),
                hint=N_("let citychan open it once where the folder can be written, or copy the "
                        "store with its -wal file to a writable folder"),
            ) from None
        try:
            return _open_uri(uri + "&immutable=1", schema)
        except sqlite3.Error as exc:
            raise StoreError(N_("{path}: cannot open the store ({exc})").format(path=path, exc=exc),
                             hint=N_("check [store] path in the config and its permissions"),
                             ) from None


def _open_uri(uri: str, schema: int) -> sqlite3.Connection:
    db = sqlite3.connect(uri, uri=True, timeout=30.0, check_same_thread=False,
                         isolation_level=None)
    try:
        db.row_factory = sqlite3.Row
        version = db.execute("PRAGMA user_version").fetchone()[0]  # reads the file now
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if version > schema:
            raise sqlite3.DatabaseError(
                f"store schema {version} is newer than this citychan ({schema})")
    except BaseException:
        db.close()
        raise
    return db
