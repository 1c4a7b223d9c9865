"""Issue 15, run-due on another machine: a scheduled post keeps its notice's files in the
store (``queue_files``), bytes exact, `store export`/`import` carry them, and `retry` finds a
message's picture among the files a draft or a scheduled post of it keeps."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from citychan.store.db import Store
from citychan.store.kept_files import KeptFile, picture_of
from citychan.store.queue import QueueStore
from citychan.store.transfer import export, import_into

PICTURE = bytes(range(256)) * 40  # every byte value, as a picture has them
TEXT = b"---\ntitle: Sperrung\nimage: bilder/karte.png\n---\nGesperrt.\n"


def _queued(store: Store, message_hash: str = "h" * 64) -> int:
    return QueueStore(store).add(
        "/home/presse/n.md", message_hash, "Sperrung", ("outbox",),
        datetime(2026, 12, 1, 10, tzinfo=UTC), False, "m.schulze",
        files=(KeptFile("n.md", TEXT), KeptFile("bilder/karte.png", PICTURE))).id


def test_a_scheduled_posts_files_come_back_byte_for_byte(tmp_path: Path) -> None:
    with Store.open(tmp_path / "citychan.db") as store:
        entry = _queued(store)
        kept = {f.name: f.data for f in QueueStore(store).files(entry)}
    assert kept == {"n.md": TEXT, "bilder/karte.png": PICTURE}


def test_export_and_import_keep_the_scheduled_posts_files(tmp_path: Path) -> None:
    with Store.open(tmp_path / "laptop.db") as store:
        entry = _queued(store)
        before = {f.name: f.sha256 for f in QueueStore(store).files(entry)}
        export(store, tmp_path / "backup.jsonl")
    assert '"table": "queue_files"' in (tmp_path / "backup.jsonl").read_text(encoding="utf-8")
    with Store.open(tmp_path / "server.db") as store:
        import_into(store, tmp_path / "backup.jsonl")
        after = {f.name: f.sha256 for f in QueueStore(store).files(entry)}
    assert after == before and len(after) == 2


def test_the_picture_of_a_message_is_found_by_its_hash_and_the_end_of_its_path(
        tmp_path: Path) -> None:
    with Store.open(tmp_path / "citychan.db") as store:
        _queued(store, "a" * 64)
        gone = PurePosixPath("/tmp/citychan-draft-x1y2/bilder/karte.png")
        found = picture_of(store, "a" * 64, gone)
        assert found is not None and (found.name, found.data) == ("bilder/karte.png", PICTURE)
        assert picture_of(store, "b" * 64, gone) is None  # another message: not its picture
        assert picture_of(store, "a" * 64, PurePosixPath("/tmp/x/plan.png")) is None
        # bytes that are not what was recorded of them are never sent
        with store.transaction() as tx:
            tx.execute("UPDATE queue_files SET data='AAAA' WHERE name='bilder/karte.png'")
        assert picture_of(store, "a" * 64, gone) is None
