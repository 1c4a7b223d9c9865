"""Incidents and their warning messages in the store (tables of migrations 2 and 3): which
channels an incident went to, every CAP message sent for it with its CAP document, and
whether it was given the all-clear."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from citychan import clock
from citychan.errors import StoreError
from citychan.kinds import CapStatus, Level, MsgType
from citychan.store.db import Store, Transaction


@dataclass(frozen=True)
class Incident:
    id: str
    event: str
    level: Level | None
    status: CapStatus
    channels: tuple[str, ...]
    headline: str
    opened: datetime
    expires: datetime
    closed: datetime | None

    def as_dict(self, now: datetime | None = None) -> dict[str, Any]:
        now = now or clock.utcnow()
        return {
            "id": self.id,
            "event": self.event,
            "level": str(self.level) if self.level else None,
            "status": str(self.status),
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
    msg_type: MsgType
    sent: datetime
    expires: datetime
    warning_json: str
    cap_xml: str | None = None  # the CAP document as it went out


class IncidentStore:
    """Incidents and their CAP messages, in the same SQLite file as the deliveries."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def allocate(self, incident_id: str, *, exact: bool) -> str | None:
        """Hand out the id of a new incident, unique among every run: ``incident_id`` when
        it is free, else (unless ``exact``) the first free of ``incident_id-2``, ``-3`` …
        It stays reserved until the incident is recorded or ``release`` gives it back; None
        when ``exact`` and it is taken."""
        with self.store.transaction() as tx:
            n = 1
            while True:
                candidate = incident_id if n == 1 else f"{incident_id}-{n}"
                taken = tx.execute(
                    "SELECT 1 FROM incidents WHERE id=? UNION ALL "
                    "SELECT 1 FROM incident_ids WHERE id=?", (candidate, candidate),
                ).fetchone()
                if taken is None:
                    tx.execute("INSERT INTO incident_ids(id, reserved) VALUES (?,?)",
                               (candidate, clock.utcnow().isoformat(timespec="seconds")))
                    return candidate
                if exact:
                    return None
                n += 1

    def release(self, incident_id: str) -> None:
        """Give back an id ``allocate`` handed out (recorded or not: an incident keeps it)."""
        with self.store.transaction() as tx:
            tx.execute("DELETE FROM incident_ids WHERE id=?", (incident_id,))

    def open_incident(self, inc: Incident) -> None:
        with self.store.transaction() as tx:
            _insert_once(
                tx,
                "INSERT INTO incidents(id, event, level, status, channels, headline, opened, "
                "expires) VALUES (?,?,?,?,?,?,?,?)",
                (inc.id, inc.event, str(inc.level or ""), str(inc.status),
                 json.dumps(list(inc.channels)), inc.headline, inc.opened.isoformat(),
                 inc.expires.isoformat()),
                StoreError(f"incident '{inc.id}' is already recorded; nothing was overwritten"),
            )

    def add_alert(self, rec: AlertRecord, message_hash: str | None) -> None:
        """Record one CAP message. An identifier already recorded is an error: a CAP message
        that went out is never overwritten."""
        with self.store.transaction() as tx:
            _insert_once(
                tx,
                "INSERT INTO alerts(identifier, incident_id, msg_type, sent, expires, "
                "message_hash, warning, cap) VALUES (?,?,?,?,?,?,?,?)",
                (rec.identifier, rec.incident_id, str(rec.msg_type), rec.sent.isoformat(),
                 rec.expires.isoformat(), message_hash, rec.warning_json, rec.cap_xml),
                StoreError(
                    f"CAP message {rec.identifier} is already recorded; nothing was overwritten",
                    hint="send it again: the next update gets a new identifier",
                ),
            )
            # The incident runs until the latest message says (an update may shorten it);
            # compared as datetimes: ISO strings with different offsets (DST) do not sort.
            rows = tx.execute(
                "SELECT sent, expires FROM alerts WHERE incident_id=? ORDER BY rowid",
                (rec.incident_id,),
            ).fetchall()
            latest = max(
                enumerate(rows), key=lambda ir: (datetime.fromisoformat(ir[1]["sent"]), ir[0])
            )[1]
            tx.execute(
                "UPDATE incidents SET expires=? WHERE id=?", (latest["expires"], rec.incident_id)
            )

    def set_current(self, incident_id: str, level: Level | None, headline: str) -> None:
        """The incident's level and headline as its latest message says them."""
        with self.store.transaction() as tx:
            tx.execute(
                "UPDATE incidents SET level=?, headline=? WHERE id=?",
                (str(level or ""), headline, incident_id),
            )

    def close(self, incident_id: str, when: datetime) -> None:
        with self.store.transaction() as tx:
            tx.execute("UPDATE incidents SET closed=? WHERE id=?", (when.isoformat(), incident_id))

    def get(self, incident_id: str) -> Incident | None:
        rows = self._incidents("WHERE id=?", (incident_id,))
        return rows[0] if rows else None

    def open_incidents(self) -> list[Incident]:
        return self._incidents("WHERE closed IS NULL ORDER BY opened DESC", ())

    def all_ids(self) -> list[str]:
        return [i.id for i in self._incidents("ORDER BY opened DESC", ())]

    def alerts(self, incident_id: str) -> list[AlertRecord]:
        rows = self.store.query(
            "SELECT * FROM alerts WHERE incident_id=? ORDER BY rowid", (incident_id,)
        )
        # oldest first by time, not by ISO string (offsets differ across the DST change)
        rows = sorted(rows, key=lambda r: datetime.fromisoformat(r["sent"]))
        return [
            AlertRecord(
                r["identifier"],
                r["incident_id"],
                MsgType(r["msg_type"]),
                datetime.fromisoformat(r["sent"]),
                datetime.fromisoformat(r["expires"]),
                r["warning"],
                r["cap"],
            )
            for r in rows
        ]

    def cap_of(self, identifier: str) -> str | None:
        """The CAP document of one CAP message, as it went out (None: not recorded)."""
        cap = self.store.scalar("SELECT cap FROM alerts WHERE identifier=?", (identifier,))
        return None if cap is None else str(cap)

    def _incidents(self, where: str, params: tuple[Any, ...]) -> list[Incident]:
        rows = self.store.query(f"SELECT * FROM incidents {where}", params)
        return [
            Incident(
                r["id"],
                r["event"],
                Level(r["level"]) if r["level"] else None,
                CapStatus(r["status"]),
                tuple(json.loads(r["channels"])),
                r["headline"],
                datetime.fromisoformat(r["opened"]),
                datetime.fromisoformat(r["expires"]),
                datetime.fromisoformat(r["closed"]) if r["closed"] else None,
            )
            for r in rows
        ]


def _insert_once(tx: Transaction, sql: str, values: tuple[Any, ...],
                 duplicate: StoreError) -> None:
    """An INSERT whose key must be new: a record that exists is never overwritten."""
    try:
        tx.execute(sql, values)
    except sqlite3.IntegrityError:
        raise duplicate from None
