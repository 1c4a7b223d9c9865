"""The short text for the tightest channels (≤ 280 chars) and the cell-broadcast readiness
check (GSM 03.38 / UCS-2 counting).

The short text is composed on purpose from the five elements of a warning, in the order
people need them: source, hazard, location, action, time. It is never cut: when it cannot
fit, the rule names the element to shorten.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from citychan.alerts.levels import MsgType, allclear_label, level_info
from citychan.alerts.timeutil import human_time
from citychan.alerts.warning import UPDATE_WORDS, Warning

SHORT_MAX = 280
ELEMENTS = ("source", "hazard", "location", "action", "time")
TIME_WORDS: Mapping[str, tuple[str, str]] = {
    "de": ("Gültig bis", "Stand"),
    "hsb": ("Płaćiwe hač do", "Staw"),  # drafts, see SHORT_REVIEW
}
SHORT_REVIEW = frozenset({"hsb"})
# An all-clear may leave these out to fit: its action is generic and its place is in the
# CAP area. It must always be sendable when its warning was.
CANCEL_OPTIONAL = frozenset({"action", "location"})

# GSM 03.38 default alphabet (ESC 0x1B left out: it only introduces the extension table).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")  # each costs two septets (ESC + char)
CB_LIMITS = {"GSM-7": 1395, "UCS-2": 615}  # 15 pages of 93 septets / 41 UCS-2 chars


@dataclass(frozen=True)
class ShortParts:
    """The five elements of a short text in one language."""

    source: str
    hazard: str
    location: str
    action: str
    time: str

    def compose(self, prefix: str = "") -> str:
        place = f", {self.location}" if self.location else ""
        lead = f"{prefix}{self.source} - {self.hazard}{place}."
        return " ".join(x for x in (lead, self.action, f"{self.time}." if self.time else "") if x)


def first_sentence(text: str) -> str:
    """The first sentence: the templates put the most important action first."""
    m = re.match(r"(.+?[.!?])(\s|$)", text.strip(), re.S)
    return (m.group(1) if m else text).strip()


def short_parts(warning: Warning, lang: str) -> ShortParts:
    """The five elements, taken from the warning (not from its long texts' wording)."""
    words = TIME_WORDS.get(lang, TIME_WORDS["de"])
    when: datetime | None
    if warning.msg_type is MsgType.CANCEL:
        label, until, when = allclear_label(lang), words[1], warning.sent
    else:
        label = level_info(warning.level).label(lang) if warning.level else ""
        until, when = words[0], warning.expires
    event = warning.event_name(lang)
    if warning.msg_type is MsgType.UPDATE:  # an update must not read as a repeat
        event = f"{(UPDATE_WORDS.get(lang) or UPDATE_WORDS['de'])['marker']} - {event}"
    return ShortParts(
        source=warning.sender_name or warning.sender,
        hazard=f"{label}: {event}" if label else event,
        location=warning.area.description(lang),
        action=first_sentence(warning.texts[lang].instruction if lang in warning.texts else ""),
        time=f"{until} {human_time(when, lang)}" if when else "",
    )


def short_text(warning: Warning, lang: str) -> str:
    """The short text of ``lang``: the hand-written ``summary`` if there is one, else composed
    from source, hazard, location, action and time. Prefixed ÜBUNG/TEST; never truncated."""
    own = warning.texts.get(lang)
    if own is not None and own.short:
        return warning.text(lang).short or ""
    parts = short_parts(warning, lang)
    text = parts.compose(warning.prefix)
    if warning.msg_type is MsgType.CANCEL and len(text) > SHORT_MAX:
        for fewer in (replace(parts, action=""), replace(parts, action="", location="")):
            text = fewer.compose(warning.prefix)
            if len(text) <= SHORT_MAX:
                break
    return text


def element_needles(warning: Warning, lang: str) -> dict[str, list[str]]:
    """Acceptable forms of each element in a text: hand-written summaries paraphrase, so a
    significant word of the sender or the area counts too."""
    parts = short_parts(warning, lang)
    label = parts.hazard.partition(":")[0] if ":" in parts.hazard else ""

    def words(text: str) -> list[str]:
        return [x for x in re.split(r"[\s,;/-]+", text) if len(x) >= 4]

    return {
        "source": [parts.source, *words(parts.source)],
        "hazard": [warning.event_name(lang), label],
        "location": [parts.location, *words(parts.location)],
        "action": [parts.action, " ".join(parts.action.split()[:2])],
        "time": [parts.time],
    }


_CLOCK = re.compile(r"\b\d{1,2}[:.]\d{2}\b")


def _first(text: str, needles: list[str], start: int, clock: bool) -> int | None:
    low = text.casefold()
    hits = [low.find(n.casefold(), start) for n in needles if n.strip()]
    if clock and (m := _CLOCK.search(text, start)):
        hits.append(m.start())
    hits = [h for h in hits if h >= 0]
    return min(hits) if hits else None


def order_problems(text: str, warning: Warning, lang: str) -> tuple[list[str], list[str]]:
    """(missing elements, elements that come too early) of ``text``, walking the elements
    in order: each must appear after the one before it."""
    missing: list[str] = []
    early: list[str] = []
    pos = 0
    for element, needles in element_needles(warning, lang).items():
        clock = element == "time"
        at = _first(text, needles, pos, clock)
        if at is not None:
            pos = at
        elif _first(text, needles, 0, clock) is not None:
            early.append(element)
        else:
            missing.append(element)
    return missing, early


# --- cell broadcast ------------------------------------------------------------------------

@dataclass(frozen=True)
class CellBroadcastCount:
    """How a text counts in a cell broadcast, and whether it fits 15 pages."""

    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets for GSM-7 (extension chars count 2), UTF-16 units for UCS-2
    limit: int
    forcing_ucs2: tuple[str, ...] = ()  # the characters outside GSM-7, in order of appearance

    @property
    def fits(self) -> bool:
        return self.units <= self.limit


def cell_broadcast_count(text: str) -> CellBroadcastCount:
    """Count ``text`` as a cell broadcast would: GSM-7 when every character is in the
    GSM 03.38 alphabet, else UCS-2 (one Sorbian ě, ł, ć or ř is enough)."""
    outside = tuple(dict.fromkeys(c for c in text if c not in GSM7_BASIC | GSM7_EXTENSION))
    if outside:
        units = len(text.encode("utf-16-le")) // 2
        return CellBroadcastCount("UCS-2", units, CB_LIMITS["UCS-2"], outside)
    units = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
    return CellBroadcastCount("GSM-7", units, CB_LIMITS["GSM-7"])


def cell_broadcast_text(warning: Warning, lang: str) -> str:
    """The full warning of one language as a cell broadcast would carry it."""
    t, parts = warning.text(lang), short_parts(warning, lang)
    lines = [f"{parts.source}: {t.headline}", t.description, t.instruction, parts.time]
    return "\n".join(line for line in lines if line)
