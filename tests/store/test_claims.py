"""One live delivery per message and channel, claimed in one write transaction: the store's
side of "one process at a time per delivery". Several processes opening a new store at once,
and what an older citychan's concurrent runs left behind."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from citychan.store.db import MIGRATIONS, Store, _statements
from citychan.store.deliveries import DeliveryStore, Status
from tests.support.config import OUTBOX, write_config
from tests.support.files import NOTICE, write
from tests.support.workers import Workers


@pytest.fixture
def deliveries(tmp_path: Path):
    with Store.open(tmp_path / "s.db") as store:
        d = DeliveryStore(store)
        d.record_message("h", "info", "T", ("de",), "n.md")
        yield d


def test_a_second_claim_gets_the_delivery_that_stands_in_the_way(deliveries) -> None:
    first = deliveries.claim("h", "tg", "telegram", "x", False)
    assert first.id is not None and first.taken is None
    second = deliveries.claim("h", "tg", "telegram", "x", False)  # pending: under way
    assert second.id is None and second.taken.id == first.id
    assert second.taken.status is Status.PENDING
    deliveries.finish(first.id, Status.SENT, remote_id="r1")
    third = deliveries.claim("h", "tg", "telegram", "x", False)
    assert third.taken.status is Status.SENT and third.taken.remote_id == "r1"
    assert deliveries.claim("h", "other", "telegram", "x", False).id is not None
    assert len(deliveries.recent()) == 2


def test_a_failed_delivery_may_be_sent_again(deliveries) -> None:
    first = deliveries.claim("h", "tg", "telegram", "x", False).id
    deliveries.finish(first, Status.FAILED, error="401")
    again = deliveries.claim("h", "tg", "telegram", "x", False)
    assert again.id is not None and again.id != first


def test_force_sends_again_after_a_sent_one_but_never_beside_a_pending_one(deliveries) -> None:
    first = deliveries.claim("h", "tg", "telegram", "x", False).id
    assert deliveries.claim("h", "tg", "telegram", "x", True).taken.id == first  # pending
    deliveries.finish(first, Status.SENT)
    forced = deliveries.claim("h", "tg", "telegram", "x", True)
    assert forced.id is not None
    assert deliveries.claim("h", "tg", "telegram", "x", True).taken.id == forced.id
    deliveries.finish(forced.id, Status.SENT)
    assert deliveries.claim("h", "tg", "telegram", "x", True).id is not None  # and again


def test_the_unique_index_refuses_a_second_live_delivery_written_past_the_claim(
    tmp_path: Path, deliveries
) -> None:
    """The claim asks first; the index holds even for a writer that does not ask."""
    did = deliveries.claim("h", "tg", "telegram", "x", False).id
    deliveries.finish(did, Status.SENT)
    insert = ("INSERT INTO deliveries(message_hash, channel, channel_type, status, forced, "
              "created, updated) VALUES ('h', 'tg', 'telegram', ?, ?, 'now', 'now')")
    with closing(sqlite3.connect(tmp_path / "s.db")) as db:
        for status in ("sent", "unknown", "pending"):
            with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
                db.execute(insert, (status, 0))
        db.execute(insert, ("failed", 0))  # known not to have gone out: allowed
        db.execute(insert, ("sent", 1))  # forced: a deliberate second post
        db.execute(insert, ("pending", 1))
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            db.execute(insert, ("pending", 1))  # never two under way at once


def test_a_retry_claims_what_it_saw_or_nothing(deliveries) -> None:
    did = deliveries.claim("h", "tg", "telegram", "x", False).id
    deliveries.finish(did, Status.UNKNOWN, error="timeout")
    (seen,) = deliveries.unresolved()
    first = deliveries.reclaim(seen, "being resent")
    assert first.id == did and deliveries.get(did).status is Status.PENDING
    second = deliveries.reclaim(seen, "being resent")  # another retry with the same list
    assert second.id is None and second.why == "changed"
    deliveries.finish(did, Status.UNKNOWN, error="timeout again")
    assert deliveries.reclaim(seen, "being resent").id is None  # unknown again, but not
    # the unknown it saw: its claim is another run's now


def test_a_failed_delivery_is_not_resent_when_the_message_went_out_since(deliveries) -> None:
    failed = deliveries.claim("h", "tg", "telegram", "x", False).id
    deliveries.finish(failed, Status.FAILED, error="502")
    (seen,) = deliveries.unresolved()
    later = deliveries.claim("h", "tg", "telegram", "x", False).id
    deliveries.finish(later, Status.SENT)
    claim = deliveries.reclaim(seen, "being resent")
    assert claim.id is None and claim.why == "live" and claim.taken.id == later


def _schema_3_store(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db:
        for step in MIGRATIONS[:2]:
            for statement in _statements(step):
                db.execute(statement)
        MIGRATIONS[2](db)
        db.execute("PRAGMA user_version = 3")
        db.execute("INSERT INTO messages VALUES ('h', 'info', 'T', 'de', 'n.md', 'now')")
        for status, forced in [("sent", 0), ("sent", 0), ("failed", 0), ("pending", 0),
                               ("sent", 1), ("pending", 1)]:
            db.execute("INSERT INTO deliveries(message_hash, channel, channel_type, status, "
                       "forced, created, updated) VALUES ('h', 'tg', 'telegram', ?, ?, "
                       "'2026-11-28T10:00:00+00:00', '2026-11-28T10:00:00+00:00')",
                       (status, forced))
        db.commit()


def test_deliveries_an_older_citychan_recorded_twice_stay_marked_as_such(tmp_path: Path) -> None:
    """Concurrent runs of an older citychan could record two `sent` rows for one channel.
    The migration keeps every row (nothing recorded is lost) and marks the later ones, so
    the unique index can hold from now on."""
    _schema_3_store(tmp_path / "s.db")
    with Store.open(tmp_path / "s.db") as store:
        rows = store.query("SELECT id, status, forced, duplicate FROM deliveries ORDER BY id")
        assert [tuple(r) for r in rows] == [
            (1, "sent", 0, 0), (2, "sent", 0, 1), (3, "failed", 0, 0), (4, "pending", 0, 1),
            (5, "sent", 1, 0), (6, "pending", 1, 0)]
        claim = DeliveryStore(store).claim("h", "tg", "telegram", "x", False)
        assert claim.taken.id == 6  # the one under way stands in the way


def test_several_processes_opening_a_new_store_at_once_all_get_it(isolated: Path) -> None:
    """The attack: concurrent first runs on a new store failed "table messages already
    exists". Each round four processes post to a store that does not exist yet."""
    rounds = 5
    write(isolated / "n.md", NOTICE)
    for r in range(rounds):
        write_config(isolated / f"c{r}.toml", store={"path": f"r{r}/citychan.db"},
                     channels={"outbox": {**OUTBOX, "path": f"r{r}/outbox"}})
    with Workers(4, isolated) as workers:
        for r in range(rounds):
            runs = workers.run([["post", "n.md", "--yes", "--config", f"c{r}.toml",
                                 "--output", "json"]] * 4)
            assert all(run.code in (0, 4) and "Error" not in run.stderr for run in runs), runs
            statuses = sorted(run.json()["result"]["results"][0]["status"] for run in runs)
            assert statuses == ["sent", "skipped", "skipped", "skipped"]
            with closing(sqlite3.connect(isolated / f"r{r}" / "citychan.db")) as db:
                assert db.execute("PRAGMA user_version").fetchone() == (len(MIGRATIONS),)
                assert db.execute("SELECT status FROM deliveries").fetchall() == [("sent",)]
