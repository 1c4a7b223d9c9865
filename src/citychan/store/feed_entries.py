"""The website feed's entries in the store (table ``feed_entries``), so that every machine
sharing the store writes its pages and feeds from all of them, not from the entries it
posted itself.

One feed is named by its ``public_url`` (the same on every machine that publishes it, and
what its entries' ids are made of). What the pages ask is one query each: the newest
records, the entries that may still change by themselves, the months with their counts, one
month's records, one entry by anchor or by id; a post never reads every entry.

A step that changes a feed (``StoredFeeds.step``) is one write transaction: it holds the
store's write lock (SQLite's ``BEGIN IMMEDIATE``, PostgreSQL's advisory lock) from its first
read to its commit, so two machines posting to one feed at once take turns, and the second
builds its pages from the first one's entry too."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citychan.store.db import Location, Store

Run = Callable[[str, tuple[Any, ...]], list[Any]]
Do = Callable[[str, tuple[Any, ...]], object]


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


# What the pages make file names of. A store is shared by every machine of a city, so what
# another machine wrote into it is checked before it names a file here: an entry's anchor
# (citychan makes 12 hex digits of its message, or 16 of its id: a plain name, never a
# path), a month, an entry's pictures in bilder/ named by its anchor.
ANCHOR = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,63}")
MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
_PICTURE = re.compile(r"bilder/([0-9A-Za-z][0-9A-Za-z_-]{0,63})-[0-9]{1,5}\.jpg")


def sane(entry: Any) -> bool:
    """Whether an entry (or its record) read from the store names only files of its own:
    its anchor, and its pictures under ``bilder/`` by that anchor."""
    if not isinstance(entry, dict) or not ANCHOR.fullmatch(str(entry.get("anchor", ""))):
        return False
    for image in entry.get("images") or ():
        found = _PICTURE.fullmatch(str(image.get("file", ""))) if isinstance(image, dict) \
            else None
        if found is None or found.group(1) != entry["anchor"]:
            return False
    return True


def _entries(rows: Iterable[Any]) -> list[dict[str, Any]]:
    """The entries (or records) of rows ``(anchor, JSON)``: those that are sane and name the
    row they are kept in (an entry claiming another's anchor would stand for it)."""
    out = []
    for anchor, text in rows:
        try:
            entry = json.loads(text)
        except ValueError:
            continue
        if sane(entry) and entry["anchor"] == anchor:
            out.append(entry)
    return out


class FeedRows:
    """One feed's entries, read through ``run`` (a transaction's statements, or a plain read
    of the store) and in a step written through ``do``."""

    def __init__(self, run: Run, feed: str, do: Do | None = None) -> None:
        self._run = run
        self._do = do
        self.feed = feed

    def recent(self, limit: int) -> list[dict[str, Any]]:
        """The newest ``limit`` records, the latest sent first."""
        rows = self._run("SELECT anchor, record FROM feed_entries WHERE feed=? "
                         "ORDER BY seq DESC LIMIT ?", (self.feed, limit))
        return _entries(rows)

    def open(self) -> dict[str, str]:
        """The entries that may still change by themselves: anchor and month."""
        rows = self._run("SELECT anchor, month FROM feed_entries WHERE feed=? AND is_open=1 "
                         "ORDER BY seq DESC", (self.feed,))
        return {str(r[0]): str(r[1]) for r in rows
                if ANCHOR.fullmatch(str(r[0])) and MONTH.fullmatch(str(r[1]))}

    def months(self) -> dict[str, int]:
        """Every month with its number of entries, the latest first."""
        rows = self._run("SELECT month, entries FROM feed_months WHERE feed=? AND entries > 0 "
                         "ORDER BY month DESC", (self.feed,))
        return {str(r[0]): int(r[1]) for r in rows if MONTH.fullmatch(str(r[0]))}

    def month(self, month: str) -> list[dict[str, Any]]:
        """One month's records, newest first."""
        rows = self._run("SELECT anchor, record FROM feed_entries WHERE feed=? AND month=? "
                         "ORDER BY published DESC, seq DESC", (self.feed, month))
        return _entries(rows)

    def load(self, anchor: str) -> dict[str, Any] | None:
        rows = self._run("SELECT anchor, entry FROM feed_entries WHERE feed=? AND anchor=?",
                         (self.feed, anchor))
        return next(iter(_entries(rows)), None)

    def find(self, entry_id: str) -> dict[str, Any] | None:
        rows = self._run("SELECT anchor, entry FROM feed_entries WHERE feed=? AND id=?",
                         (self.feed, entry_id))
        return next(iter(_entries(rows)), None)

    def every(self) -> list[dict[str, Any]]:
        """Every entry in full, the latest sent first (for a rebuild, tools and tests)."""
        rows = self._run("SELECT anchor, entry FROM feed_entries WHERE feed=? "
                         "ORDER BY seq DESC", (self.feed,))
        return _entries(rows)

    def after(self, anchor: str, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` entries in full whose anchor sorts after ``anchor``, in the order
        of their anchors: a rebuild reads the archive a batch at a time this way, and an entry
        changing meanwhile keeps its place (its anchor never changes, unlike its seq)."""
        while True:
            rows = self._run("SELECT anchor, entry FROM feed_entries WHERE feed=? AND "
                             "anchor > ? ORDER BY anchor LIMIT ?", (self.feed, anchor, limit))
            good = _entries(rows)
            if good or not rows:  # a batch of nothing but entries left out: on to the next
                return good
            anchor = str(rows[-1][0])

    def some(self, anchors: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The entries with these anchors, as they stand (one question; a few hundred at a
        time)."""
        if not anchors:
            return {}
        marks = ", ".join("?" * len(anchors))
        rows = self._run(f"SELECT anchor, entry FROM feed_entries WHERE feed=? AND anchor IN "
                         f"({marks})", (self.feed, *anchors))
        return {e["anchor"]: e for e in _entries(rows)}

    def count(self) -> int:
        return int(self._scalar("SELECT COUNT(*) FROM feed_entries WHERE feed=?",
                                (self.feed,)) or 0)

    def put(self, entry: Mapping[str, Any], record: Mapping[str, Any], month: str,
            is_open: bool, top: bool) -> None:
        """Keep ``entry`` (new, or in place of the one with its anchor); ``top``: it was
        just sent and goes first in the feed, else it keeps its place."""
        anchor = str(entry["anchor"])
        found = self._run("SELECT seq, month FROM feed_entries WHERE feed=? AND anchor=?",
                          (self.feed, anchor))
        if not found or found[0][1] != month:
            self._count(month, 1)
            if found:
                self._count(str(found[0][1]), -1)
        seq = found[0][0] if found and not top else None
        if seq is None:
            seq = int(self._scalar("SELECT COALESCE(MAX(seq), 0) FROM feed_entries WHERE "
                                   "feed=?", (self.feed,))) + 1
        self._write(
            "INSERT INTO feed_entries (feed, anchor, id, seq, month, published, updated, "
            "is_open, entry, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (feed, anchor) DO UPDATE SET id=excluded.id, seq=excluded.seq, "
            "month=excluded.month, published=excluded.published, updated=excluded.updated, "
            "is_open=excluded.is_open, entry=excluded.entry, record=excluded.record",
            (self.feed, anchor, str(entry["id"]), seq, month, str(entry["published"]),
             str(entry["updated"]), int(is_open), _dumps(entry), _dumps(record)))

    def take(self, entries: Iterable[tuple[Mapping[str, Any], Mapping[str, Any], str, bool]]
             ) -> int:
        """Take over a folder's entries (newest first: entry, record, month, open), each
        below every entry the store holds; one the store has already stays as it is there.
        Returns how many were added."""
        listed = list(entries)
        low = int(self._scalar("SELECT COALESCE(MIN(seq), 1) FROM feed_entries WHERE feed=?",
                               (self.feed,)))
        before = self.count()
        added: dict[str, int] = {}
        for n, (entry, record, month, is_open) in enumerate(listed):
            if self._run("SELECT 1 FROM feed_entries WHERE feed=? AND anchor=?",
                         (self.feed, str(entry["anchor"]))):
                continue  # the store's stays
            self._write(
                "INSERT INTO feed_entries (feed, anchor, id, seq, month, published, updated, "
                "is_open, entry, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self.feed, str(entry["anchor"]), str(entry["id"]), low - 1 - n, month,
                 str(entry["published"]), str(entry["updated"]), int(is_open), _dumps(entry),
                 _dumps(record)))
            added[month] = added.get(month, 0) + 1
        for month, n in added.items():
            self._count(month, n)
        return self.count() - before

    def _count(self, month: str, change: int) -> None:
        self._write("INSERT INTO feed_months (feed, month, entries) VALUES (?, ?, ?) "
                    "ON CONFLICT (feed, month) DO UPDATE SET "
                    "entries = feed_months.entries + excluded.entries",
                    (self.feed, month, change))

    def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        if self._do is None:
            raise TypeError("feed entries read outside a step cannot be written")
        self._do(sql, params)

    def _scalar(self, sql: str, params: tuple[Any, ...]) -> Any:
        rows = self._run(sql, params)
        return rows[0][0] if rows else None


@dataclass(frozen=True)
class StoredFeeds:
    """The feeds' entries channels get in their context (``ChannelContext.feeds``): the
    store at ``where``, opened for each step, so that building the channels opens no
    store. Errors are ``StoreError``; the feed channel reports them as its own."""

    where: Location | Path

    @property
    def location(self) -> Location:
        return self.where if isinstance(self.where, Location) else Location(self.where)

    @contextmanager
    def step(self, feed: str) -> Iterator[FeedRows]:
        """One change of ``feed``: a write transaction, committed when the block ends
        without an error (rolled back otherwise)."""
        with Store.open(self.location) as store, store.transaction() as tx:
            yield FeedRows(lambda sql, params: tx.execute(sql, params).fetchall(), feed,
                           tx.execute)

    @contextmanager
    def read(self, feed: str) -> Iterator[FeedRows]:
        """``feed``'s entries as they stand, without the write lock (a store not made yet
        has none)."""
        if self.location.url is None and not self.location.path.is_file():
            yield FeedRows(lambda sql, params: [], feed)
            return
        with Store.open(self.location) as store:
            yield FeedRows(store.query, feed)
