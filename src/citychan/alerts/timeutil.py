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
