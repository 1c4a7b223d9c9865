"""The SQLite outbox and audit log: every delivery attempt, what was sent where, with what
result. Never credentials, never subscriber data. Migrations are a list; the schema version
is SQLite's ``user_version``."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from citychan.errors import StoreError


class Status(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"
    SKIPPED = "skipped"


MIGRATIONS: list[str] = [
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
]


@dataclass(frozen=True)
class Delivery:
    id: int
    message_hash: str
    channel: str
    channel_type: str
    status: Status
    idempotency_key: str | None
    remote_id: str | None
    url: str | None
    error: str | None
    forced: bool
    attempts: int
    created: datetime
    updated: datetime
    title: str = ""
    kind: str = "info"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "message": self.message_hash,
            "title": self.title,
            "kind": self.kind,
            "channel": self.channel,
            "type": self.channel_type,
            "status": str(self.status),
            "remote_id": self.remote_id,
            "url": self.url,
            "error": self.error,
            "forced": self.forced,
            "attempts": self.attempts,
            "created": self.created.isoformat(),
            "updated": self.updated.isoformat(),
        }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    """One SQLite file. Every write is its own transaction, so nothing recorded is lost."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()  # one connection, shared by the fan-out threads
        self._db = self._open(path)

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=10, check_same_thread=False, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA foreign_keys=ON")
            _migrate(db)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(
                f"{path}: cannot open the store ({exc})",
                hint="check [store] path in the config and its permissions",
            ) from None
        return db

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        try:
            with self._lock:
                self._db.execute("BEGIN IMMEDIATE")
                yield self._db
                self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise StoreError(f"{self.path}: cannot write the store ({exc})") from None
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise

    def record_message(
        self, hash_: str, kind: str, title: str, langs: tuple[str, ...], source: str | None
    ) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO messages(hash, kind, title, langs, source, created) "
                "VALUES (?,?,?,?,?,?)",
                (hash_, kind, title, ",".join(langs), source, _now()),
            )

    def begin_delivery(
        self, message_hash: str, channel: str, channel_type: str, rendered: str, forced: bool,
        prepare: Callable[[int], tuple[str, str]] | None = None,
    ) -> int:
        """Record a pending delivery *before* the first attempt; returns its id. ``prepare``
        turns the new id into (idempotency key, post JSON), stored in the same transaction:
        a crash can never leave a pending delivery without the post to resend."""
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO deliveries(message_hash, channel, channel_type, status, rendered, "
                "forced, created, updated) VALUES (?,?,?,?,?,?,?,?)",
                (
                    message_hash,
                    channel,
                    channel_type,
                    Status.PENDING,
                    rendered,
                    int(forced),
                    _now(),
                    _now(),
                ),
            )
            did = int(cur.lastrowid or 0)
            if prepare is not None:
                key, post_json = prepare(did)
                db.execute("UPDATE deliveries SET idempotency_key=?, post=? WHERE id=?",
                           (key, post_json, did))
            return did

    def post_of(self, delivery_id: int) -> str | None:
        return self._scalar("SELECT post FROM deliveries WHERE id=?", (delivery_id,))

    def finish_delivery(
        self,
        delivery_id: int,
        status: Status,
        *,
        remote_id: str | None = None,
        url: str | None = None,
        error: str | None = None,
        attempts: int = 0,
        only_pending: bool = False,
    ) -> None:
        """Record an outcome. ``only_pending``: leave a delivery alone that has one already
        (the hard limit must not overwrite a send that finished meanwhile)."""
        with self._tx() as db:
            db.execute(
                "UPDATE deliveries SET status=?, remote_id=?, url=?, error=?, "
                "attempts=attempts+?, updated=? WHERE id=?"
                + (" AND status='pending'" if only_pending else ""),
                (status, remote_id, url, error, attempts, _now(), delivery_id),
            )

    def already_sent(self, message_hash: str, channel: str) -> Delivery | None:
        """The last delivery of this content to this channel that went out or may have."""
        rows = self._query(
            "WHERE d.message_hash=? AND d.channel=? AND d.status IN (?,?,?) "
            "ORDER BY d.id DESC LIMIT 1",
            (message_hash, channel, Status.SENT, Status.UNKNOWN, Status.PENDING),
        )
        return rows[0] if rows else None

    def started_since(self, channel: str, since: datetime) -> list[datetime]:
        """When deliveries to ``channel`` were started since ``since`` (any run), oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT created FROM deliveries WHERE channel=? AND created >= ? ORDER BY created",
                (channel, since.astimezone(UTC).isoformat(timespec="seconds")),
            ).fetchall()
        return [datetime.fromisoformat(r[0]) for r in rows]

    def count_info_since(self, since: datetime, other_than: str = "") -> int:
        """Info messages that went out (to any channel) since ``since``, other than the
        message ``other_than`` (a repost of one is not one more)."""
        count = self._scalar(
            "SELECT COUNT(DISTINCT d.message_hash) FROM deliveries d "
            "JOIN messages m ON m.hash = d.message_hash "
            "WHERE m.kind='info' AND d.status IN (?,?) AND d.created >= ? AND d.message_hash != ?",
            (Status.SENT, Status.UNKNOWN, since.astimezone(UTC).isoformat(timespec="seconds"),
             other_than),
        )
        return int(count or 0)

    def recent(self, limit: int = 20) -> list[Delivery]:
        return self._query("ORDER BY d.id DESC LIMIT ?", (limit,))

    def unresolved(self) -> list[Delivery]:
        """Deliveries that failed, whose outcome is unknown, or that never finished."""
        return self._query(
            "WHERE d.status IN (?,?,?) ORDER BY d.id",
            (Status.FAILED, Status.UNKNOWN, Status.PENDING),
        )

    def get(self, delivery_id: int) -> Delivery | None:
        rows = self._query("WHERE d.id=?", (delivery_id,))
        return rows[0] if rows else None

    def _scalar(self, sql: str, params: tuple[Any, ...]) -> Any:
        try:
            with self._lock:
                row = self._db.execute(sql, params).fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the store ({exc})") from None
        return row[0] if row else None

    def _query(self, where: str, params: tuple[Any, ...]) -> list[Delivery]:
        sql = (
            "SELECT d.*, m.title AS title, m.kind AS kind FROM deliveries d "
            "JOIN messages m ON m.hash = d.message_hash " + where
        )
        try:
            with self._lock:
                rows = self._db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the store ({exc})") from None
        return [_delivery(r) for r in rows]


def _delivery(r: sqlite3.Row) -> Delivery:
    return Delivery(
        id=r["id"],
        message_hash=r["message_hash"],
        channel=r["channel"],
        channel_type=r["channel_type"],
        status=Status(r["status"]),
        idempotency_key=r["idempotency_key"],
        remote_id=r["remote_id"],
        url=r["url"],
        error=r["error"],
        forced=bool(r["forced"]),
        attempts=r["attempts"],
        created=datetime.fromisoformat(r["created"]),
        updated=datetime.fromisoformat(r["updated"]),
        title=r["title"],
        kind=r["kind"],
    )


def _migrate(db: sqlite3.Connection) -> None:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise sqlite3.DatabaseError(
            f"store schema {version} is newer than this citychan ({len(MIGRATIONS)})"
        )
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        db.executescript(f"BEGIN; {script} PRAGMA user_version = {number}; COMMIT;")
