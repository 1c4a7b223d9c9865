"""When a scheduled post is due: ``post --at`` as people write it. ISO (``2026-12-07 07:00``,
``2026-12-07T07:00``, with or without an offset), German (``07.12.2026 07:00``, also
``7.12.2026, 7:00 Uhr``) or ``next``: the next time the quiet hours allow. City time, read
through :mod:`citychan.timeparse`, so an hour the clocks skip or pass twice is refused with a
hint, never guessed."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from citychan.config import InfoRules
from citychan.errors import UsageError
from citychan.notices.rules import in_quiet_hours
from citychan.timeparse import city_time, zone

NEXT = "next"
MAX_AHEAD = timedelta(days=366)  # further ahead than a year is a typo, not a plan
_GERMAN = re.compile(
    r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})(?:,?\s+(?:um\s+)?"
    r"(?P<H>\d{1,2})[:.](?P<M>\d{2})(?:\s*Uhr)?)?$", re.IGNORECASE)
_HINT = "write it as 2026-12-07 07:00, 07.12.2026 07:00 or next (when quiet hours end)"


def due_time(text: str, *, now: datetime, rules: InfoRules, tz: str) -> datetime:
    """The time ``--at`` means, in city time; refused (UsageError, exit 2) when it cannot be
    read, has no time of day, does not exist or happens twice there, lies in the past, or
    more than a year ahead."""
    raw = " ".join(text.split())
    if raw.casefold() == NEXT:
        return next_allowed(now, rules, tz)
    when = _german(raw) if _GERMAN.match(raw) else _iso(raw)
    try:
        at = city_time(when, tz)
    except UsageError as exc:
        raise UsageError(f"--at: {exc.message}", hint=exc.hint) from None
    if at < now.replace(second=0, microsecond=0):
        raise UsageError(f"--at: {at:%Y-%m-%d %H:%M} is in the past (now {now:%Y-%m-%d %H:%M})",
                         hint="give a later time, or post now without --at")
    if at - now > MAX_AHEAD:
        raise UsageError(f"--at: {at:%Y-%m-%d} is more than a year ahead", hint=_HINT)
    return at


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
        raise UsageError(f"--at: {raw!r} has no time of day", hint=_HINT)
    try:
        return datetime(int(m.group("y")), int(m.group("m")), int(m.group("d")),
                        int(m.group("H")), int(m.group("M")))
    except ValueError as exc:
        raise UsageError(f"--at: cannot read {raw!r} as a time ({exc})", hint=_HINT) from None


def _iso(raw: str) -> datetime:
    if ":" not in raw:
        raise UsageError(f"--at: {raw!r} has no time of day" if raw[:4].isdigit()
                         else f"--at: cannot read {raw!r} as a time", hint=_HINT)
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        raise UsageError(f"--at: cannot read {raw!r} as a time", hint=_HINT) from None
