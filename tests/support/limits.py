"""A limit cache in memory for channel tests (citychan's own is the store's channel_limits):
``MemoryLimits({"mastodon": 500})`` is a Mastodon whose instance limit was read before, so
that a test of the status request sees no ``GET /api/v2/instance``;
``MemoryLimits({"mastodon": {"max_characters": 500, "characters_reserved_per_url": 30}})``
names each value."""

from __future__ import annotations

from datetime import timedelta


class MemoryLimits:
    """Values by channel and key name (the key up to its ``@instance``); every one fresh. A
    bare number for a channel is its ``max_characters``. ``puts`` records writes."""

    def __init__(self, known: dict[str, int | dict[str, int]] | None = None) -> None:
        self.known: dict[str, dict[str, int]] = {
            channel: dict(value) if isinstance(value, dict) else {"max_characters": value}
            for channel, value in (known or {}).items()}
        self.puts: list[tuple[str, str, int]] = []

    def get(self, channel: str, key: str, max_age: timedelta) -> int | None:
        return self.known.get(channel, {}).get(key.partition("@")[0])

    def put(self, channel: str, key: str, value: int) -> None:
        self.puts.append((channel, key, value))
        self.known.setdefault(channel, {})[key.partition("@")[0]] = value
