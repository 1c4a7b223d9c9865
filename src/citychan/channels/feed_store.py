"""Where the feed keeps its entries, so that a post costs the same in a year's archive as in
an empty one. With a store (every run of the CLI: ``ChannelContext.feeds``) they live there,
where every machine sharing the store finds them (:class:`StoredEntries`, over
citychan.store.feed_entries); the folder's files below are then this machine's copy of what
it wrote, read again only to take an old folder into the store once. Without one (a feed
channel made by hand) the folder holds them: each entry in its own file
(``entries/<anchor>.json``), each month's short records (what the month page shows) in
``entries/months/2026-12.json``, and ``entries.json`` as the small index: the newest
entries' records (feed.xml, the front page, alerts.xml), the entries that may still change
by themselves (an expiry ahead, a warning not cleared) and the months with their counts.
None of it is for the web server.

An ``entries.json`` of version 1 (every entry in full, as citychan wrote it before) is
taken apart into these files the first time it is read."""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from citychan.channels.base import ChannelError, FeedEntryRows
from citychan.channels.feed_pages import TEASER, month_of
from citychan.fsutil import atomic_write
from citychan.i18n import N_
from citychan.store.feed_entries import ANCHOR, MONTH

VERSION = 2
RECENT = 120  # records in the index: the feed's newest 100 even after a few withdrawals
_FULL_ONLY = ("html", "text", "parts")  # what a record leaves out of its entry
_TAGS = re.compile(r"<[^>]+>")
# the temporary files of citychan's writes (Staged, quick_write, fsutil.atomic_write): the
# name of their file after a dot, then tempfile.mkstemp's 8 characters, then ".tmp"
_TEMP = re.compile(r"\.[^/]+\.[a-z0-9_]{8}\.tmp")
TEMP_AGE = 300.0  # seconds: older ones are no run's writing now (a step takes seconds)


def teaser(entry: Mapping[str, Any]) -> str:
    """A few lines for a list: the summary, else the start of the first language's text."""
    if entry.get("summary"):
        return str(entry["summary"])
    parts = entry.get("parts") or []
    text = str(entry.get("text") or "")
    if parts:
        text = _TAGS.sub(" ", str(parts[0]["html"]))
        text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    text = " ".join(text.split())
    if len(text) <= TEASER:
        return text
    return text[:TEASER].rsplit(" ", 1)[0] + " …"


def record(entry: Mapping[str, Any]) -> dict[str, Any]:
    """An entry as lists show it: without its text."""
    out = {k: v for k, v in entry.items() if k not in _FULL_ONLY}
    out.setdefault("teaser", teaser(entry))
    return out


def is_open(entry: Mapping[str, Any]) -> bool:
    """Whether the entry may still change without a post of its own: its expiry lies ahead,
    or it is a warning whose incident is not cleared yet."""
    if entry.get("withdrawn") or entry.get("expired"):
        return False
    return bool(entry.get("expires")) or (
        entry.get("kind") == "warning" and entry.get("state") != "cleared")


class EntryStore:
    """The feed folder's own records. The caller holds the folder's lock."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.index_file = folder / "entries.json"
        self.entries_dir = folder / "entries"
        self.months_dir = self.entries_dir / "months"
        self.imported = False  # index() took an old entries.json apart just now
        self._copy: Any = None  # the folder's entries.json as read once (see copy())

    def copy(self) -> Any:
        """The folder's ``entries.json`` as it was last written (None: there is none),
        read once per step: what the pages and feeds in the folder were written from."""
        if self._copy is None and self.index_file.is_file():
            self._copy = self._read(self.index_file)
        return self._copy

    def index(self) -> dict[str, Any]:
        """The index; an old ``entries.json`` is taken apart first (see the module)."""
        if not self.index_file.is_file():
            return {"version": VERSION, "recent": [], "open": {}, "months": {}}
        data = self._read(self.index_file)
        if data.get("version") == VERSION:
            return data
        self.imported = True
        return self.import_entries(list(data.get("entries", [])))

    def import_entries(self, entries: list[dict[str, Any]]) -> dict[str, Any]:
        """Store ``entries`` (newest first) and make the index of them; every file is
        written without waiting for the disk (fsync) but still atomically, so that an
        archive of years is taken over in seconds. Returns the index."""
        months: dict[str, list[dict[str, Any]]] = {}
        for e in entries:
            e.setdefault("teaser", teaser(e))
            quick_write(self.entry_file(e["anchor"]), dumps(e))
            months.setdefault(month_of(e), []).append(record(e))
        for month, records in months.items():
            records.sort(key=lambda r: str(r["published"]), reverse=True)
            quick_write(self.month_file(month), dumps(records))
        index = {
            "version": VERSION,
            "recent": [record(e) for e in entries[:RECENT]],
            "open": {e["anchor"]: month_of(e) for e in entries if is_open(e)},
            "months": {m: len(r) for m, r in sorted(months.items(), reverse=True)},
        }
        self.save_index(index)
        return index

    def entry_file(self, anchor: str) -> Path:
        return self.entries_dir / f"{_checked(anchor, ANCHOR)}.json"

    def month_file(self, month: str) -> Path:
        return self.months_dir / f"{_checked(month, MONTH)}.json"

    def load(self, anchor: str) -> dict[str, Any] | None:
        path = self.entry_file(anchor)
        return self._read(path) if path.is_file() else None

    def month(self, month: str) -> list[dict[str, Any]]:
        path = self.month_file(month)
        return list(self._read(path)) if path.is_file() else []

    def save(self, entry: Mapping[str, Any]) -> None:
        atomic_write(self.entry_file(str(entry["anchor"])), dumps(entry))

    def save_month(self, month: str, records: list[dict[str, Any]]) -> None:
        atomic_write(self.month_file(month), dumps(records))

    def save_index(self, index: Mapping[str, Any]) -> None:
        atomic_write(self.index_file, dumps(index))

    def every_entry(self) -> list[dict[str, Any]]:
        """Every entry in full, newest first (reads every file: for tools and tests)."""
        index = self.index()
        out = []
        for month in sorted(index["months"], reverse=True):
            for r in self.month(month):
                full = self.load(r["anchor"])
                if full is not None:
                    out.append(full)
        order = {r["id"]: i for i, r in enumerate(index["recent"])}
        out.sort(key=lambda e: order.get(e["id"], len(order)))  # the newest as sent
        return out

    def find(self, entry_id: str, index: Mapping[str, Any]) -> dict[str, Any] | None:
        """The entry with ``entry_id``: among the newest first, else month by month."""
        for r in index["recent"]:
            if r["id"] == entry_id:
                return self.load(r["anchor"])
        for month in index["months"]:
            for r in self.month(month):
                if r["id"] == entry_id:
                    return self.load(r["anchor"])
        return None

    def keep(self, entries: Iterable[dict[str, Any]], records: Mapping[str, dict[str, Any]],
             top: str | None) -> None:
        """Keep the changed entries: here the files the change writes are their record."""

    def settle(self, write: Staged) -> None:
        """The change's files go into place: at once here."""
        write.commit()

    def _read(self, path: Path) -> Any:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise ChannelError(N_("{path}: is damaged; move it away to start a new feed").format(
                path=path)) from None


def _checked(name: str, shape: re.Pattern[str]) -> str:
    """``name`` as a file name in the feed's folder: only the shape citychan gives it."""
    if not shape.fullmatch(name):
        raise ChannelError(N_("the feed names a file {name!r} that is no entry's or month's; "
                              "nothing was written").format(name=name))
    return name


def dumps(data: Any) -> str:
    # compact: indenting is Python code in the json module, ten times slower than this
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def quick_write(path: Path, data: str | bytes) -> None:
    """Atomic (temporary file, then rename) but without fsync: for taking over or rebuilding
    many files at once, where one fsync each would take minutes."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sweep_temps(folder: Path, older_than: float = TEMP_AGE) -> int:
    """Remove the temporary files citychan's writes left in ``folder`` (and its copy of the
    upload manifest beside it) that are ``older_than`` seconds: a run killed midway (a cron
    timeout) leaves them, and the web server may serve them. The caller holds the folder's
    lock. Returns how many went."""
    limit = time.time() - older_than  # file times are the file system's clock
    found = [Path(top) / name for top, _dirs, names in os.walk(folder) for name in names
             if _TEMP.fullmatch(name)]
    found += [p for p in folder.parent.glob(f"..{folder.name}.upload.json.*.tmp")
              if _TEMP.fullmatch(p.name)]
    gone = 0
    for path in found:
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
                gone += 1
        except FileNotFoundError:
            pass  # another run put it in place meanwhile
    return gone


def read_copy(path: Path) -> Any:
    """The folder's copy of an entry, a month or the index as last written beside its
    pages (None if there is none, or it cannot be read: then it counts as changed)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None


class Staged:
    """The files of one change, each written to a temporary file beside its place (and
    fsync'd when ``durable``), then all renamed into place at the end (:meth:`commit`). So
    the web server sees them change together, and the file system frees the files they
    replace after the last fsync, not inside each: replacing a file then costs no more than
    writing a new one, in an archive of years as in an empty folder."""

    def __init__(self, durable: bool = True) -> None:
        self.durable = durable
        self.files: list[tuple[str, Path]] = []

    def __call__(self, path: Path, data: str | bytes) -> None:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        self.files.append((tmp, path))
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            if self.durable:
                f.flush()
                os.fsync(f.fileno())
        os.chmod(tmp, 0o644)

    def commit(self) -> None:
        for tmp, path in self.files:
            os.replace(tmp, path)
        self.files.clear()

    def discard(self) -> None:
        for tmp, _ in self.files:
            Path(tmp).unlink(missing_ok=True)
        self.files.clear()


def merge_records(records: Iterable[dict[str, Any]],
                  changed: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The month's records with ``changed`` in place (or added), newest first."""
    by_id = {r["id"]: r for r in records}
    for r in changed:
        by_id[r["id"]] = r
    return sorted(by_id.values(), key=lambda r: str(r["published"]), reverse=True)


class StoredEntries(EntryStore):
    """The entries in the store (``rows``: one step of one feed, holding the store's write
    lock). The change's files, the folder's copy of the entries among them, go into place
    only once the step is committed (:meth:`commit_files`). An old folder (an
    ``entries.json`` not marked ``in_store``) is taken into the store the first time."""

    def __init__(self, folder: Path, rows: FeedEntryRows) -> None:
        super().__init__(folder)
        self.rows = rows
        self.staged: list[Staged] = []
        self._checked = False

    def index(self) -> dict[str, Any]:
        if not self._checked:
            self._checked = True
            self._take_over()
        return {"version": VERSION, "in_store": True, "recent": self.rows.recent(RECENT),
                "open": self.rows.open(), "months": self.rows.months()}

    def _take_over(self) -> None:
        """The folder's entries into the store, once (an entry the store holds already
        stays as it is there); ``imported`` if they have no pages yet (version 1)."""
        copy = self.copy()
        if copy is None or (isinstance(copy, dict) and copy.get("in_store")):
            return
        folder = EntryStore(self.folder)
        folder.index()  # a version 1 file is taken apart first
        self.imported = folder.imported
        self.rows.take((e, record(e), month_of(e), is_open(e)) for e in folder.every_entry())
        marked = Staged()  # never taken over again: its copy of the index says so
        marked(self.index_file, dumps(self.index()))
        self.staged.append(marked)

    def load(self, anchor: str) -> dict[str, Any] | None:
        return self.rows.load(anchor)

    def month(self, month: str) -> list[dict[str, Any]]:
        return self.rows.month(month)

    def every_entry(self) -> list[dict[str, Any]]:
        return self.rows.every()

    def find(self, entry_id: str, index: Mapping[str, Any]) -> dict[str, Any] | None:
        return self.rows.find(entry_id)

    def keep(self, entries: Iterable[dict[str, Any]], records: Mapping[str, dict[str, Any]],
             top: str | None) -> None:
        for e in entries:
            anchor = str(e["anchor"])
            self.rows.put(e, records[anchor], month_of(e), is_open(e), anchor == top)

    def settle(self, write: Staged) -> None:
        self.staged.append(write)

    def commit_files(self) -> None:
        for write in self.staged:
            write.commit()
        self.staged.clear()

    def discard(self) -> None:
        for write in self.staged:
            write.discard()
        self.staged.clear()
