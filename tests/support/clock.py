"""A wall clock for tests that reads a set local time and keeps running at real speed."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


class Clock:
    """Stands in for citychan.clock.now: runs at real speed from a set start."""

    def __init__(self) -> None:
        self.set(10, 0)

    def set(self, hour: int, minute: int = 0, days: int = 0) -> None:
        """Moves the clock to HH:MM local time today (plus days); it keeps running."""
        today = datetime.now(ZoneInfo("Europe/Berlin")).replace(
            hour=hour, minute=minute, second=0, microsecond=0)
        self._start, self._mono = today + timedelta(days=days), time.monotonic()

    def __call__(self, timezone: str) -> datetime:
        now = self._start + timedelta(seconds=time.monotonic() - self._mono)
        return now.astimezone(ZoneInfo(timezone))
