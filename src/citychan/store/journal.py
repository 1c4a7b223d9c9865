"""The fallback journal: a delivery's outcome that the store could not take (disk full, an
I/O error, a lock held too long) after the post went out. It is kept beside the store as one
JSON line per outcome, written with fsync, and the next run that opens the store writes it
into the store before anything else. So a post that went out is never taken for one that
did not: `citychan post` does not send it again, and `citychan retry` does not resend it.

    citychan-out/citychan.db.fallback.jsonl
    {"delivery": 12, "status": "sent", "remote_id": "…", "url": null, "error": null, …}
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from citychan.fsutil import hold

SUFFIX = ".fallback.jsonl"
_FIELDS = ("status", "remote_id", "url", "error")


def journal_path(store: Path) -> Path:
    return store.with_name(store.name + SUFFIX)


def _lock(store: Path) -> Path:
    """What every run holds while it adds to the journal or takes it into the store."""
    return store.with_name(store.name + ".fallback.lock")


def append(store: Path, entry: dict[str, Any]) -> None:
    """Add one outcome, on disk (fsync) before this returns; OSError if it cannot be."""
    path = journal_path(store)
    line = (json.dumps(entry, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    with hold(_lock(store)):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0),
                     0o600)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)


def entries(store: Path) -> list[dict[str, Any]]:
    """The outcomes waiting in the journal, oldest first (a line cut short by a crash while
    it was written is left out: its outcome was never reported either)."""
    try:
        text = journal_path(store).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    out = []
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("delivery"), int):
            out.append(entry)
    return out


def replay(store: Path, transaction: Callable[[], AbstractContextManager[Any]]) -> int:
    """Write every waiting outcome into the store in one ``transaction``, then remove the
    journal; returns how many. A store error (still full) leaves the journal as it is."""
    path = journal_path(store)
    if not path.exists():
        return 0
    with hold(_lock(store)):  # no run appends while it is read and removed
        waiting = entries(store)
        with transaction() as tx:
            for entry in waiting:
                _apply(tx, entry)
        path.unlink()
    return len(waiting)


def _apply(tx: Any, entry: dict[str, Any]) -> None:
    values = [entry.get(k) for k in _FIELDS]
    sql = ("UPDATE deliveries SET status=?, remote_id=?, url=?, error=?, "
           "attempts=attempts+?, updated=? WHERE id=?")
    if entry.get("only_pending"):
        sql += " AND status='pending'"
    tx.execute(sql, (*values, int(entry.get("attempts") or 0), entry.get("updated"),
                     entry["delivery"]))


def overlay(row: dict[str, Any], waiting: list[dict[str, Any]]) -> dict[str, Any]:
    """A delivery row as it will be once the journal is written into the store (for reading
    a store that cannot be written now: `citychan log` on a full disk or a read-only store)."""
    for entry in waiting:
        if entry["delivery"] != row["id"]:
            continue
        if entry.get("only_pending") and row["status"] != "pending":
            continue
        row = {**row, **{k: entry.get(k) for k in _FIELDS},
               "attempts": int(row["attempts"]) + int(entry.get("attempts") or 0),
               "updated": entry.get("updated") or row["updated"]}
    return row
