"""The website feed's cost per post does not grow with its archive.

One post into an archive of 20,000 entries (ten years of notices, about 170 a month) against
one post into an empty feed, in the same run, alternating, medians (target: <= 1.2x). "An
empty feed" is read as its second post: the first creates every file (folders too), every
later post replaces them as a post into the archive does, so the second is the like for like.
The first post and a post into a 10-entry feed are printed beside it. Every measured post does
all a real post does (its entry page, the front page, its month's page, feed.xml, feed.json,
each file fsync'd and renamed into place, and its entry kept in the store, an SQLite file, in
one write transaction, as every CLI run keeps it), in-process (FeedChannel.send).
``--folder`` measures the feed without a store (the entries as files in its folder).
Each sample starts from a settled disk (os.sync), and the setup's 40,000 files are let settle
before the first sample (see settle). Also: the largest page the 20,000-entry folder holds
after every page was written (target: <= 200 KB), and what taking over and rebuilding the
archive cost, and the longest time the rebuild held the store's write lock (one step of the
store, StoredFeeds.step): a rebuild writes the entry and month pages outside it, so posts from
other runs wait at most that long. ``--rebuild`` measures only the taking over and the rebuild.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _timing import verdict

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from citychan.channels.base import Dialect, Kind, Post, Rendered  # noqa: E402
from citychan.channels.feed import FeedChannel  # noqa: E402
from citychan.channels.feed_pages import month_of  # noqa: E402
from citychan.channels.feed_store import EntryStore, is_open, record  # noqa: E402
from citychan.store.feed_entries import StoredFeeds  # noqa: E402

ARCHIVE = 20_000
RUNS = 21
WARM = 5
RATIO_TARGET = 1.2
PAGE_TARGET_KB = 200.0
URL = "https://www.bautzen.de/aktuelles"
START = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
BODY = ("<p>Wegen Bauarbeiten an der Fernwärmeleitung ist die Töpferstraße zwischen "
        "Kornmarkt und Schülerstraße voll gesperrt. Die Umleitung ist ausgeschildert; "
        "Busse der Linien 1 und 4 fahren über die Steinstraße.</p>") * 6


FOLDER = "--folder" in sys.argv  # the entries in the feed's folder, not in a store
REBUILD_ONLY = "--rebuild" in sys.argv


class TimedFeeds:
    """The store's feed entries (StoredFeeds), timing each write step: each holds the
    store's write lock from its start to its commit."""

    def __init__(self, where: Path) -> None:
        self.stored = StoredFeeds(where)
        self.steps: list[float] = []

    @contextmanager
    def step(self, feed: str) -> Iterator[Any]:
        start = time.perf_counter()
        try:
            with self.stored.step(feed) as rows:
                yield rows
        finally:
            self.steps.append(time.perf_counter() - start)

    def read(self, feed: str) -> Any:
        return self.stored.read(feed)


def feed_in(path: Path) -> FeedChannel:
    """A feed channel in ``path``, its entries in a store of its own beside it (unless
    ``--folder``)."""
    feeds = None if FOLDER else TimedFeeds(path.with_name(path.name + ".db"))
    return FeedChannel("feed", path, "Stadt Bautzen", URL, feeds=feeds)


def take_over(feed: FeedChannel, entries: list[dict]) -> None:
    if feed.feeds is None:
        EntryStore(feed.path).import_entries(entries)
        return
    with feed.feeds.step(feed.public_url) as rows:
        rows.take((e, record(e), month_of(e), is_open(e)) for e in entries)


def post(n: int, when: datetime) -> Post:
    title = f"Vollsperrung der Töpferstraße, Bauabschnitt {n}"
    return Post(message_id=hashlib.sha256(f"post {n}".encode()).hexdigest(), channel="feed",
                kind=Kind.INFO, title=title,
                rendered=Rendered(Dialect.FEED, "Text", BODY, title), sent=when,
                summary="Töpferstraße gesperrt, Umleitung ausgeschildert.")


def archive_entries(feed: FeedChannel) -> list[dict]:
    """ARCHIVE entries, newest first, spread over the ten years before START."""
    step = timedelta(days=3650) / ARCHIVE
    out = []
    for i in range(ARCHIVE):
        when = (START - step * (i + 1)).replace(microsecond=0).isoformat()
        mid = hashlib.sha256(f"archive {i}".encode()).hexdigest()
        out.append({"id": feed.entry_id(mid), "title": f"Bekanntmachung {i}", "html": BODY,
                    "text": "Text", "link": feed.page_url(mid[:12]), "anchor": mid[:12],
                    "kind": "info", "langs": ["de"], "summary": None, "tags": [],
                    "published": when, "updated": when})
    return out


def one_post(feed: FeedChannel, n: int) -> float:
    # each sample from a settled disk: the file system's deferred work of the setup or of
    # the sample before (freeing the files a post replaced) is not charged to this one
    os.sync()
    start = time.perf_counter()
    feed.send(post(n, START + timedelta(minutes=n)))
    return time.perf_counter() - start


def settle(big: FeedChannel, small: FeedChannel, tmp: str) -> None:
    """Let the file system finish what the setup left it (writing back and freeing the
    40,000 files the setup wrote and replaced): a few rounds of every kind of post, unmeasured."""
    os.sync()
    time.sleep(2)
    for n in range(WARM):
        one_post(big, 9000 + n)
        one_post(small, 9100 + n)
        fresh = feed_in(Path(tmp) / f"warm{n}")
        one_post(fresh, 9200 + n)
        one_post(fresh, 9300 + n)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="citychan-bench-feed-") as tmp:
        big = feed_in(Path(tmp) / "big")
        t = time.perf_counter()
        take_over(big, archive_entries(big))
        imported = time.perf_counter() - t
        steps = getattr(big.feeds, "steps", [])
        steps.clear()
        t = time.perf_counter()
        big.rebuild()
        rebuilt = time.perf_counter() - t
        held = max(steps, default=0.0)
        pages = list(big.path.rglob("*.html"))
        largest = max(pages, key=lambda p: p.stat().st_size)
        if not FOLDER:
            print(f"rebuild of {ARCHIVE:,} entries: {rebuilt:.1f} s, the store's write lock "
                  f"held at most {held * 1000:.0f} ms at a time ({len(steps)} steps)")
        if REBUILD_ONLY:
            return
        small = feed_in(Path(tmp) / "small")
        for n in range(1000, 1010):
            one_post(small, n)
        settle(big, small, tmp)
        first, second, small_times, big_times = [], [], [], []
        for n in range(1, RUNS + 1):
            empty = feed_in(Path(tmp) / f"empty{n}")
            first.append(one_post(empty, n))
            second.append(one_post(empty, 100 + n))
            small_times.append(one_post(small, 2000 + n))
            big_times.append(one_post(big, n))
        f, e = statistics.median(first), statistics.median(second)
        s, b = statistics.median(small_times), statistics.median(big_times)
        print("entries in the feed's folder (--folder)" if FOLDER else "entries in the store")
        print(f"archive of {ARCHIVE:,} entries: taken over in {imported:.1f} s, every page "
              f"written in {rebuilt:.1f} s ({len(pages):,} pages)")
        print(f"one post, median of {RUNS}: into an empty feed {e * 1000:.1f} ms (its first "
              f"post {f * 1000:.1f} ms), 10-entry feed {s * 1000:.1f} ms, {ARCHIVE:,}-entry "
              f"archive {b * 1000:.1f} ms")
        print(f"{ARCHIVE:,}-entry archive / 10-entry feed: {b / s:.2f}")
        print(f"largest page: {largest.relative_to(big.path)} "
              f"{largest.stat().st_size / 1024:.1f} KB")
        verdict(f"feed post ratio, {ARCHIVE:,}-entry archive / empty feed", b / e,
                RATIO_TARGET)
        verdict("largest feed page (KB)", largest.stat().st_size / 1024, PAGE_TARGET_KB)


if __name__ == "__main__":
    main()
