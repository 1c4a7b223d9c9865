"""A danger warning as one immutable value, and its lifecycle: exercise/test marking,
``update`` and ``allclear`` (CAP msgType Update / Cancel) of the same incident.

Texts are stored as written; :meth:`Warning.text` adds the ÜBUNG/TEST prefix on the way
out, so follow-ups of an exercise stay marked without anyone re-typing the prefix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

from citychan.alerts.area import Area
from citychan.alerts.catalogue import Event, find_event
from citychan.alerts.levels import (
    ALLCLEAR_REVIEW,
    LEVELS,
    STATUS_PREFIX,
    CapStatus,
    Category,
    Guard,
    Level,
    MsgType,
    ResponseType,
    allclear_label,
    level_info,
)
from citychan.alerts.templates import allclear_texts
from citychan.alerts.timeutil import cap_time, human_time, localize
from citychan.errors import UsageError
from citychan.findings import Finding
from citychan.findings import warning as warning_finding
from citychan.i18n import N_

_ID_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$")
ALLCLEAR_LIFETIME = timedelta(hours=1)
HEADLINE_MAX = 140  # characters, as shown (ÜBUNG/TEST included)


@dataclass(frozen=True)
class WarningText:
    """The texts of one language. ``review`` names parts no native speaker has checked."""

    headline: str = ""
    description: str = ""
    instruction: str = ""
    short: str | None = None  # hand-written short text (front matter ``summary``)
    review: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reference:
    """One earlier CAP message: written as ``sender,identifier,sent``."""

    sender: str
    identifier: str
    sent: datetime

    def cap(self) -> str:
        return f"{self.sender},{self.identifier},{cap_time(self.sent)}"


@dataclass(frozen=True)
class Warning:
    """One CAP message of an incident: the alert, an update or the all-clear.

    ``identifier`` is derived (``incident.sequence``); times are aware, in city time.
    """

    incident: str
    level: Level | None  # None only when the input named no valid level (rule CC408)
    event: str  # catalogue code; free text when unknown (rule CC401)
    texts: Mapping[str, WarningText]  # language -> texts as written, primary first
    area: Area
    effective: datetime
    expires: datetime | None
    sent: datetime
    sender: str
    sender_name: str
    status: CapStatus = CapStatus.ACTUAL
    msg_type: MsgType = MsgType.ALERT
    references: tuple[Reference, ...] = ()
    response_type: ResponseType | None = None  # None: the event's default
    sequence: int = 1  # 1 for the alert, +1 for every follow-up of the incident
    template: str | None = None
    findings: tuple[Finding, ...] = field(default=(), compare=False)  # found while building

    @property
    def identifier(self) -> str:
        """CAP identifier, unique per sender: incident id and sequence number."""
        return f"{self.incident}.{self.sequence}"

    @property
    def langs(self) -> tuple[str, ...]:
        return tuple(self.texts)

    @property
    def event_info(self) -> Event | None:
        return find_event(self.event) if self.event else None

    @property
    def category(self) -> Category:
        info = self.event_info
        return info.category if info else Category.OTHER

    @property
    def response(self) -> ResponseType:
        if self.msg_type is MsgType.CANCEL:
            return ResponseType.ALL_CLEAR
        if self.response_type is not None:
            return self.response_type
        info = self.event_info
        return info.response_type if info else ResponseType.MONITOR

    @property
    def prefix(self) -> str:
        """``"ÜBUNG: "`` / ``"TEST: "`` for exercises and tests, else ``""``."""
        word = STATUS_PREFIX.get(self.status)
        return f"{word}: " if word else ""

    def event_name(self, lang: str) -> str:
        info = self.event_info
        return info.name(lang) if info else self.event

    def text(self, lang: str) -> WarningText:
        """The texts of ``lang`` as they go out (ÜBUNG/TEST prefixed)."""
        t = self.texts.get(lang, WarningText())
        if not self.prefix:
            return t
        return replace(t, headline=_prefixed(self.prefix, t.headline),
                       description=_prefixed(self.prefix, t.description),
                       instruction=_prefixed(self.prefix, t.instruction),
                       short=_prefixed(self.prefix, t.short) if t.short else t.short)

    def as_reference(self) -> Reference:
        return Reference(self.sender, self.identifier, self.sent)


def guard_phrase(warning: Warning) -> str | None:
    """What the duty officer must type before a warning goes out (the event name in the
    primary language), or None when the level's guard is a prompt or nothing."""
    if warning.level is None or level_info(warning.level).guard is not Guard.TYPE_EVENT:
        return None
    return warning.event_name(warning.langs[0] if warning.langs else "de")


def guard_accepts(warning: Warning, typed: str) -> bool:
    """True when ``typed`` names the warning's event (any language or the code, any case)."""
    key = " ".join(typed.split()).casefold()
    info = warning.event_info
    names = {warning.event, *(info.names.values() if info else ())}
    return bool(key) and key in {n.casefold() for n in names}


def _prefixed(prefix: str, text: str) -> str:
    return text if not text or text.startswith(prefix) else prefix + text


def check_incident_id(incident: str) -> str:
    """Incident ids end up in CAP identifiers: no spaces, commas or markup characters."""
    if not _ID_OK.match(incident):
        raise UsageError(N_("incident id {incident!r} may only use letters, digits and . "
                            "_ : @ -").format(incident=incident))
    return incident


def new_incident_id(event: str, now: datetime) -> str:
    """A readable, sortable id such as ``hochwasser-20261128T140500``."""
    slug = re.sub(r"[^a-z0-9]+", "-", event.lower()).strip("-") or "warnung"
    return f"{slug}-{now:%Y%m%dT%H%M%S}"


def mark(warning: Warning, status: CapStatus | str) -> Warning:
    """The same warning as an exercise (ÜBUNG) or test (TEST), or back to Actual."""
    return replace(warning, status=CapStatus(status))


def as_exercise(warning: Warning) -> Warning:
    """CAP status Exercise; every text is prefixed with ÜBUNG."""
    return mark(warning, CapStatus.EXERCISE)


def as_test(warning: Warning) -> Warning:
    """CAP status Test; every text is prefixed with TEST."""
    return mark(warning, CapStatus.TEST)


def _label_pattern(lang: str) -> re.Pattern[str]:
    labels = sorted((info.label(lang) for info in LEVELS.values()), key=len, reverse=True)
    return re.compile(rf"({'|'.join(re.escape(x) for x in labels)}):")


def relabel(warning: Warning, level: Level) -> Warning:
    """The same warning at ``level``: in every language the level label the headline starts
    with (and the first one in a hand-written short text) becomes the new level's label,
    e.g. ``Gefahr: Hochwasser`` -> ``Extreme Gefahr: Hochwasser`` when a flood escalates."""
    texts = {}
    for lang, t in warning.texts.items():
        pattern, label = _label_pattern(lang), f"{level_info(level).label(lang)}:"
        head = t.headline.removeprefix(warning.prefix) if warning.prefix else t.headline
        if pattern.match(head):
            head = pattern.sub(label, head, count=1)
        if len(warning.prefix + head) > HEADLINE_MAX:  # a longer label must not block the
            head = f"{label} {warning.event_name(lang)}"  # escalation: the area stays in the
        short = pattern.sub(label, t.short, count=1) if t.short else t.short  # text and CAP
        texts[lang] = replace(t, headline=head, short=short)
    return replace(warning, level=level, texts=texts)


def _refs(original: Warning, still_valid: Iterable[Warning | Reference]) -> tuple[Reference, ...]:
    seen: dict[tuple[str, str], Reference] = {}
    for item in (original, *still_valid):
        ref = item.as_reference() if isinstance(item, Warning) else item
        seen.setdefault((ref.sender, ref.identifier), ref)
    return tuple(sorted(seen.values(), key=lambda r: r.sent))


def _next_sequence(original: Warning, *messages: Iterable[Warning | Reference]) -> int:
    """One more than the highest sequence of the incident: counted over every message given
    (expired ones too), so an identifier is never issued twice."""
    seqs = [original.sequence]
    for group in messages:
        for item in group:
            if isinstance(item, Warning) and item.incident == original.incident:
                seqs.append(item.sequence)
    return max(seqs) + 1


def update(original: Warning, replacement: Warning | None = None, *, now: datetime,
           still_valid: Iterable[Warning | Reference] = (), expires: datetime | None = None,
           level: Level | None = None, history: Iterable[Warning] = (),
           previous: Warning | None = None) -> Warning:
    """The CAP Update of ``original``: same incident, referencing it and ``still_valid``.

    ``replacement`` carries the new texts (built with any builder); without one the original
    is re-issued, e.g. with a later ``expires`` or another ``level`` (the headlines then
    carry the new level's label, see :func:`relabel`). ``history`` is every
    message of the incident sent so far (expired ones too): the new sequence number is
    higher than all of them. ``previous`` is the message the update follows (default: the
    latest of those given): the update says "Aktualisierung" and what changed since then.
    """
    still_valid = tuple(still_valid)
    history = tuple(history)
    base = replacement or original
    if level is not None and base.level is not None and level != base.level:
        base = relabel(base, level)
    sent = localize(now, original.sent.tzinfo or "Europe/Berlin")
    new = replace(
        base,
        incident=original.incident,
        status=original.status,
        msg_type=MsgType.UPDATE,
        references=_refs(original, still_valid),
        sequence=_next_sequence(original, still_valid, history),
        sent=sent,
        effective=sent if replacement is None else base.effective,
        expires=expires or base.expires,
        level=level or base.level,
        sender=original.sender,
    )
    return mark_update(new, previous or _latest(original, (*still_valid, *history)))


def _latest(original: Warning, messages: Iterable[Warning | Reference]) -> Warning:
    """The incident's latest message among those given (the one an update follows)."""
    mine = [m for m in messages if isinstance(m, Warning) and m.incident == original.incident]
    return max((original, *mine), key=lambda m: m.sequence)


# --- what an update changes ------------------------------------------------------------------

class Change(StrEnum):
    """What an update changes compared with the message before it."""

    LEVEL = "level"
    EVENT = "event"
    AREA = "area"
    HEADLINE = "headline"
    DESCRIPTION = "description"
    INSTRUCTION = "instruction"
    EXPIRY = "expiry"


# "Aktualisierung" goes after the level label of an update's headline; the "Neu:" line (or,
# for a deliberate repeat, the "unchanged" sentence) opens its description. hsb: drafts.
UPDATE_WORDS: Mapping[str, Mapping[str, str]] = {
    "de": {"marker": "Aktualisierung", "new": "Neu", "unchanged": "Die Warnung gilt "
           "unverändert weiter.", "up": "Warnstufe erhöht auf {label}",
           "down": "Warnstufe gesenkt auf {label}", "event": "Ereignis jetzt {event}",
           "area": "Gebiet geändert", "description": "neue Informationen zur Lage",
           "instruction": "neue Verhaltenshinweise", "later": "verlängert bis {until}",
           "earlier": "verkürzt bis {until}"},
    "hsb": {"marker": "Aktualizacija", "new": "Nowe", "unchanged": "Warnowanje płaći "
            "njezměnjene dale.", "up": "schodźenk warnowanja zwyšeny na {label}",
            "down": "schodźenk warnowanja pomjeńšeny na {label}",
            "event": "podawk nětko {event}", "area": "wobłuk změnjeny",
            "description": "nowe informacije wo położenju", "instruction": "nowe pokiwy",
            "later": "podlěšene hač do {until}", "earlier": "skrótšene hač do {until}"},
}
UPDATE_REVIEW = frozenset({"hsb"})
_ORDER = {Level.LOW: 0, Level.MEDIUM: 1, Level.HIGH: 2}


def _words(lang: str) -> Mapping[str, str]:
    return UPDATE_WORDS.get(lang) or UPDATE_WORDS["de"]


def _bare_headline(w: Warning, lang: str, headline: str) -> str:
    """The headline without status prefix, level label and update marker: what was written."""
    head = headline.removeprefix(w.prefix) if w.prefix else headline
    label = _label_pattern(lang).match(head)
    head = head[label.end():].strip() if label else head
    return head.removeprefix(f"{_words(lang)['marker']} - ")


def _bare_description(lang: str, description: str) -> str:
    """The description without an update's opening line (the "Neu:" line of a follow-up)."""
    words = _words(lang)
    first, sep, rest = description.partition("\n\n")
    if first.startswith(f"{words['new']}: ") or first == words["unchanged"]:
        return rest
    return description


def changes(previous: Warning, new: Warning) -> tuple[Change, ...]:
    """What ``new`` changes compared with ``previous`` (the incident's latest message), in
    a fixed order; empty means nothing changed, so an update would repeat the warning.
    Update markers ("Aktualisierung", the "Neu:" line) are not counted as changes."""
    out = []
    if previous.level != new.level:
        out.append(Change.LEVEL)
    if previous.event != new.event:
        out.append(Change.EVENT)
    if previous.area != new.area:
        out.append(Change.AREA)
    langs = tuple(dict.fromkeys((*previous.langs, *new.langs)))
    old = {lang: previous.texts.get(lang, WarningText()) for lang in langs}
    now = {lang: new.texts.get(lang, WarningText()) for lang in langs}
    if any(_bare_headline(previous, x, old[x].headline) != _bare_headline(new, x, now[x].headline)
           for x in langs):
        out.append(Change.HEADLINE)
    if any(_bare_description(x, old[x].description) != _bare_description(x, now[x].description)
           or old[x].short != now[x].short for x in langs):
        out.append(Change.DESCRIPTION)
    if any(old[x].instruction != now[x].instruction for x in langs):
        out.append(Change.INSTRUCTION)
    if previous.expires != new.expires:
        out.append(Change.EXPIRY)
    return tuple(out)


def news_line(previous: Warning, new: Warning, lang: str) -> str:
    """The short line that opens an update: ``Neu: Warnstufe erhöht auf Extreme Gefahr;
    verlängert bis 30.11.2026, 06:00 Uhr.``, or that the warning stands unchanged."""
    words, found = _words(lang), changes(previous, new)
    parts = []
    for change in found:
        if change is Change.LEVEL and new.level is not None:
            up = previous.level is None or _ORDER[new.level] > _ORDER[previous.level]
            parts.append(words["up" if up else "down"].format(
                label=level_info(new.level).label(lang)))
        elif change is Change.EXPIRY and new.expires is not None:
            later = previous.expires is None or new.expires > previous.expires
            parts.append(words["later" if later else "earlier"].format(
                until=human_time(new.expires.astimezone(new.sent.tzinfo), lang)))
        elif change is Change.EVENT:
            parts.append(words["event"].format(event=new.event_name(lang)))
        elif change in (Change.AREA, Change.DESCRIPTION, Change.INSTRUCTION):
            parts.append(words[str(change)])
    if not parts:
        return words["unchanged"] if not found else ""
    return f"{words['new']}: {'; '.join(parts)}."


def mark_update(w: Warning, previous: Warning) -> Warning:
    """Every language of an update says so: "Aktualisierung" after the level label, and the
    "Neu:" line naming what changed since ``previous`` first in the description."""
    texts = {}
    for lang, t in w.texts.items():
        words = _words(lang)
        bare = _bare_headline(w, lang, t.headline)
        label = f"{level_info(w.level).label(lang)}: " if w.level is not None else ""
        head = f"{label}{words['marker']} - {bare}"
        if len(w.prefix + head) > HEADLINE_MAX:
            head = f"{label}{words['marker']} - {w.event_name(lang)}"
        line = news_line(previous, w, lang)
        body = _bare_description(lang, t.description)
        desc = "\n\n".join(x for x in (line, body) if x)
        review = (*t.review, "update text") if lang in UPDATE_REVIEW else t.review
        texts[lang] = replace(t, headline=head, description=desc,
                              review=tuple(dict.fromkeys(review)))
    return replace(w, texts=texts)


# When no template of the event has its own all-clear texts: what is over, and what people
# may do again. Kept short, so an all-clear fits wherever its warning did (the first sentence
# of the instruction is the short text's action). hsb: drafts.
ALLCLEAR_TEXTS: Mapping[str, tuple[str, str]] = {
    "de": ("Die Gefahr ist vorüber. Die Warnung ist aufgehoben.",
           "Bewegen Sie sich im Gebiet wieder frei. Achten Sie noch auf mögliche Schäden."),
    "hsb": ("Strach je nimo. Warnowanje je zběhnjene.",
            "Hibajće so we wobłuku zaso swobodnje. Kedźbujće hišće na móžne škody."),
}
# Named in the description only when the headline had to leave the area out.
AREA_WORDS: Mapping[str, str] = {"de": "Gebiet", "hsb": "Wobłuk"}


def allclear_words(event: str, lang: str, templates: Path | None = None) -> tuple[str, str]:
    """(what is over, what people may do again) for the all-clear of ``event``: the texts of
    the event's template (the city's from ``templates`` first), else the general ones."""
    return (allclear_texts(event, lang, templates) or ALLCLEAR_TEXTS.get(lang)
            or ALLCLEAR_TEXTS["de"])


def allclear_headline(warning: Warning, lang: str) -> str:
    """``Entwarnung: <event> - <area>``; without the area when that would pass the headline
    limit (the area stays in the description and the CAP area): the all-clear is written
    by citychan, so it must never be the message that cannot be sent."""
    label, event = allclear_label(lang), warning.event_name(lang)
    full = f"{label}: {event} - {warning.area.description(lang)}"
    return full if len(warning.prefix + full) <= HEADLINE_MAX else f"{label}: {event}"


def allclear(original: Warning, still_valid_messages: Iterable[Warning | Reference] = (), *,
             now: datetime, details: Mapping[str, str] | None = None,
             history: Iterable[Warning] = (), current: Warning | None = None,
             templates: Path | None = None) -> Warning:
    """The Entwarnung: CAP msgType Cancel, responseType AllClear, referencing ``original``
    and every still-valid message of the incident given; ``history`` (every message sent so
    far) keeps its sequence number above all of them. ``current`` is the incident's latest
    message (default: ``original``): the all-clear names its event and area.

    ``details`` are per language and never copied into another language: a language
    without them gets a warning finding."""
    still_valid = tuple(still_valid_messages)
    base = current or original
    sent = localize(now, original.sent.tzinfo or "Europe/Berlin")
    texts: dict[str, WarningText] = {}
    findings: list[Finding] = []
    extras = {k: v.strip() for k, v in (details or {}).items() if v and v.strip()}
    for lang in base.langs:
        desc, instr = allclear_words(base.event, lang, templates)
        area, headline = base.area.description(lang), allclear_headline(base, lang)
        if area and area not in headline:  # left out to fit: said once in the text
            desc = f"{desc} {AREA_WORDS.get(lang, AREA_WORDS['de'])}: {area}."
        review = ("all-clear text",) if lang in ALLCLEAR_REVIEW else ()
        texts[lang] = WarningText(
            headline=headline,
            description=" ".join(f"{desc} {extras.get(lang, '')}".split()),
            instruction=instr,
            review=review,
        )
        if extras and lang not in extras:
            findings.append(warning_finding(
                "CC003", f"{lang}: the details were given only in {', '.join(extras)}",
                hint=f"the {lang} all-clear goes out without them"))
    return replace(
        base,
        texts=texts,
        msg_type=MsgType.CANCEL,
        response_type=ResponseType.ALL_CLEAR,
        references=_refs(original, still_valid),
        sequence=_next_sequence(original, still_valid, history, (base,)),
        sent=sent,
        effective=sent,
        expires=sent + ALLCLEAR_LIFETIME,
        template=None,
        incident=original.incident,
        status=original.status,
        sender=original.sender,
        findings=tuple(findings),
    )
