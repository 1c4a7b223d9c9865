"""The SQLite file behind the outbox, the audit log and the incidents: one connection, its
migrations, and transactions. Never credentials, never subscriber data.

Migrations are a list, only ever appended to; the schema version is SQLite's
``user_version``. Every ``sqlite3.Error`` leaves this package as a ``StoreError``.

    with Store.open(path) as store:
        with store.transaction() as tx:
            tx.execute("UPDATE ...", (...))
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from citychan.errors import StoreError


def _cap_out_of_deliveries(db: sqlite3.Connection) -> None:
    """Migration 3: a warning's CAP document was copied into the post JSON of every delivery
    (``extra.cap_xml``). It moves to the CAP message it belongs to (``alerts.cap``, matched
    by identifier, else by message hash); the post keeps the file name as ``cap_file``.
    A document no CAP message can be found for stays where it is: nothing recorded is lost."""
    db.execute("ALTER TABLE alerts ADD COLUMN cap TEXT")
    rows = db.execute("SELECT id, message_hash, post FROM deliveries WHERE post IS NOT NULL")
    for did, message_hash, text in rows.fetchall():
        try:
            post = json.loads(text)
        except ValueError:
            continue  # not ours to judge: left exactly as it was
        if not isinstance(post, dict) or not isinstance(post.get("extra"), dict):
            continue
        extra = dict(post.pop("extra"))
        cap = extra.pop("cap_xml", None)
        identifier = extra.pop("cap_identifier", None)
        name = extra.pop("cap_name", None)
        if cap is not None and not _keep_cap(db, cap, identifier, message_hash):
            extra["cap_xml"] = cap  # no CAP message to keep it with
            if identifier is not None:
                extra["cap_identifier"] = identifier
        if name is not None:
            post["cap_file"] = name
        if extra:
            post["extra"] = extra
        db.execute("UPDATE deliveries SET post=? WHERE id=?",
                   (json.dumps(post, ensure_ascii=False), did))


def _keep_cap(db: sqlite3.Connection, cap: str, identifier: str | None, message_hash: str) -> bool:
    """Store ``cap`` with its CAP message; False if there is none to keep it with."""
    where, key = (("identifier=?", identifier) if identifier is not None
                  else ("message_hash=?", message_hash))
    found = db.execute(f"SELECT identifier, cap FROM alerts WHERE {where}", (key,)).fetchall()
    if len(found) != 1:
        return False
    ident, kept = found[0]
    if kept is None:
        db.execute("UPDATE alerts SET cap=? WHERE identifier=?", (cap, ident))
        return True
    return bool(kept == cap)  # the same document from another channel's row


Migration = str | Callable[[sqlite3.Connection], None]

MIGRATIONS: list[Migration] = [
    # 1: messages and their deliveries
    """
    CREATE TABLE messages (
        hash TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        title TEXT NOT NULL,
        langs TEXT NOT NULL,
        source TEXT,
        created TEXT NOT NULL
    );
    CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        message_hash TEXT NOT NULL REFERENCES messages(hash),
        channel TEXT NOT NULL,
        channel_type TEXT NOT NULL,
        status TEXT NOT NULL,
        idempotency_key TEXT,
        remote_id TEXT,
        url TEXT,
        error TEXT,
        rendered TEXT,
        post TEXT,
        forced INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        created TEXT NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE INDEX deliveries_message ON deliveries(message_hash, channel);
    CREATE INDEX deliveries_created ON deliveries(created);
    """,
    # 2: danger-warning incidents and their CAP messages (alert, updates, all-clear)
    """
    CREATE TABLE incidents (
        id TEXT PRIMARY KEY,
        event TEXT NOT NULL,
        level TEXT NOT NULL,
        status TEXT NOT NULL,
        channels TEXT NOT NULL,
        headline TEXT NOT NULL,
        opened TEXT NOT NULL,
        expires TEXT NOT NULL,
        closed TEXT
    );
    CREATE TABLE alerts (
        identifier TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        msg_type TEXT NOT NULL,
        sent TEXT NOT NULL,
        expires TEXT NOT NULL,
        message_hash TEXT,
        warning TEXT NOT NULL
    );
    CREATE INDEX alerts_incident ON alerts(incident_id);
    """,
    # 3: each CAP document kept once, with its CAP message, not in every delivery's post
    _cap_out_of_deliveries,
    # 4: limits a channel read from its server (Mastodon's max_characters) and when
    """
    CREATE TABLE channel_limits (
        channel TEXT NOT NULL,
        key TEXT NOT NULL,
        value INTEGER NOT NULL,
        fetched TEXT NOT NULL,
        PRIMARY KEY (channel, key)
    );
    """,
]


class Transaction:
    """The statements of one transaction; it commits when the ``with`` block ends."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        return self._db.execute(sql, params)


class Store:
    """One SQLite file, one connection shared by the fan-out threads. Every write is its
    own transaction, so nothing recorded is lost. Close it, or use it as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._db = _connect(path)

    @classmethod
    def open(cls, path: Path) -> Self:
        """The store at ``path``, created and migrated as needed."""
        return cls(path)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; any exception rolls everything back (and a
        ``sqlite3.Error`` is raised as a ``StoreError``)."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                yield Transaction(self._db)
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise StoreError(f"{self.path}: cannot write the store ({exc})") from None
            except BaseException:
                self._rollback()
                raise

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        """Every row of one read; columns by name or by position."""
        try:
            with self._lock:
                return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the store ({exc})") from None

    def scalar(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        """The first column of the first row, or None."""
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def _rollback(self) -> None:
        try:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # the connection is gone; SQLite rolls back what was not committed


def _connect(path: Path) -> sqlite3.Connection:
    db: sqlite3.Connection | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=10, check_same_thread=False, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        _migrate(db)
    except (sqlite3.Error, OSError) as exc:
        if db is not None:
            db.close()
        raise StoreError(
            f"{path}: cannot open the store ({exc})",
            hint="check [store] path in the config and its permissions",
        ) from None
    return db


def _migrate(db: sqlite3.Connection) -> None:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise sqlite3.DatabaseError(
            f"store schema {version} is newer than this citychan ({len(MIGRATIONS)})"
        )
    for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            if callable(step):
                step(db)
            else:
                for statement in _statements(step):
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {number}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise


def _statements(script: str) -> list[str]:
    """A migration script, one statement at a time (so it runs in our transaction)."""
    out, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            out.append(pending.strip())
            pending = ""
    if pending.strip():
        out.append(pending.strip())
    return out
