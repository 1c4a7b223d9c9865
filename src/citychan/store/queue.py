"""Posts scheduled for later (`citychan post FILE --at …`): what is to be sent (the file, the
content hash it had, the channels), when, and by whom, and what became of it. Table of the
issue-12 migration; since issue 15 an entry keeps its notice's files, too (``queue_files``,
see ``store.kept_files``), so that `run-due` on another machine sends what was scheduled.

`citychan run-due` takes a due post in one write transaction (scheduled -> sending, with its
run's claim), so of two runs started at once exactly one sends it; a post a crashed run left
``sending`` is taken again once that run is gone (its deliveries are claimed as always, so
nothing goes out twice)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from citychan import clock
from citychan.store.db import Store
from citychan.store.kept_files import KeptFile, Owner, keep, kept


class QueueState(StrEnum):
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # sent, but a delivery failed or is unknown: see `citychan retry`
    REFUSED = "refused"  # not sent: the file changed, the rules refused it, …
    CANCELLED = "cancelled"


# what `citychan queue` shows without --all: waiting, under way, or needing a person
OPEN_STATES = (QueueState.SCHEDULED, QueueState.SENDING, QueueState.REFUSED, QueueState.FAILED)


@dataclass(frozen=True)
class QueuedPost:
    id: int
    path: str
    message_hash: str
    title: str
    channels: tuple[str, ...]
    due: datetime  # UTC
    forced: bool
    operator: str
    state: QueueState
    reason: str | None
    claim: str | None
    cancelled_by: str | None
    created: datetime
    updated: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "path": self.path,
            "message": self.message_hash,
            "title": self.title,
            "channels": list(self.channels),
            "due": self.due.isoformat(),
            "forced": self.forced,
            "operator": self.operator,
            "state": str(self.state),
            "reason": self.reason,
            "cancelled_by": self.cancelled_by,
            "created": self.created.isoformat(),
            "updated": self.updated.isoformat(),
        }


def _utc(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")


class QueueStore:
    """The scheduled posts, in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, path: str, message_hash: str, title: str, channels: tuple[str, ...],
            due: datetime, forced: bool, operator: str,
            files: tuple[KeptFile, ...] | list[KeptFile] = ()) -> QueuedPost:
        """A new scheduled post with its notice's ``files`` (see ``store.kept_files``)."""
        now = _utc(clock.utcnow())
        with self.store.transaction() as tx:
            cur = tx.execute(
                "INSERT INTO queue(path, message_hash, title, channels, due, forced, operator, "
                "state, created, updated) VALUES (?,?,?,?,?,?,?,?,?,?) RETURNING id",
                (path, message_hash, title, json.dumps(list(channels)), _utc(due), int(forced),
                 operator, QueueState.SCHEDULED, now, now))
            new = int(cur.fetchall()[0][0])
            keep(tx, Owner.QUEUE, new, files)
        found = self.get(new)
        assert found is not None
        return found

    def files(self, entry_id: int) -> list[KeptFile]:
        """The notice's files as scheduled (none for an entry made before citychan kept
        them, or a file whose bytes are not what was recorded of them)."""
        return kept(self.store, Owner.QUEUE, entry_id)

    def get(self, entry_id: int) -> QueuedPost | None:
        rows = self._query("WHERE id=?", (entry_id,))
        return rows[0] if rows else None

    def listed(self, states: tuple[QueueState, ...] | None = None) -> list[QueuedPost]:
        """Entries in ``states`` (all when None), the next due first."""
        if states is None:
            return self._query("ORDER BY due, id", ())
        marks = ",".join("?" * len(states))
        return self._query(f"WHERE state IN ({marks}) ORDER BY due, id", tuple(states))

    def waiting(self, message_hash: str) -> list[QueuedPost]:
        """Entries of this content still to be sent."""
        return self._query("WHERE message_hash=? AND state IN (?,?) ORDER BY id",
                           (message_hash, QueueState.SCHEDULED, QueueState.SENDING))

    def due(self, now: datetime) -> list[QueuedPost]:
        """Scheduled entries due at ``now``, and entries a run that is gone left sending."""
        found = self._query("WHERE due <= ? AND state IN (?,?) ORDER BY due, id",
                            (_utc(now), QueueState.SCHEDULED, QueueState.SENDING))
        return [e for e in found if e.state is QueueState.SCHEDULED
                or not self.store.owner_alive(e.claim)]

    def take(self, seen: QueuedPost) -> bool:
        """Claim ``seen`` for this run, as it was seen: False when another run was first."""
        token = self.store.new_claim()
        with self.store.transaction() as tx:
            cur = tx.execute(
                "UPDATE queue SET state=?, claim=?, updated=? WHERE id=? AND state=? "
                "AND claim IS ?",
                (QueueState.SENDING, token, _utc(clock.utcnow()), seen.id, seen.state,
                 seen.claim))
            return cur.rowcount == 1

    def finish(self, entry_id: int, state: QueueState, reason: str | None) -> None:
        with self.store.transaction() as tx:
            tx.execute("UPDATE queue SET state=?, reason=?, updated=? WHERE id=?",
                       (state, reason, _utc(clock.utcnow()), entry_id))

    def cancel(self, seen: QueuedPost, by: str) -> bool:
        """Cancel an entry not being sent right now; False when it changed meanwhile."""
        with self.store.transaction() as tx:
            cur = tx.execute(
                "UPDATE queue SET state=?, cancelled_by=?, updated=? WHERE id=? AND state=? "
                "AND state != ?",
                (QueueState.CANCELLED, by, _utc(clock.utcnow()), seen.id, seen.state,
                 QueueState.SENDING))
            return cur.rowcount == 1

    def _query(self, where: str, params: tuple[Any, ...]) -> list[QueuedPost]:
        rows = self.store.query("SELECT * FROM queue " + where, params)
        return [
            QueuedPost(
                id=r["id"], path=r["path"], message_hash=r["message_hash"], title=r["title"],
                channels=tuple(json.loads(r["channels"])),
                due=datetime.fromisoformat(r["due"]), forced=bool(r["forced"]),
                operator=r["operator"], state=QueueState(r["state"]), reason=r["reason"],
                claim=r["claim"], cancelled_by=r["cancelled_by"],
                created=datetime.fromisoformat(r["created"]),
                updated=datetime.fromisoformat(r["updated"]),
            )
            for r in rows
        ]
