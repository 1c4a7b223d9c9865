"""A notice's files kept in the store (issue 15: any machine can do any job): the Markdown
file, its translations ``NAME.LANG.md`` and its picture, by their names in the notice's
folder ('/' between folders), with their size and SHA-256, the bytes as base64 text (the
same on SQLite and PostgreSQL, and carried unchanged by `store export` as JSON). A draft
keeps them (``draft_files``), and so does a scheduled post (``queue_files``), so that a
reviewer, or `run-due`, on a machine without that folder sends what was drafted or
scheduled; `citychan retry` finds a post's picture among them once the temporary copy it
was sent from is gone. Portable SQL only."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath, PurePosixPath
from typing import Any

from citychan.store.db import Store, Transaction

# what a draft or a scheduled post keeps of its notice's files together: the text is small
# (1 MiB at most per file); a photo straight off a phone may be several MB, a poster scan more
MAX_BYTES = 16 * 1024 * 1024
_MAX_TEXT = (MAX_BYTES + 2) // 3 * 4


@dataclass(frozen=True)
class KeptFile:
    """One file of a notice: its name relative to the notice's folder ('/' between
    folders) and its bytes."""

    name: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


class Owner(StrEnum):
    """Whose files: the table and its key column."""

    DRAFT = "draft_files"
    QUEUE = "queue_files"

    @property
    def key(self) -> str:
        return "draft_id" if self is Owner.DRAFT else "queue_id"

    @property
    def parent(self) -> str:
        return "drafts" if self is Owner.DRAFT else "queue"


def keep(tx: Transaction, owner: Owner, owner_id: int, files: Iterable[KeptFile]) -> None:
    """Write ``files`` for ``owner_id`` inside the caller's transaction."""
    for f in files:
        tx.execute(f"INSERT INTO {owner}({owner.key}, name, size, sha256, data) "  # noqa: S608
                   "VALUES (?,?,?,?,?)",
                   (owner_id, f.name, len(f.data), f.sha256,
                    base64.b64encode(f.data).decode("ascii")))


def kept(store: Store, owner: Owner, owner_id: int) -> list[KeptFile]:
    """The files kept for ``owner_id`` (none for a template warning, or an entry made before
    citychan kept them). A file whose bytes are not what was recorded of them is left out:
    the content hash check then refuses the copy."""
    rows = store.query(f"SELECT name, size, sha256, data FROM {owner} "  # noqa: S608
                       f"WHERE {owner.key}=? AND LENGTH(data) <= ? ORDER BY name",
                       (owner_id, _MAX_TEXT))
    return _checked(rows)


def picture_of(store: Store, message_hash: str, image: PurePath) -> KeptFile | None:
    """The picture of the notice ``message_hash`` as a draft or a scheduled post of it kept
    it: the kept file whose name ends the path ``image`` (the longest such), or None. The
    content hash covers the picture, so every kept copy of the message has its bytes."""
    parts = image.parts
    best: KeptFile | None = None
    for owner in Owner:
        rows = store.query(
            f"SELECT f.name, f.size, f.sha256, f.data FROM {owner} f "  # noqa: S608
            f"JOIN {owner.parent} o ON o.id = f.{owner.key} WHERE o.message_hash=? "
            "AND LENGTH(f.data) <= ? ORDER BY f.name", (message_hash, _MAX_TEXT))
        for f in _checked(rows):
            name = PurePosixPath(f.name).parts
            if name and tuple(parts[-len(name):]) == name and (
                    best is None or len(name) > len(PurePosixPath(best.name).parts)):
                best = f
    return best


def _checked(rows: Iterable[Any]) -> list[KeptFile]:
    """The rows' files whose bytes are what was recorded, up to MAX_BYTES together: a store
    another machine wrote to is read with care (what is beyond is left out, and the content
    hash check then refuses the copy)."""
    out = []
    total = 0
    for r in rows:
        try:
            data = base64.b64decode(r["data"], validate=True)
        except ValueError:
            continue
        total += len(data)
        if total > MAX_BYTES:
            break
        if len(data) == r["size"] and hashlib.sha256(data).hexdigest() == r["sha256"]:
            out.append(KeptFile(r["name"], data))
    return out
