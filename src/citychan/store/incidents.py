"""Incidents and their warning messages in the store (tables of migration 2): which channels
an incident went to, every CAP message sent for it, and whether it was given the all-clear."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from citychan.errors import StoreError
from citychan.store.db import Store


@dataclass(frozen=True)
class Incident:
    id: str
    event: str
    level: str
    status: str
    channels: tuple[str, ...]
    headline: str
    opened: datetime
    expires: datetime
    closed: datetime | None

    def as_dict(self, now: datetime | None = None) -> dict[str, Any]:
        now = now or datetime.now(UTC)
        return {
            "id": self.id,
            "event": self.event,
            "level": self.level,
            "status": self.status,
            "channels": list(self.channels),
            "headline": self.headline,
            "opened": self.opened.isoformat(),
            "expires": self.expires.isoformat(),
            "closed": self.closed.isoformat() if self.closed else None,
            "overdue": self.closed is None and self.expires <= now,
        }


@dataclass(frozen=True)
class AlertRecord:
    identifier: str
    incident_id: str
    msg_type: str
    sent: datetime
    expires: datetime
    warning_json: str


class IncidentStore:
    """Incidents and their CAP messages, in the same SQLite file as the deliveries."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def open_incident(self, inc: Incident) -> None:
        import json

        with self.store._tx() as db:
            _insert_once(
                db,
                "INSERT INTO incidents(id, event, level, status, channels, headline, opened, "
                "expires) VALUES (?,?,?,?,?,?,?,?)",
                (inc.id, inc.event, inc.level, inc.status, json.dumps(list(inc.channels)),
                 inc.headline, inc.opened.isoformat(), inc.expires.isoformat()),
                StoreError(f"incident '{inc.id}' is already recorded; nothing was overwritten"),
            )

    def add_alert(self, rec: AlertRecord, message_hash: str | None) -> None:
        """Record one CAP message. An identifier already recorded is an error: a CAP message
        that went out is never overwritten."""
        with self.store._tx() as db:
            _insert_once(
                db,
                "INSERT INTO alerts(identifier, incident_id, msg_type, sent, expires, "
                "message_hash, warning) VALUES (?,?,?,?,?,?,?)",
                (rec.identifier, rec.incident_id, rec.msg_type, rec.sent.isoformat(),
                 rec.expires.isoformat(), message_hash, rec.warning_json),
                StoreError(
                    f"CAP message {rec.identifier} is already recorded; nothing was overwritten",
                    hint="send it again: the next update gets a new identifier",
                ),
            )
            # The incident runs until the latest message says (an update may shorten it);
            # compared as datetimes: ISO strings with different offsets (DST) do not sort.
            rows = db.execute(
                "SELECT sent, expires FROM alerts WHERE incident_id=? ORDER BY rowid",
                (rec.incident_id,),
            ).fetchall()
            latest = max(
                enumerate(rows), key=lambda ir: (datetime.fromisoformat(ir[1]["sent"]), ir[0])
            )[1]
            db.execute(
                "UPDATE incidents SET expires=? WHERE id=?", (latest["expires"], rec.incident_id)
            )

    def set_current(self, incident_id: str, level: str, headline: str) -> None:
        """The incident's level and headline as its latest message says them."""
        with self.store._tx() as db:
            db.execute(
                "UPDATE incidents SET level=?, headline=? WHERE id=?",
                (level, headline, incident_id),
            )

    def close(self, incident_id: str, when: datetime) -> None:
        with self.store._tx() as db:
            db.execute("UPDATE incidents SET closed=? WHERE id=?", (when.isoformat(), incident_id))

    def get(self, incident_id: str) -> Incident | None:
        rows = self._incidents("WHERE id=?", (incident_id,))
        return rows[0] if rows else None

    def open_incidents(self) -> list[Incident]:
        return self._incidents("WHERE closed IS NULL ORDER BY opened DESC", ())

    def all_ids(self) -> list[str]:
        return [i.id for i in self._incidents("ORDER BY opened DESC", ())]

    def alerts(self, incident_id: str) -> list[AlertRecord]:
        with self.store._lock:
            rows = self.store._db.execute(
                "SELECT * FROM alerts WHERE incident_id=? ORDER BY rowid", (incident_id,)
            ).fetchall()
        # oldest first by time, not by ISO string (offsets differ across the DST change)
        rows = sorted(rows, key=lambda r: datetime.fromisoformat(r["sent"]))
        return [
            AlertRecord(
                r["identifier"],
                r["incident_id"],
                r["msg_type"],
                datetime.fromisoformat(r["sent"]),
                datetime.fromisoformat(r["expires"]),
                r["warning"],
            )
            for r in rows
        ]

    def _incidents(self, where: str, params: tuple[Any, ...]) -> list[Incident]:
        import json

        with self.store._lock:
            rows = self.store._db.execute(f"SELECT * FROM incidents {where}", params).fetchall()
        return [
            Incident(
                r["id"],
                r["event"],
                r["level"],
                r["status"],
                tuple(json.loads(r["channels"])),
                r["headline"],
                datetime.fromisoformat(r["opened"]),
                datetime.fromisoformat(r["expires"]),
                datetime.fromisoformat(r["closed"]) if r["closed"] else None,
            )
            for r in rows
        ]


def _insert_once(db: sqlite3.Connection, sql: str, values: tuple[Any, ...],
                 duplicate: StoreError) -> None:
    """An INSERT whose key must be new: a record that exists is never overwritten."""
    try:
        db.execute(sql, values)
    except sqlite3.IntegrityError:
        raise duplicate from None
