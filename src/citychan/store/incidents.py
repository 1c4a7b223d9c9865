"""Incidents and their warning messages in the store (tables of migrations 2 and 3, and the
state of issue 11's): which channels an incident went to, every CAP message sent for it with
its CAP document, its state (active, updated, cleared; expired by the clock), and the ids
runs hold for incidents they are about to send."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from citychan import clock
from citychan.errors import StoreError
from citychan.i18n import N_
from citychan.kinds import CapStatus, Level, MsgType
from citychan.store.db import Conflict, Store, Transaction


class IncidentState(StrEnum):
    """Where an incident stands: its latest message set active (Alert), updated (Update) or
    cleared (Cancel, the all-clear); an incident not cleared is expired once its latest
    message's expiry has passed (nothing runs at that moment, so it is read from the clock)."""

    ACTIVE = "active"
    UPDATED = "updated"
    CLEARED = "cleared"
    EXPIRED = "expired"


STATE_OF: dict[MsgType, IncidentState] = {
    MsgType.ALERT: IncidentState.ACTIVE,
    MsgType.UPDATE: IncidentState.UPDATED,
    MsgType.CANCEL: IncidentState.CLEARED,
}


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
    state: IncidentState = IncidentState.ACTIVE  # as recorded; see ``state_at``

    def state_at(self, now: datetime) -> IncidentState:
        """The recorded state, or expired when it ran out without an all-clear."""
        if self.closed is None and self.expires <= now:
            return IncidentState.EXPIRED
        return IncidentState.CLEARED if self.closed is not None else self.state

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
            "state": str(self.state_at(now)),
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
    repeat: bool = False  # a deliberate re-broadcast of an unchanged message (--repeat)


@dataclass(frozen=True)
class Contender:
    """An incident a new warning may belong to: one recorded and not cleared (``warning``:
    its latest message, as JSON), or an id another live run holds for a warning it is about
    to send (``subject``: what that warning is about, as JSON)."""

    id: str
    expires: datetime | None
    warning: str | None = None
    subject: str | None = None


class IncidentStore:
    """Incidents and their CAP messages, in the same store as the deliveries."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def allocate(
        self, incident_id: str, *, exact: bool, subject: str | None = None,
        check: Callable[[list[Contender]], None] | None = None,
    ) -> str | None:
        """Hand out the id of a new incident, unique among every run: ``incident_id`` when
        it is free, else (unless ``exact``) the first free of ``incident_id-2``, ``-3`` …
        It stays reserved, with what it is about (``subject``) and this run's token, until
        the incident is recorded or ``release`` gives it back; None when ``exact`` and it is
        taken. ``check`` sees every incident not cleared and every id a live run holds, in
        the same transaction: what it raises refuses the id (two runs a second apart cannot
        both pass it)."""
        claim = self.store.owner if subject is not None else None
        with self.store.transaction() as tx:
            if check is not None:
                check(self.contenders(tx))
            n = 1
            while True:
                candidate = incident_id if n == 1 else f"{incident_id}-{n}"
                taken = tx.execute(
                    "SELECT 1 FROM incidents WHERE id=? UNION ALL "
                    "SELECT 1 FROM incident_ids WHERE id=?", (candidate, candidate),
                ).fetchone()
                if taken is None:
                    tx.execute(
                        "INSERT INTO incident_ids(id, reserved, subject, claim) VALUES (?,?,?,?)",
                        (candidate, clock.utcnow().isoformat(timespec="seconds"), subject, claim))
                    return candidate
                if exact:
                    return None
                n += 1

    def contenders(self, tx: Transaction | None = None) -> list[Contender]:
        """Every incident not cleared (with its latest message) and every id a live run
        holds for a warning it is about to send; in ``tx`` when given."""
        def rows(sql: str) -> list[Any]:
            return tx.execute(sql).fetchall() if tx is not None else self.store.query(sql)

        out = [Contender(r["id"], datetime.fromisoformat(r["expires"]), warning=r["warning"])
               for r in rows(
                   "SELECT i.id, i.expires, (SELECT a.warning FROM alerts a WHERE a.incident_id"
                   " = i.id ORDER BY a.rowid DESC LIMIT 1) AS warning FROM incidents i "
                   "WHERE i.closed IS NULL")
               if r["warning"] is not None]
        held = rows("SELECT id, subject, claim FROM incident_ids WHERE subject IS NOT NULL "
                    "AND id NOT IN (SELECT id FROM incidents)")
        # a run that crashed between reserving and recording holds nothing any more
        return out + [Contender(r["id"], None, subject=r["subject"])
                      for r in held if self.store.owner_alive(r["claim"])]

    def release(self, incident_id: str) -> None:
        """Give back an id ``allocate`` handed out (recorded or not: an incident keeps it)."""
        with self.store.transaction() as tx:
            tx.execute("DELETE FROM incident_ids WHERE id=?", (incident_id,))

    def open_incident(self, inc: Incident) -> None:
        with self.store.transaction() as tx:
            _insert_once(
                tx,
                "INSERT INTO incidents(id, event, level, status, channels, headline, opened, "
                "expires, state) VALUES (?,?,?,?,?,?,?,?,?)",
                (inc.id, inc.event, str(inc.level or ""), str(inc.status),
                 json.dumps(list(inc.channels)), inc.headline, inc.opened.isoformat(),
                 inc.expires.isoformat(), str(inc.state)),
                StoreError(N_("incident '{id}' is already recorded; nothing was "
                              "overwritten").format(id=inc.id)),
            )

    def add_alert(self, rec: AlertRecord, message_hash: str | None) -> None:
        """Record one CAP message. An identifier already recorded is an error: a CAP message
        that went out is never overwritten."""
        with self.store.transaction() as tx:
            _insert_once(
                tx,
                "INSERT INTO alerts(identifier, incident_id, msg_type, sent, expires, "
                "message_hash, warning, cap, repeat) VALUES (?,?,?,?,?,?,?,?,?)",
                (rec.identifier, rec.incident_id, str(rec.msg_type), rec.sent.isoformat(),
                 rec.expires.isoformat(), message_hash, rec.warning_json, rec.cap_xml,
                 int(rec.repeat)),
                StoreError(
                    N_("CAP message {identifier} is already recorded; nothing was "
                       "overwritten").format(identifier=rec.identifier),
                    hint=N_("send it again: the next update gets a new identifier"),
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

    def set_current(self, incident_id: str, level: Level | None, headline: str,
                    state: IncidentState | None = IncidentState.UPDATED) -> None:
        """The incident's level, headline and state (None: kept) as its latest message says
        them."""
        with self.store.transaction() as tx:
            tx.execute(
                "UPDATE incidents SET level=?, headline=?, state=COALESCE(?, state) WHERE id=?",
                (str(level or ""), headline, str(state) if state else None, incident_id),
            )

    def close(self, incident_id: str, when: datetime) -> None:
        with self.store.transaction() as tx:
            tx.execute("UPDATE incidents SET closed=?, state=? WHERE id=?",
                       (when.isoformat(), str(IncidentState.CLEARED), incident_id))

    def get(self, incident_id: str) -> Incident | None:
        rows = self._incidents("WHERE id=?", (incident_id,))
        return rows[0] if rows else None

    def open_incidents(self) -> list[Incident]:
        """Incidents without an all-clear, newest first."""
        return _newest_first(self._incidents("WHERE closed IS NULL", ()))

    def listing(self, limit: int) -> list[tuple[Incident, AlertRecord | None]]:
        """Every incident not cleared, then the cleared ones, newest first, up to ``limit``
        in all; each with its latest message."""
        rows = self._incidents("", ())
        ordered = (_newest_first([i for i in rows if i.closed is None])
                   + _newest_first([i for i in rows if i.closed is not None]))[:limit]
        return [(i, self.latest_alert(i.id)) for i in ordered]

    def latest_alert(self, incident_id: str) -> AlertRecord | None:
        found = self.alerts(incident_id)
        return found[-1] if found else None

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
                bool(r["repeat"]),
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
                IncidentState(r["state"]),
            )
            for r in rows
        ]


def _newest_first(incidents: list[Incident]) -> list[Incident]:
    # by time, not by ISO string: offsets differ across the DST change
    return sorted(incidents, key=lambda i: i.opened, reverse=True)


def _insert_once(tx: Transaction, sql: str, values: tuple[Any, ...],
                 duplicate: StoreError) -> None:
    """An INSERT whose key must be new: a record that exists is never overwritten."""
    try:
        tx.execute(sql, values)
    except Conflict:
        raise duplicate from None
