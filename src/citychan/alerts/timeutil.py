"""Times of a warning: the CAP format and the human format (reading them: timeparse)."""

from __future__ import annotations

from datetime import datetime

# Reading times moved to the leaf citychan.timeparse (notices check them too); these names
# stay importable from here for the warning domain.
from citychan.timeparse import (  # noqa: F401
    CITY_TZ,
    after,
    city_time,
    localize,
    parse_duration,
    parse_when,
    zone,
)


def cap_time(dt: datetime) -> str:
    """CAP 1.2 dateTime: ``2026-11-28T14:05:00+01:00`` (offset, never Z, no fractions)."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("CAP times must be timezone-aware")
    return dt.replace(microsecond=0).isoformat(timespec="seconds")


def human_time(dt: datetime, lang: str) -> str:
    """How people read a time on a phone; German adds "Uhr", other languages stay neutral."""
    text = f"{dt:%d.%m.%Y}, {dt:%H:%M}"
    return f"{text} Uhr" if lang == "de" else text


# Day words for a time inside a sentence; hsb drafts (flagged with the template texts).
_DAY_WORDS: dict[str, tuple[str, str, str]] = {
    "de": ("heute", "morgen", "um"),
    "hsb": ("dźensa", "jutře", "w"),
}


def spoken_time(dt: datetime, now: datetime, lang: str) -> str:
    """A time as a sentence says it: ``heute (29.11.) um 14:00 Uhr``, ``morgen (30.11.) um
    06:00 Uhr``, else ``am 02.12.2026 um 06:00 Uhr``. The date stays in brackets: a message
    read after midnight must not move the time by a day."""
    today, tomorrow, at = _DAY_WORDS.get(lang, _DAY_WORDS["de"])
    local = dt.astimezone(now.tzinfo) if now.tzinfo else dt
    clock = f"{local:%H:%M} Uhr" if lang == "de" else f"{local:%H:%M}"
    days = (local.date() - now.date()).days
    if days in (0, 1):
        return f"{today if days == 0 else tomorrow} ({local:%d.%m.}) {at} {clock}"
    return f"am {local:%d.%m.%Y} um {clock}" if lang == "de" else f"{local:%d.%m.%Y} {at} {clock}"


def day_note(text: str, at: datetime, day: str, lang: str = "de") -> str:
    """What a bare clock time was read as: ``23:00 = heute, 29.11.2026, 23:00 Uhr``."""
    today, tomorrow, _ = _DAY_WORDS.get(lang, _DAY_WORDS["de"])
    return f"{text.strip()} = {today if day == 'today' else tomorrow}, {human_time(at, lang)}"
