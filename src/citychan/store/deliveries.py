"""Delivery records: every attempt to send a message to a channel, begun before the first
attempt and finished with its outcome, and the questions asked of them (already sent?
unresolved? how many today?). Tables of migration 1."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from citychan import clock
from citychan.store.db import Store


class Status(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"
    SKIPPED = "skipped"


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
    return clock.utcnow().isoformat(timespec="seconds")


def _utc(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")


class DeliveryStore:
    """Messages and their deliveries, in the store's SQLite file."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def record_message(
        self, hash_: str, kind: str, title: str, langs: tuple[str, ...], source: str | None
    ) -> None:
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT OR IGNORE INTO messages(hash, kind, title, langs, source, created) "
                "VALUES (?,?,?,?,?,?)",
                (hash_, kind, title, ",".join(langs), source, _now()),
            )

    def begin(
        self, message_hash: str, channel: str, channel_type: str, rendered: str, forced: bool,
        prepare: Callable[[int], tuple[str, str]] | None = None,
    ) -> int:
        """Record a pending delivery *before* the first attempt; returns its id. ``prepare``
        turns the new id into (idempotency key, post JSON), stored in the same transaction:
        a crash can never leave a pending delivery without the post to resend."""
        with self.store.transaction() as tx:
            now = _now()
            cur = tx.execute(
                "INSERT INTO deliveries(message_hash, channel, channel_type, status, rendered, "
                "forced, created, updated) VALUES (?,?,?,?,?,?,?,?)",
                (message_hash, channel, channel_type, Status.PENDING, rendered, int(forced),
                 now, now),
            )
            did = int(cur.lastrowid or 0)
            if prepare is not None:
                key, post_json = prepare(did)
                tx.execute("UPDATE deliveries SET idempotency_key=?, post=? WHERE id=?",
                           (key, post_json, did))
            return did

    def finish(
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
        with self.store.transaction() as tx:
            tx.execute(
                "UPDATE deliveries SET status=?, remote_id=?, url=?, error=?, "
                "attempts=attempts+?, updated=? WHERE id=?"
                + (" AND status='pending'" if only_pending else ""),
                (status, remote_id, url, error, attempts, _now(), delivery_id),
            )

    def post_of(self, delivery_id: int) -> str | None:
        """The post JSON recorded for a delivery (what `citychan retry` resends)."""
        post = self.store.scalar("SELECT post FROM deliveries WHERE id=?", (delivery_id,))
        return None if post is None else str(post)

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
        rows = self.store.query(
            "SELECT created FROM deliveries WHERE channel=? AND created >= ? ORDER BY created",
            (channel, _utc(since)),
        )
        return [datetime.fromisoformat(r[0]) for r in rows]

    def count_info_since(self, since: datetime, other_than: str = "") -> int:
        """Info messages that went out (to any channel) since ``since``, other than the
        message ``other_than`` (a repost of one is not one more)."""
        count = self.store.scalar(
            "SELECT COUNT(DISTINCT d.message_hash) FROM deliveries d "
            "JOIN messages m ON m.hash = d.message_hash "
            "WHERE m.kind='info' AND d.status IN (?,?) AND d.created >= ? AND d.message_hash != ?",
            (Status.SENT, Status.UNKNOWN, _utc(since), other_than),
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

    def _query(self, where: str, params: tuple[Any, ...]) -> list[Delivery]:
        rows = self.store.query(
            "SELECT d.*, m.title AS title, m.kind AS kind FROM deliveries d "
            "JOIN messages m ON m.hash = d.message_hash " + where,
            params,
        )
        return [
            Delivery(
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
            for r in rows
        ]
