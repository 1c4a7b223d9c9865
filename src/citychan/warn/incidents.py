"""Incidents in the store: every warning message as it went out (so an update or the
all-clear can reference it), the channels the original went to, and which incidents are
still open or overdue (past expiry without an all-clear).

Issue 11 added what keeps one event one incident: a new warning for the same event and an
overlapping area while an incident is open is refused (``reserve``; see ``open_guard``), an
update that changes nothing is refused unless it is a deliberate repeat, ``latest`` or an
event name stands for an incident id (``resolve``), and each incident's state is recorded,
listed (``listing``) and shown on the feed (``mark_feeds``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from citychan.alerts import (
    CapStatus,
    Level,
    MsgType,
    Reference,
    ResponseType,
    Warning,
    WarningText,
    changes,
)
from citychan.alerts.area import Area
from citychan.alerts.catalogue import find_event
from citychan.alerts.levels import STATUS_PREFIX
from citychan.channels.feed import FeedChannel
from citychan.config import Config
from citychan.errors import StoreError, UsageError, did_you_mean
from citychan.i18n import N_
from citychan.store.db import Store
from citychan.store.incidents import (
    STATE_OF,
    AlertRecord,
    Contender,
    Incident,
    IncidentState,
    IncidentStore,
)
from citychan.warn.overlap import areas_overlap


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
            "area": _area_dict(w.area),
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
        area=_area_from(a),
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


def _area_dict(area: Area) -> dict[str, Any]:
    return {
        "desc": dict(area.desc),
        "polygons": list(area.polygons),
        "circles": list(area.circles),
        "geocodes": [list(g) for g in area.geocodes],
    }


def _area_from(a: Mapping[str, Any]) -> Area:
    return Area(
        desc=a["desc"],
        polygons=tuple(a["polygons"]),
        circles=tuple(a["circles"]),
        geocodes=tuple((str(g[0]), str(g[1])) for g in a["geocodes"]),
    )


LATEST = "latest"


def load_incident(store: Store, incident_id: str) -> tuple[Incident, list[Warning]]:
    """The incident and every message of it, oldest first; ``latest`` or an event name
    stands for an open incident (``resolve``); a clear error for a wrong id."""
    inc_store = IncidentStore(store)
    incident = inc_store.get(resolve(inc_store, incident_id))
    assert incident is not None  # resolve gives only recorded ids
    return incident, [warning_from_json(r.warning_json) for r in inc_store.alerts(incident.id)]


def resolve(inc_store: IncidentStore, ref: str) -> str:
    """The incident id ``ref`` stands for: the id itself; ``latest``, the newest incident
    without an all-clear; or an event (``hochwasser``, ``Hochwasser``) when exactly one
    incident of it is without an all-clear."""
    if inc_store.get(ref) is not None:
        return ref
    pending = inc_store.open_incidents()
    if ref.strip().casefold() == LATEST:
        if not pending:
            raise UsageError(N_("no open incident: 'latest' is the newest incident without an "
                                "all-clear"),
                             hint=N_("see every incident with: citychan incidents"))
        return pending[0].id
    event = find_event(ref)
    if event is None:
        known = inc_store.all_ids()
        raise UsageError(
            N_("unknown incident '{ref}'.").format(ref=ref) + did_you_mean(ref, known),
            hint=N_("see the incidents with: citychan incidents (or write 'latest')"),
        )
    matches = [i.id for i in pending if i.event == event.code]
    if len(matches) == 1:
        return matches[0]
    name = event.name("de")
    if not matches:
        raise UsageError(N_("no open incident for {name}").format(name=name),
                         hint=N_("see every incident with: citychan incidents"))
    raise UsageError(N_("{n_matches} open incidents for {name}: {join}").format(
                         n_matches=len(matches), name=name, join=', '.join(matches)),
                     hint=N_("name one of them by its id"))


def still_valid(messages: list[Warning], now: datetime) -> list[Warning]:
    """Messages of the incident that have not expired: an update or the all-clear refers to
    each of them."""
    return [
        m
        for m in messages
        if m.msg_type is not MsgType.CANCEL and (m.expires is None or m.expires > now)
    ]


def reserve(store: Store, w: Warning, explicit: bool, *, now: datetime,
            separate: bool = False) -> Warning:
    """A new warning with its incident id handed out by the store, before anything is
    confirmed: several warnings in the same second are as many incidents (a generated id
    gets a suffix, -2, -3 …), and none is refused after its confirmation. An id the file
    names itself (``explicit``) is refused when it exists. While an incident of the same
    event, status and an overlapping area is open (or another run is sending one), the
    warning is refused with the hint to update it, unless ``separate`` (``--new``); the
    check and the reservation are one transaction. Give the id back with ``release``."""
    check = None if separate else open_guard(w, now)
    got = IncidentStore(store).allocate(w.incident, exact=explicit, subject=_subject(w),
                                        check=check)
    if got is None:
        refuse_existing(store, w.incident)
        raise UsageError(N_("incident '{incident}' is being sent by another citychan run; "
                            "a new warning needs a new incident id").format(incident=w.incident))
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
            N_("incident '{incident_id}' exists already; a new warning needs a new "
               "incident id").format(incident_id=incident_id),
            hint=N_("to change it, send an update: citychan warn update {incident_id} FILE").format(
                     incident_id=incident_id),
        )


def refuse_if_open(config: Config, w: Warning, now: datetime) -> None:
    """A dry run says what sending would say: refused while a matching incident is open.
    It reads the store (never creates or changes it)."""
    if not config.store.exists():
        return
    with Store.open_for_reading(config.store) as store:
        open_guard(w, now)(IncidentStore(store).contenders())


def _subject(w: Warning) -> str:
    """What a new incident is about, kept with its reserved id for other runs to see."""
    return json.dumps({"event": w.event, "status": str(w.status), "area": _area_dict(w.area)},
                      ensure_ascii=False)


def open_guard(w: Warning, now: datetime) -> Callable[[list[Contender]], None]:
    """A check for ``IncidentStore.allocate``: refuse ``w`` while an incident in force (not
    cleared, not expired) or one another run is sending has its event, its status (an
    exercise never blocks a real warning) and an overlapping area."""

    def check(contenders: list[Contender]) -> None:
        for c in contenders:
            if c.expires is not None and c.expires <= now:
                continue  # ran out: a new warning is a new incident
            if c.warning is not None:
                other = warning_from_json(c.warning)
                event, status, area = other.event, str(other.status), other.area
            else:
                about = json.loads(c.subject or "{}")
                event, status, area = about["event"], about["status"], _area_from(about["area"])
            if event == w.event and status == str(w.status) and areas_overlap(area, w.area):
                _refuse_open(c, f"{w.event_name('de')}, {area.description('de')}")

    return check


def _refuse_open(c: Contender, what: str) -> None:
    if c.warning is None:
        raise UsageError(
            N_("another citychan run is sending incident '{id}' ({what}) right now: the "
               "same event and an overlapping area").format(id=c.id, what=what),
            hint=N_("wait for it, then change it with: citychan warn update {id} …; or "
                    "pass --new for a separate incident").format(id=c.id))
    raise UsageError(
        N_("incident '{id}' ({what}) is still open for the same event and an overlapping "
           "area; a second warning would make a second incident").format(id=c.id, what=what),
        hint=N_("change it with: citychan warn update {id} …; or pass --new for a "
                "separate incident").format(id=c.id))


def refuse_unchanged(incident: Incident, latest: Warning, new: Warning, repeat: bool) -> None:
    """An update that changes nothing is a repeat: sent only when asked for (``--repeat``),
    so citizens never get the same text again by accident."""
    if repeat or changes(latest, new):
        return
    raise UsageError(
        N_("nothing changed against the latest message of incident '{id}' ({identifier}): "
           "the update would send the same warning again").format(
            id=incident.id, identifier=latest.identifier),
        hint=N_("give what changed (--level, --area, --instruction, --expires …), or pass "
                "--repeat to broadcast it again on purpose"))


def record(
    store: Store, w: Warning, channels: list[str], message_hash: str | None,
    cap: bytes | None = None, *, repeat: bool = False,
) -> None:
    """Record a warning message with its CAP document; the first message of an incident
    opens it, and an Alert for an incident id that exists is refused (it would replace that
    incident's messages). The incident's state follows the message (a ``repeat`` of an
    unchanged message leaves it as it was)."""
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
            repeat,
        ),
        message_hash,
    )
    if w.msg_type is MsgType.UPDATE:
        inc.set_current(w.incident, w.level, headline, None if repeat else STATE_OF[w.msg_type])
    if w.msg_type is MsgType.CANCEL:
        inc.close(w.incident, w.sent)


def open_incidents(config: Config) -> list[dict[str, Any]]:
    """Open incidents with their expiry; ``overdue`` when past expiry without an all-clear."""
    if not config.store.exists():
        return []
    with Store.open_for_reading(config.store) as store:
        now = config.now()
        return [_marked(i.as_dict(now)) for i in IncidentStore(store).open_incidents()]


def listing(config: Config, limit: int) -> list[dict[str, Any]]:
    """`citychan incidents`: those without an all-clear, then the cleared ones, newest
    first; each with its event, level, area, state and latest message."""
    if not config.store.exists():
        return []
    with Store.open_for_reading(config.store) as store:
        now = config.now()
        return [_listed(i, last, now) for i, last in IncidentStore(store).listing(limit)]


def _listed(i: Incident, last: AlertRecord | None, now: datetime) -> dict[str, Any]:
    row = _marked(i.as_dict(now))
    latest = warning_from_json(last.warning_json) if last is not None else None
    lang = latest.langs[0] if latest is not None and latest.langs else "de"
    row["event_name"] = latest.event_name(lang) if latest is not None else i.event
    row["area"] = latest.area.description(lang) if latest is not None else ""
    row["last_message"] = None if last is None or latest is None else {
        "identifier": last.identifier,
        "msg_type": str(last.msg_type),
        "sent": last.sent.isoformat(),
        "headline": latest.text(lang).headline if latest.texts else "",
        "repeat": last.repeat,
    }
    return row


def _marked(incident: dict[str, Any]) -> dict[str, Any]:
    """Exercises and tests read as such in the log (also those recorded without the prefix);
    ``exercise`` is true for both, so a script can leave them out."""
    word = STATUS_PREFIX.get(CapStatus(incident["status"]))
    if word and not incident["headline"].startswith(f"{word}: "):
        incident["headline"] = f"{word}: {incident['headline']}"
    incident["exercise"] = word is not None
    return incident


def mark_feeds(channels: Mapping[str, object], results: list[Any], w: Warning,
               repeat: bool = False) -> None:
    """The website feed shows each warning entry in its incident's state (badge colour and
    label): every feed the message went out to marks the incident's entries. A repeat
    changes nothing; a feed that cannot be written keeps its badges (the message itself is
    there, and the next message of the incident marks them)."""
    if repeat:
        return
    state = STATE_OF[w.msg_type]
    expires = w.expires.isoformat() if w.expires and state is not IncidentState.CLEARED else None
    for result in results:
        channel = channels.get(result.channel)
        if isinstance(channel, FeedChannel) and str(result.status) == "sent":
            try:
                channel.mark_incident(w.incident, str(state), expires)
            except OSError:
                pass
