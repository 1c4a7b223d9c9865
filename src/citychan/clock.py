"""The one place that reads the wall clock for rules and records, so that tests can set it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def now(timezone: str) -> datetime:
    """The current time in the city's time zone."""
    return datetime.now(ZoneInfo(timezone))
