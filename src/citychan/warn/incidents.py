"""Incidents in the store: every warning message as it went out (so an update or the
all-clear can reference it), the channels the original went to, and which incidents are
still open or overdue (past expiry without an all-clear)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

from citychan.alerts import CapStatus, Level, MsgType, Reference, ResponseType, Warning, WarningText
from citychan.alerts.area import Area
from citychan.alerts.levels import STATUS_PREFIX
from citychan.config import Config
from citychan.errors import StoreError, UsageError, did_you_mean
from citychan.store.db import Store
from citychan.store.incidents import AlertRecord, Incident, IncidentStore


def warning_to_json(w: Warning) -> str:
    return json.dumps(
        {
            "incident": w.incident,
            "level": str(w.level) if w.level else None,
            "event": w.event,
            "texts": {
                lang: {
                    "headline": t.headline,
                    "description": t.description,
                    "instruction": t.instruction,
                    "short": t.short,
                    "review": list(t.review),
                }
                for lang, t in w.texts.items()
            },
            "area": {
                "desc": dict(w.area.desc),
                "polygons": list(w.area.polygons),
                "circles": list(w.area.circles),
                "geocodes": [list(g) for g in w.area.geocodes],
            },
            "effective": w.effective.isoformat(),
            "expires": w.expires.isoformat() if w.expires else None,
            "sent": w.sent.isoformat(),
            "sender": w.sender,
            "sender_name": w.sender_name,
            "status": str(w.status),
            "msg_type": str(w.msg_type),
            "references": [
                {"sender": r.sender, "identifier": r.identifier, "sent": r.sent.isoformat()}
                for r in w.references
            ],
            "response_type": str(w.response_type) if w.response_type else None,
            "sequence": w.sequence,
            "template": w.template,
        },
        ensure_ascii=False,
    )


def warning_from_json(text: str) -> Warning:
    d = json.loads(text)
    a = d["area"]
    return Warning(
        incident=d["incident"],
        level=Level(d["level"]) if d["level"] else None,
        event=d["event"],
        texts={
            lang: WarningText(
                t["headline"], t["description"], t["instruction"], t["short"], tuple(t["review"])
            )
            for lang, t in d["texts"].items()
        },
        area=Area(
            desc=a["desc"],
            polygons=tuple(a["polygons"]),
            circles=tuple(a["circles"]),
            geocodes=tuple(tuple(g) for g in a["geocodes"]),
        ),
        effective=datetime.fromisoformat(d["effective"]),
        expires=datetime.fromisoformat(d["expires"]) if d["expires"] else None,
        sent=datetime.fromisoformat(d["sent"]),
        sender=d["sender"],
        sender_name=d["sender_name"],
        status=CapStatus(d["status"]),
        msg_type=MsgType(d["msg_type"]),
        references=tuple(
            Reference(r["sender"], r["identifier"], datetime.fromisoformat(r["sent"]))
            for r in d["references"]
        ),
        response_type=ResponseType(d["response_type"]) if d["response_type"] else None,
        sequence=d["sequence"],
        template=d["template"],
    )


def load_incident(store: Store, incident_id: str) -> tuple[Incident, list[Warning]]:
    """The incident and every message of it, oldest first; a clear error for a wrong id."""
    inc_store = IncidentStore(store)
    incident = inc_store.get(incident_id)
    if incident is None:
        known = inc_store.all_ids()
        raise UsageError(
            f"unknown incident '{incident_id}'.{did_you_mean(incident_id, known)}",
            hint="see open incidents with: citychan log",
        )
    return incident, [warning_from_json(r.warning_json) for r in inc_store.alerts(incident_id)]


def still_valid(messages: list[Warning], now: datetime) -> list[Warning]:
    """Messages of the incident that have not expired: an update or the all-clear refers to
    each of them."""
    return [
        m
        for m in messages
        if m.msg_type is not MsgType.CANCEL and (m.expires is None or m.expires > now)
    ]


def reserve(store: Store, w: Warning, explicit: bool) -> Warning:
    """A new warning with its incident id handed out by the store, before anything is
    confirmed: several warnings in the same second are as many incidents (a generated id
    gets a suffix, -2, -3 …), and none is refused after its confirmation. An id the file
    names itself (``explicit``) is refused when it exists. Give it back with ``release``."""
    got = IncidentStore(store).allocate(w.incident, exact=explicit)
    if got is None:
        refuse_existing(store, w.incident)
        raise UsageError(f"incident '{w.incident}' is being sent by another citychan run; "
                         "a new warning needs a new incident id")
    return w if got == w.incident else replace(w, incident=got)


def release(store: Store, incident_id: str) -> None:
    """Give back a reserved id. A store that cannot be written now keeps the reservation:
    that id is then skipped, and what was sent is still reported."""
    try:
        IncidentStore(store).release(incident_id)
    except StoreError:
        pass


def refuse_existing(store: Store, incident_id: str) -> None:
    """A new warning (CAP Alert) never joins an incident that exists: that is an update."""
    if IncidentStore(store).get(incident_id) is not None:
        raise UsageError(
            f"incident '{incident_id}' exists already; a new warning needs a new incident id",
            hint=f"to change it, send an update: citychan warn update {incident_id} FILE",
        )


def record(
    store: Store, w: Warning, channels: list[str], message_hash: str | None,
    cap: bytes | None = None,
) -> None:
    """Record a warning message with its CAP document; the first message of an incident
    opens it, and an Alert for an incident id that exists is refused (it would replace that
    incident's messages)."""
    inc = IncidentStore(store)
    headline = w.text(w.langs[0]).headline if w.texts else w.event  # ÜBUNG/TEST shown
    if w.msg_type is MsgType.ALERT:
        refuse_existing(store, w.incident)
        inc.open_incident(
            Incident(
                w.incident,
                w.event,
                w.level,
                w.status,
                tuple(channels),
                headline,
                w.sent,
                w.expires or w.sent,
                None,
            )
        )
    inc.add_alert(
        AlertRecord(
            w.identifier,
            w.incident,
            w.msg_type,
            w.sent,
            w.expires or w.sent,
            warning_to_json(w),
            cap.decode("utf-8") if cap is not None else None,
        ),
        message_hash,
    )
    if w.msg_type is MsgType.UPDATE:
        inc.set_current(w.incident, w.level, headline)
    if w.msg_type is MsgType.CANCEL:
        inc.close(w.incident, w.sent)


def open_incidents(config: Config) -> list[dict[str, Any]]:
    """Open incidents with their expiry; ``overdue`` when past expiry without an all-clear."""
    if not config.store_path.exists():
        return []
    with Store.open_for_reading(config.store_path) as store:
        now = config.now()
        return [_marked(i.as_dict(now)) for i in IncidentStore(store).open_incidents()]


def _marked(incident: dict[str, Any]) -> dict[str, Any]:
    """Exercises and tests read as such in the log (also those recorded without the prefix);
    ``exercise`` is true for both, so a script can leave them out."""
    word = STATUS_PREFIX.get(CapStatus(incident["status"]))
    if word and not incident["headline"].startswith(f"{word}: "):
        incident["headline"] = f"{word}: {incident['headline']}"
    incident["exercise"] = word is not None
    return incident
