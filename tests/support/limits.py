"""A limit cache in memory for channel tests (citychan's own is the store's channel_limits):
``MemoryLimits({"mastodon": 500})`` is a Mastodon whose instance limit was read before, so
that a test of the status request sees no ``GET /api/v2/instance``."""

from __future__ import annotations

from datetime import timedelta


class MemoryLimits:
    """Values by channel name, whatever the key; every one fresh. ``puts`` records writes."""

    def __init__(self, known: dict[str, int] | None = None) -> None:
        self.known = dict(known or {})
        self.puts: list[tuple[str, str, int]] = []

    def get(self, channel: str, key: str, max_age: timedelta) -> int | None:
        return self.known.get(channel)

    def put(self, channel: str, key: str, value: int) -> None:
        self.puts.append((channel, key, value))
        self.known[channel] = value
