"""The channel_limits table: what a channel read from its server (Mastodon's limit), kept
with when, trusted for a while; and the cache channels get, which never creates a store
and never fails a delivery."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import timedelta
from pathlib import Path

from citychan.store.db import Store
from citychan.store.limits import ChannelLimits, StoredLimits
from tests.support.clock import Clock

DAY = timedelta(days=1)
KEY = "max_characters@social.bautzen.de"


def test_a_limit_is_kept_per_channel_and_key_and_replaced(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        limits = ChannelLimits(store)
        assert limits.get("masto", KEY, DAY) is None
        limits.put("masto", KEY, 500)
        limits.put("masto", KEY, 5000)
        limits.put("masto-hsb", KEY, 1000)
        assert limits.get("masto", KEY, DAY) == 5000
        assert limits.get("masto-hsb", KEY, DAY) == 1000
        assert limits.get("masto", "max_characters@other.example", DAY) is None


def test_a_limit_older_than_its_age_is_not_trusted(tmp_path: Path, clock: Clock) -> None:
    with Store.open(tmp_path / "s.db") as store:
        limits = ChannelLimits(store)
        clock.set(10, 0)
        limits.put("masto", KEY, 5000)
        clock.set(9, 0, days=1)  # 23 hours later
        assert limits.get("masto", KEY, DAY) == 5000
        clock.set(10, 1, days=1)
        assert limits.get("masto", KEY, DAY) is None
        clock.set(9, 0)  # read "in the future": a clock that jumped; not trusted
        assert limits.get("masto", KEY, DAY) is None


def test_the_cache_opens_the_store_only_for_a_look_up(tmp_path: Path) -> None:
    path = tmp_path / "out" / "citychan.db"
    cache = StoredLimits(path)
    assert cache.get("masto", KEY, DAY) is None
    assert not path.exists()  # preview and dry run leave no store behind
    cache.put("masto", KEY, 5000)  # while sending: the post has made the store
    assert cache.get("masto", KEY, DAY) == 5000
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("SELECT channel, key, value FROM channel_limits").fetchall() == [
            ("masto", KEY, 5000)]


def test_a_broken_store_file_is_no_cache(tmp_path: Path) -> None:
    path = tmp_path / "citychan.db"
    path.write_bytes(b"this is not a database" * 100)
    cache = StoredLimits(path)
    assert cache.get("masto", KEY, DAY) is None
    cache.put("masto", KEY, 5000)  # no exception: the delivery goes on
    assert path.read_bytes().startswith(b"this is not a database")
