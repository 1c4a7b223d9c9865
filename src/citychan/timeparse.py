"""Times as people write them: ``2h``, ``+6h``, ``90m``, ``1h30m``, ``1d``, a clock time
``23:00`` (the next one: today, or tomorrow when it has passed), a German date and time
``30.11.2026 06:00`` or an ISO date-time, all in city time. A duration is real elapsed time
(``6h`` across the March clock change is six hours, not five); a local time the clocks skip
(``2026-03-29T02:30`` in Berlin) or pass twice (``2026-10-25T02:30``) is refused with a hint,
never guessed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo

from citychan.errors import UsageError
from citychan.i18n import N_

CITY_TZ = "Europe/Berlin"
MAX_DURATION = timedelta(days=3660)  # ten years: anything longer is a typo, not a notice
FIRST_YEAR, LAST_YEAR = 1970, 2999  # beyond them a year is a typo (and 0001 has no offset)
_DURATION = re.compile(
    r"^\s*(?:(?P<d>[0-9]+)\s*d)?\s*(?:(?P<h>[0-9]+)\s*h)?\s*(?:(?P<m>[0-9]+)\s*m(?:in)?)?\s*$")
_CLOCK = re.compile(r"^\s*(?P<H>[0-9]{1,2})[:.](?P<M>[0-9]{2})(?:\s*Uhr)?\s*$", re.I)
_GERMAN = re.compile(
    r"^\s*(?P<d>[0-9]{1,2})\.(?P<m>[0-9]{1,2})\.(?P<y>[0-9]{4})\s*,?\s*"
    r"(?:(?P<H>[0-9]{1,2})[:.](?P<M>[0-9]{2})(?:\s*Uhr)?)?\s*$", re.I)
_HINT = N_("use a duration like 2h or +90m, a clock time like 23:00, a date and time like "
           "30.11.2026 06:00, or an ISO time like 2026-11-28T16:00")


class Day(StrEnum):
    """Which day a bare clock time (``23:00``) was read as."""

    TODAY = "today"
    TOMORROW = "tomorrow"


@dataclass(frozen=True)
class Reading:
    """A time as read: when, and for a bare clock time which day it fell on (said back to
    the person, so "23:00" at 23:30 visibly means tomorrow)."""

    at: datetime
    day: Day | None = None


def zone(tz: str | tzinfo) -> tzinfo:
    """A tzinfo from a name such as ``Europe/Berlin`` (or the tzinfo itself)."""
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def parse_duration(text: str) -> timedelta | None:
    """``2h``, ``90m``, ``1h30m``, ``1d`` -> timedelta; None when ``text`` is no duration.
    A duration over ten years raises UsageError (``99999999d`` is a typo)."""
    m = _DURATION.match(text.strip().removeprefix("+"))
    if not m or not any(m.groupdict().values()):
        return None
    # digit strings are checked before int(): a 5,000-digit number is refused, not parsed
    d, h, mins = (m.group(k) or "0" for k in ("d", "h", "m"))
    if max(len(d), len(h), len(mins)) > 9:
        raise _too_long(text)
    delta = timedelta(days=int(d), hours=int(h), minutes=int(mins))
    if delta > MAX_DURATION:
        raise _too_long(text)
    return delta


def _too_long(text: str) -> UsageError:
    return UsageError(N_("{text!r} is longer than ten years").format(text=text.strip()), hint=_HINT)


def check_when_text(text: str) -> None:
    """Raise UsageError unless ``text`` reads as a duration or an ISO date or date-time:
    the check that needs no time zone (``2026-02-30`` fails here)."""
    if parse_duration(text) is not None:
        return
    clock = _CLOCK.match(text)
    if clock:
        _clock(clock, text)
        return
    german = _GERMAN.match(text)
    if german:
        _german(german, text)
        return
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise UsageError(N_("cannot read {text!r} as a time ({reason})").format(
                             text=text.strip(), reason=date_reason(exc)),
                         hint=_HINT) from None
    if not FIRST_YEAR <= when.year <= LAST_YEAR:
        raise UsageError(N_("{when} is outside {first_year}-{last_year}").format(
                             when=when.date().isoformat(), first_year=FIRST_YEAR,
                             last_year=LAST_YEAR),
                         hint=_HINT)


# Python's reasons for a date or time it cannot make (datetime's own words, kept in English)
# as msgids, so that the interface's language says them too; any other reason is shown as
# Python gave it
_REASONS: dict[str, str] = {r: r for r in (
    N_("day is out of range for month"), N_("month must be in 1..12"),
    N_("hour must be in 0..23"), N_("minute must be in 0..59"))}


def date_reason(exc: ValueError) -> str:
    """Why a date or time could not be made: Python's reason, as a message the interface
    translates for the common cases."""
    said = str(exc)
    if said.startswith("Invalid isoformat"):
        return N_("not a duration or ISO time")
    return _REASONS.get(said, said)


def parse_when(value: object, *, base: datetime, tz: str | tzinfo = CITY_TZ,
               what: str = "expires") -> datetime:
    """A duration after ``base`` (in elapsed time), a clock time (the next one after
    ``base``), a German or ISO date-time; naive times are city time and must exist exactly
    once there. A datetime or date object is accepted too."""
    return read_when(value, base=base, tz=tz, what=what).at


def read_when(value: object, *, base: datetime, tz: str | tzinfo = CITY_TZ,
              what: str = "expires") -> Reading:
    """Like :func:`parse_when`, and for a bare clock time also which day it was read as."""
    try:
        if isinstance(value, datetime):
            return Reading(city_time(value, tz))
        if isinstance(value, date):
            return Reading(city_time(datetime(value.year, value.month, value.day), tz))
        text = str(value).strip()
        delta = parse_duration(text)
        if delta is not None:
            return Reading(after(base, delta, tz))
        clock = _CLOCK.match(text)
        if clock:
            return next_clock(_clock(clock, text), base, tz)
        german = _GERMAN.match(text)
        if german:
            return Reading(city_time(_german(german, text), tz))
        try:
            when = datetime.fromisoformat(text)
        except ValueError as exc:
            raise UsageError(N_("cannot read {text!r} as a time ({reason})").format(
                                 text=text, reason=date_reason(exc)),
                             hint=_HINT) from None
        return Reading(city_time(when, tz))
    except UsageError as exc:
        raise UsageError(N_("{what}: {problem}").format(what=what, problem=exc.message),
                         hint=exc.hint) from None
    except OverflowError:
        raise UsageError(N_("{what}: {value!s} is outside the calendar").format(
                             what=what, value=value), hint=_HINT) from None


def _clock(m: re.Match[str], text: str) -> time:
    hour, minute = int(m.group("H")), int(m.group("M"))
    if hour > 23 or minute > 59:
        raise UsageError(N_("{text} is no time of day").format(text=repr(text.strip())),
                         hint=_HINT)
    return time(hour, minute)


def _german(m: re.Match[str], text: str) -> datetime:
    if m.group("H") is None:
        raise UsageError(N_("{text!r} has no time of day").format(text=text.strip()),
                         hint=N_("add one: {text} 06:00").format(text=text.strip()))
    try:
        return datetime(int(m.group("y")), int(m.group("m")), int(m.group("d")),
                        *(_clock(m, text).hour, _clock(m, text).minute))
    except ValueError as exc:
        raise UsageError(N_("cannot read {text!r} as a time ({reason})").format(
                             text=text.strip(), reason=date_reason(exc)),
                         hint=_HINT) from None


def next_clock(at: time, base: datetime, tz: str | tzinfo = CITY_TZ) -> Reading:
    """The next ``at`` after ``base`` in city time: today, or tomorrow when it has passed
    (or is now). It must exist exactly once on that day."""
    start = localize(base if base.tzinfo is not None else city_time(base, tz), tz)
    local = start.replace(tzinfo=None)
    day, label = start.date(), Day.TODAY
    if datetime.combine(day, at) <= local:
        day, label = day + timedelta(days=1), Day.TOMORROW
    return Reading(city_time(datetime.combine(day, at), tz), label)


def after(base: datetime, delta: timedelta, tz: str | tzinfo = CITY_TZ) -> datetime:
    """``base`` plus ``delta`` of real time, in city time: the sum is taken in UTC, so a
    clock change in between neither adds nor takes an hour."""
    start = base if base.tzinfo is not None else city_time(base, tz)
    return localize(start.astimezone(UTC) + delta, tz)


def city_time(dt: datetime, tz: str | tzinfo = CITY_TZ) -> datetime:
    """An aware ``dt`` in city time; a naive one is read as city time and must exist exactly
    once there (not in the hour the clocks skip in spring or pass twice in autumn)."""
    z = zone(tz)
    if not FIRST_YEAR <= dt.year <= LAST_YEAR:
        raise UsageError(N_("{dt} is outside {first_year}-{last_year}").format(
                             dt=dt.date().isoformat(), first_year=FIRST_YEAR,
                             last_year=LAST_YEAR),
                         hint=_HINT)
    if dt.tzinfo is not None:
        return localize(dt, z)
    first, second = dt.replace(tzinfo=z, fold=0), dt.replace(tzinfo=z, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first.replace(microsecond=0)
    shown, name = dt.isoformat(timespec="minutes"), getattr(z, "key", str(z))
    if first.astimezone(UTC).astimezone(z).replace(tzinfo=None) != dt:
        raise UsageError(N_("{shown} does not exist in {name}: the clocks skip that hour").format(
                             shown=shown, name=name),
                         hint=N_("give a time before or after the change, or a duration like 6h"))
    raise UsageError(N_("{shown} happens twice in {name}: the clocks go back").format(
                         shown=shown, name=name),
                     hint=N_("add the offset: {shown}{offset} (the first) or "
                             "{shown}{offset2} (the second)").format(
                              shown=shown, offset=_offset(first), offset2=_offset(second)))


def _offset(dt: datetime) -> str:
    return dt.isoformat()[-6:]


def localize(dt: datetime, tz: str | tzinfo = CITY_TZ) -> datetime:
    """In city time, whole seconds; a naive ``dt`` is taken as city time already (for
    clock readings; times a person wrote go through :func:`city_time`)."""
    z = zone(tz)
    dt = dt.replace(tzinfo=z) if dt.tzinfo is None else dt.astimezone(z)
    return dt.replace(microsecond=0)
