"""The one wall clock: rules, records, feeds and rate-limit waits all read it here, so that
tests set it in one place (``monkeypatch.setattr("citychan.clock.now", ...)``)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def now(timezone: str) -> datetime:
    """The current time in the given time zone (the city's, or "UTC")."""
    return datetime.now(ZoneInfo(timezone))


def utcnow() -> datetime:
    """The current time in UTC, as the store records it. Reads :func:`now` at call time, so
    a test clock set there applies here too."""
    return now("UTC")
