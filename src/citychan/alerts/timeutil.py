"""Times of a warning: parsing "2h"/"90m"/ISO, the CAP format and the human format."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from citychan.errors import UsageError

CITY_TZ = "Europe/Berlin"
_DURATION = re.compile(
    r"^\s*(?:(?P<d>\d+)\s*d)?\s*(?:(?P<h>\d+)\s*h)?\s*(?:(?P<m>\d+)\s*m(?:in)?)?\s*$")


def zone(tz: str | tzinfo) -> tzinfo:
    """A tzinfo from a name such as ``Europe/Berlin`` (or the tzinfo itself)."""
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def parse_duration(text: str) -> timedelta | None:
    """``2h``, ``90m``, ``1h30m``, ``1d`` -> timedelta; None when ``text`` is no duration."""
    m = _DURATION.match(text)
    if not m or not any(m.groupdict().values()):
        return None
    d, h, mins = (int(m.group(k) or 0) for k in ("d", "h", "m"))
    return timedelta(days=d, hours=h, minutes=mins)


def parse_when(value: object, *, base: datetime, tz: str | tzinfo = CITY_TZ,
               what: str = "expires") -> datetime:
    """A duration after ``base`` or an ISO date-time; naive times are city time.

    YAML front matter may already hand us a datetime or date; both are accepted.
    """
    if isinstance(value, datetime):
        return localize(value, tz)
    if isinstance(value, date):
        return localize(datetime(value.year, value.month, value.day), tz)
    text = str(value).strip()
    delta = parse_duration(text)
    if delta is not None:
        return localize(base, tz) + delta
    try:
        return localize(datetime.fromisoformat(text), tz)
    except ValueError:
        raise UsageError(f"{what}: cannot read {text!r} as a time",
                         hint="use a duration like 2h or 90m, or an ISO time like "
                              "2026-11-28T16:00") from None


def localize(dt: datetime, tz: str | tzinfo = CITY_TZ) -> datetime:
    """In city time, whole seconds; a naive ``dt`` is taken as city time already."""
    z = zone(tz)
    dt = dt.replace(tzinfo=z) if dt.tzinfo is None else dt.astimezone(z)
    return dt.replace(microsecond=0)


def cap_time(dt: datetime) -> str:
    """CAP 1.2 dateTime: ``2026-11-28T14:05:00+01:00`` (offset, never Z, no fractions)."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("CAP times must be timezone-aware")
    return dt.replace(microsecond=0).isoformat(timespec="seconds")


def human_time(dt: datetime, lang: str) -> str:
    """How people read a time on a phone; German adds "Uhr", other languages stay neutral."""
    text = f"{dt:%d.%m.%Y}, {dt:%H:%M}"
    return f"{text} Uhr" if lang == "de" else text
