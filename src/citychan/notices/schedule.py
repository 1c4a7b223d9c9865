"""When a scheduled post is due: ``post --at`` as people write it. ISO (``2026-12-07 07:00``,
``2026-12-07T07:00``, with or without an offset), German (``07.12.2026 07:00``, also
``7.12.2026, 7:00 Uhr``), a bare clock time (``00:58``: the next one, today while it is
still ahead, else tomorrow; said back as which day it was read as) or ``next``: the next
time the quiet hours allow. City time, read through :mod:`citychan.timeparse`, so an hour the
clocks skip or pass twice is refused with a hint, never guessed. There is no minimum lead
time: a time in the current minute or later is accepted (`run-due` sends it when due)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from citychan.config import InfoRules
from citychan.errors import UsageError
from citychan.i18n import N_
from citychan.notices.rules import in_quiet_hours
from citychan.timeparse import (
    Day,
    Reading,
    city_time,
    date_reason,
    next_clock,
    zone,
)

NEXT = "next"
MAX_AHEAD = timedelta(days=366)  # further ahead than a year is a typo, not a plan
_GERMAN = re.compile(
    r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})(?:,?\s+(?:um\s+)?"
    r"(?P<H>\d{1,2})[:.](?P<M>\d{2})(?:\s*Uhr)?)?$", re.IGNORECASE)
_CLOCK = re.compile(r"^(?:um\s+)?(?P<H>\d{1,2}):(?P<M>\d{2})(?:\s*Uhr)?$", re.IGNORECASE)
_HINT = N_("write it as 2026-12-07 07:00, 07.12.2026 07:00, 07:00 (the next one) or next "
           "(when quiet hours end)")


def due_time(text: str, *, now: datetime, rules: InfoRules, tz: str) -> datetime:
    """The time ``--at`` means, in city time; refused (UsageError, exit 2) when it cannot be
    read, has no time of day, does not exist or happens twice there, lies in the past, or
    more than a year ahead."""
    return read_due(text, now=now, rules=rules, tz=tz).at


def read_due(text: str, *, now: datetime, rules: InfoRules, tz: str) -> Reading:
    """Like :func:`due_time`, and for a bare clock time (``00:58``) also which day it was
    read as: today while it is still ahead, else tomorrow."""
    raw = " ".join(text.split())
    if raw.casefold() == NEXT:
        return Reading(next_allowed(now, rules, tz))
    try:
        reading = _reading(raw, now, tz)
    except UsageError as exc:
        raise UsageError(N_("{what}: {problem}").format(what="--at", problem=exc.message),
                         hint=exc.hint) from None
    at = reading.at
    if at < now.replace(second=0, microsecond=0):
        raise UsageError(N_("--at: {at:%Y-%m-%d %H:%M} is in the past (now {now:%Y-%m-%d "
                            "%H:%M})").format(at=at, now=now),
                         hint=N_("give a later time, or post now without --at"))
    if at - now > MAX_AHEAD:
        raise UsageError(N_("--at: {at:%Y-%m-%d} is more than a year ahead").format(
                             at=at), hint=_HINT)
    return reading


def clock_day(text: str, due: datetime, since: datetime, tz: str) -> Day | None:
    """Which day the bare clock time ``text`` was read as for a post due at ``due`` and
    scheduled at ``since``; None when ``text`` is no bare clock time."""
    if not _CLOCK.match(" ".join(text.split())):
        return None
    z = zone(tz)
    same = due.astimezone(z).date() == since.astimezone(z).date()
    return Day.TODAY if same else Day.TOMORROW


def _reading(raw: str, now: datetime, tz: str) -> Reading:
    clock = _CLOCK.match(raw)
    if clock:
        hour, minute = int(clock.group("H")), int(clock.group("M"))
        if hour > 23 or minute > 59:
            raise UsageError(N_("{text} is no time of day").format(text=repr(raw)), hint=_HINT)
        return next_clock(time(hour, minute), now, tz)
    return Reading(city_time(_german(raw) if _GERMAN.match(raw) else _iso(raw), tz))


def next_allowed(now: datetime, rules: InfoRules, tz: str) -> datetime:
    """Now, or when quiet hours end if they hold now (today's or tomorrow's end, in city
    time: an end the clocks skip becomes the first minute after the change)."""
    local = now.astimezone(zone(tz)).replace(microsecond=0)
    if rules.quiet_hours is None or not in_quiet_hours(local.time(), rules.quiet_hours):
        return local
    end = rules.quiet_hours[1]
    day = local.date() if local.time() < end else local.date() + timedelta(days=1)
    return _wall(day, end, tz)


def _wall(day: date, at: time, tz: str) -> datetime:
    """``at`` on ``day`` in city time; in a skipped hour, the same instant the clock then
    shows; when it happens twice, the first."""
    z = zone(tz)
    first = datetime.combine(day, at).replace(tzinfo=z, fold=0)
    return first.astimezone(UTC).astimezone(z)


def _german(raw: str) -> datetime:
    m = _GERMAN.match(raw)
    assert m is not None
    if m.group("H") is None:
        raise UsageError(N_("{raw!r} has no time of day").format(raw=raw), hint=_HINT)
    try:
        return datetime(int(m.group("y")), int(m.group("m")), int(m.group("d")),
                        int(m.group("H")), int(m.group("M")))
    except ValueError as exc:
        raise UsageError(N_("cannot read {raw!r} as a time ({reason})").format(
                             raw=raw, reason=date_reason(exc)), hint=_HINT) from None


def _iso(raw: str) -> datetime:
    if ":" not in raw:
        raise UsageError(N_("{raw!r} has no time of day").format(raw=raw) if raw[:4].isdigit()
                         else N_("cannot read {raw!r} as a time").format(raw=raw), hint=_HINT)
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        raise UsageError(N_("cannot read {raw!r} as a time").format(raw=raw), hint=_HINT) from None
