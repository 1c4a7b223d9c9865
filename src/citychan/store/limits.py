"""Limits a channel read from its server (Mastodon's ``max_characters``), kept with the time
they were read, so that the next plan knows them without asking the server. Table of
migration 4.

A cached limit is a hint, never a record: a store that cannot be read or written is simply
no cache, and the channel falls back to the limit its type declares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from citychan import clock
from citychan.errors import StoreError
from citychan.store.db import Location, Store


class ChannelLimits:
    """The ``channel_limits`` table: one value per channel and key, with when it was read."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, channel: str, key: str, max_age: timedelta) -> int | None:
        """The value read less than ``max_age`` ago, else None."""
        rows = self.store.query(
            "SELECT value, fetched FROM channel_limits WHERE channel=? AND key=?", (channel, key))
        if not rows:
            return None
        try:
            fetched = datetime.fromisoformat(rows[0]["fetched"])
        except (TypeError, ValueError):
            return None
        age = clock.utcnow() - fetched
        value = rows[0]["value"]
        fresh = timedelta(0) <= age < max_age  # one from the future is not trusted either
        return value if fresh and isinstance(value, int) else None

    def put(self, channel: str, key: str, value: int) -> None:
        """Keep ``value`` as read now."""
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT INTO channel_limits (channel, key, value, fetched) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (channel, key) DO UPDATE SET value=excluded.value, "
                "fetched=excluded.fetched",
                (channel, key, value, clock.utcnow().isoformat(timespec="seconds")),
            )


@dataclass(frozen=True)
class StoredLimits:
    """The limit cache channels get in their context (``ChannelContext.limits``): the store
    at ``location``, opened for each look-up, so that building the channels opens no store.
    ``get`` never creates the store file; ``put`` writes only during a send, when the post
    has created it already. Any store error makes a miss, never a failed delivery."""

    where: Location | Path

    @property
    def location(self) -> Location:
        return self.where if isinstance(self.where, Location) else Location(self.where)

    def get(self, channel: str, key: str, max_age: timedelta) -> int | None:
        if self.location.url is None and not self.location.path.is_file():
            return None
        try:
            with Store.open(self.location) as store:
                return ChannelLimits(store).get(channel, key, max_age)
        except StoreError:
            return None

    def put(self, channel: str, key: str, value: int) -> None:
        try:
            with Store.open(self.location) as store:
                ChannelLimits(store).put(channel, key, value)
        except StoreError:
            pass  # read again next time
