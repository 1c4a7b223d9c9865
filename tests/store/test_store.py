from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest

from citychan import clock
from citychan.errors import StoreError
from citychan.store.db import MIGRATIONS, Store
from citychan.store.deliveries import DeliveryStore, Status


def test_migrates_a_new_file_and_records_every_attempt(tmp_path: Path) -> None:
    s = DeliveryStore(Store(tmp_path / "s.db"))
    s.record_message("h1", "info", "Titel", ("de", "hsb"), "n.md")
    d = s.begin("h1", "outbox", "outbox", "text", forced=False)
    assert s.already_sent("h1", "outbox").status == Status.PENDING  # pending counts: may be out
    s.finish(d, Status.SENT, remote_id="r1", url="file:///x", attempts=1)
    s.store.close()
    s = DeliveryStore(Store(tmp_path / "s.db"))
    (row,) = s.recent()
    assert (row.status, row.remote_id, row.attempts, row.title) == (Status.SENT, "r1", 1, "Titel")
    with closing(sqlite3.connect(tmp_path / "s.db")) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_failed_delivery_does_not_count_as_sent(tmp_path: Path) -> None:
    s = DeliveryStore(Store(tmp_path / "s.db"))
    s.record_message("h1", "info", "T", ("de",), None)
    d = s.begin("h1", "tg", "telegram", "x", forced=False)
    s.finish(d, Status.FAILED, error="401")
    assert s.already_sent("h1", "tg") is None
    assert [u.id for u in s.unresolved()] == [d]


def test_count_info_since(tmp_path: Path) -> None:
    s = DeliveryStore(Store(tmp_path / "s.db"))
    for h in ("a", "b"):
        s.record_message(h, "info", h, ("de",), None)
        for ch in ("x", "y"):
            s.finish(s.begin(h, ch, "outbox", "", False), Status.SENT)
    assert s.count_info_since(clock.utcnow() - timedelta(hours=1)) == 2
    assert s.count_info_since(clock.utcnow() + timedelta(hours=1)) == 0


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "s.db")
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(StoreError, match="newer"):
        Store(tmp_path / "s.db")


def test_unopenable_path_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="cannot open the store"):
        Store(tmp_path / "file" / "s.db")


def test_a_delivery_is_recorded_with_its_key_and_post_or_not_at_all(tmp_path: Path) -> None:
    """One transaction: a crash between the row and its post would leave a pending delivery
    that post skips and retry cannot resend."""
    s = DeliveryStore(Store(tmp_path / "c.db"))
    s.record_message("h1", "info", "T", ("de",), "n.md")
    did = s.begin("h1", "tg", "telegram", "text", False,
                           lambda i: (f"key-{i}", '{"post": 1}'))
    assert s.post_of(did) == '{"post": 1}'

    def crash(i: int) -> tuple[str, str]:
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        s.begin("h1", "ntfy", "ntfy", "text", False, crash)
    assert [d.channel for d in s.unresolved()] == ["tg"]
