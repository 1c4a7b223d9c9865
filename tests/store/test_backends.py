"""The store's guarantees on both backends, the SQLite file and a real PostgreSQL server:
one live delivery per message and channel, unique incident ids, one run takes a scheduled
post, dismissals as seen, the run lock that tells a live run from a crashed one, and the
fallback journal. The same code and the same SQL run on both."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from citychan import clock
from citychan.errors import StoreError
from citychan.kinds import CapStatus, Level, MsgType
from citychan.store.db import MIGRATIONS, Location, Store
from citychan.store.deliveries import DeliveryStore, Status
from citychan.store.incidents import AlertRecord, Incident, IncidentStore
from citychan.store.limits import ChannelLimits
from citychan.store.queue import QueueState, QueueStore
from tests.support.postgres import PASSWORD, PASSWORD_ENV

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)]


@pytest.fixture(params=BACKENDS)
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Location:
    if request.param == "sqlite":
        return Location(tmp_path / "s.db")
    return Location(tmp_path / "s.db", request.getfixturevalue("pg_url"), PASSWORD_ENV)


@pytest.fixture
def store(location: Location) -> Iterator[Store]:
    with Store.open(location) as s:
        yield s


@pytest.fixture
def deliveries(store: Store) -> DeliveryStore:
    d = DeliveryStore(store)
    d.record_message("h", "info", "T", ("de",), "n.md")
    return d


def test_a_new_store_is_migrated_to_the_newest_schema(store: Store) -> None:
    assert store.schema_version() == len(MIGRATIONS)
    assert {"messages", "deliveries", "incidents", "alerts", "queue"} <= set(store.tables())


def test_a_second_claim_of_a_delivery_gets_the_one_in_the_way(deliveries: DeliveryStore) -> None:
    first = deliveries.claim("h", "tg", "telegram", "x", False)
    assert first.id is not None
    second = deliveries.claim("h", "tg", "telegram", "x", False)
    assert second.id is None and second.taken is not None and second.taken.id == first.id
    deliveries.finish(first.id, Status.SENT, remote_id="r1")
    assert deliveries.claim("h", "tg", "telegram", "x", False).taken.remote_id == "r1"
    forced = deliveries.claim("h", "tg", "telegram", "x", True)
    assert forced.id is not None and forced.id > first.id
    deliveries.record_message("h", "info", "T again", ("de",), None)  # known: kept as it was
    assert [d.title for d in deliveries.recent()] == ["T", "T"]


def test_the_unique_index_refuses_a_second_live_delivery_written_past_the_claim(
    store: Store, deliveries: DeliveryStore
) -> None:
    deliveries.finish(deliveries.claim("h", "tg", "telegram", "x", False).id, Status.SENT)
    insert = ("INSERT INTO deliveries(message_hash, channel, channel_type, status, forced, "
              "created, updated) VALUES ('h', 'tg', 'telegram', ?, 0, 'now', 'now')")
    for status in ("sent", "unknown", "pending"):
        with pytest.raises(StoreError, match="cannot write the store"), \
                store.transaction() as tx:
            tx.execute(insert, (status,))
    with store.transaction() as tx:
        tx.execute(insert, ("failed",))  # known not to have gone out: allowed


def test_claims_from_many_threads_at_once_leave_one_delivery(location: Location) -> None:
    """Eight stores (eight connections, as eight runs) claim the same delivery at once."""
    with Store.open(location) as first:
        DeliveryStore(first).record_message("h", "info", "T", ("de",), None)
    won: list[int] = []
    start = threading.Barrier(8)

    def run() -> None:
        with Store.open(location) as s:
            start.wait()
            claim = DeliveryStore(s).claim("h", "tg", "telegram", "x", False)
            if claim.id is not None:
                won.append(claim.id)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1


def test_a_retry_claims_what_it_saw_and_a_dismissal_closes_what_it_saw(
    deliveries: DeliveryStore,
) -> None:
    did = deliveries.claim("h", "tg", "telegram", "x", False).id
    deliveries.finish(did, Status.UNKNOWN, error="timeout")
    (seen,) = deliveries.unresolved()
    assert deliveries.reclaim(seen, "being resent").id == did
    assert deliveries.reclaim(seen, "being resent").why == "changed"
    deliveries.finish(did, Status.FAILED, error="502")
    (failed,) = deliveries.unresolved()
    assert not deliveries.dismiss(seen, "anna", "stale")  # not as it was seen
    assert deliveries.dismiss(failed, "anna", "posted by hand")
    assert deliveries.get(did).status is Status.DISMISSED
    assert deliveries.get(did).dismissed_by == "anna"


def test_the_run_lock_tells_a_live_run_from_one_that_is_gone(location: Location) -> None:
    with Store.open(location) as watcher:
        other = Store.open(location)
        claim = other.new_claim()
        assert watcher.owner_alive(claim)
        assert other.owner_alive(claim)
        other.close()
        assert not watcher.owner_alive(claim)
        assert not watcher.owner_alive(None)


def test_one_of_two_runs_takes_a_scheduled_post(location: Location) -> None:
    with Store.open(location) as a, Store.open(location) as b:
        entry = QueueStore(a).add("n.md", "h", "T", ("tg",), clock.utcnow(), False, "anna")
        (seen_a,), (seen_b,) = QueueStore(a).due(clock.utcnow()), QueueStore(b).due(
            clock.utcnow())
        assert QueueStore(a).take(seen_a)
        assert not QueueStore(b).take(seen_b)
        assert QueueStore(b).get(entry.id).state is QueueState.SENDING


def test_incident_ids_are_unique_and_a_recorded_message_is_never_overwritten(
    store: Store,
) -> None:
    incidents = IncidentStore(store)
    assert incidents.allocate("sturm-1", exact=False, subject="{}") == "sturm-1"
    assert incidents.allocate("sturm-1", exact=False, subject="{}") == "sturm-1-2"
    assert incidents.allocate("sturm-1", exact=True) is None
    now = clock.utcnow()
    incidents.open_incident(Incident("sturm-1", "storm", Level.HIGH, CapStatus.ACTUAL,
                                     ("tg",), "Sturm", now, now + timedelta(hours=6), None))
    for n, kind in enumerate([MsgType.ALERT, MsgType.UPDATE]):
        incidents.add_alert(AlertRecord(f"id{n}", "sturm-1", kind, now + timedelta(minutes=n),
                                        now + timedelta(hours=2 + n), f'{{"n": {n}}}'), None)
    with pytest.raises(StoreError, match="already recorded"):
        incidents.add_alert(AlertRecord("id0", "sturm-1", MsgType.ALERT, now, now, "{}"), None)
    assert [a.identifier for a in incidents.alerts("sturm-1")] == ["id0", "id1"]
    assert incidents.get("sturm-1").expires == now + timedelta(hours=3)
    (contender, held) = incidents.contenders()
    assert (contender.id, contender.warning) == ("sturm-1", '{"n": 1}')
    assert held.id == "sturm-1-2"


def test_limits_expiries_and_lookups_by_hash_prefix(store: Store,
                                                    deliveries: DeliveryStore) -> None:
    limits = ChannelLimits(store)
    limits.put("masto", "max_characters", 500)
    limits.put("masto", "max_characters", 1000)
    assert limits.get("masto", "max_characters", timedelta(hours=1)) == 1000
    deliveries.record_message("abcd1234", "info", "Sperrung", ("de",), None)
    deliveries.finish(deliveries.claim("abcd1234", "tg", "telegram", "x", False).id,
                      Status.SENT)
    later = clock.utcnow().replace(microsecond=0) + timedelta(days=1)
    deliveries.set_expiry("abcd1234", clock.utcnow())
    deliveries.set_expiry("abcd1234", later)
    assert deliveries.expiries()["abcd1234"] == later
    assert deliveries.find_notice("abcd") == "abcd1234"
    assert [d.message_hash for d in deliveries.of_message("abc")] == ["abcd1234"]
    assert [t for _, t, _ in deliveries.sent_since(clock.utcnow() - timedelta(hours=1))] == [
        "Sperrung"]


def test_an_outcome_kept_aside_is_written_into_the_store_by_the_next_run(
    location: Location, deliveries: DeliveryStore
) -> None:
    did = deliveries.claim("h", "tg", "telegram", "x", False).id
    deliveries.store.keep_aside({"delivery": did, "status": "sent", "remote_id": "r9",
                                 "url": None, "error": None, "attempts": 1,
                                 "updated": "2026-11-30T09:00:00+00:00"})
    with Store.open(location) as again:
        got = DeliveryStore(again).get(did)
    assert (got.status, got.remote_id) == (Status.SENT, "r9")


@pytest.mark.integration
def test_several_runs_opening_a_new_server_store_at_once_migrate_it_once(
    pg_url: str, tmp_path: Path
) -> None:
    location = Location(tmp_path / "s.db", pg_url, PASSWORD_ENV)
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def run() -> None:
        start.wait()
        try:
            with Store.open(location) as s:
                assert s.schema_version() == len(MIGRATIONS)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


@pytest.mark.integration
def test_a_server_that_cannot_be_reached_is_one_line_without_the_password(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    down = pg_url.rsplit(":", 1)[0] + ":1/citychan"  # nothing listens on port 1
    with pytest.raises(StoreError, match="cannot reach the store postgresql://citychan@"
                                         r"127\.0\.0\.1:1/citychan") as refused:
        Store.open(Location(tmp_path / "s.db", down, PASSWORD_ENV))
    monkeypatch.setenv(PASSWORD_ENV, "wrong-" + PASSWORD)
    with pytest.raises(StoreError, match="password authentication failed") as wrong:
        Store.open(Location(tmp_path / "s.db", pg_url, PASSWORD_ENV))
    for exc in (refused.value, wrong.value):
        assert PASSWORD not in f"{exc.message} {exc.hint}"
    assert "CITYCHAN_DB_PASSWORD" in (wrong.value.hint or "")
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    with Store.open(Location(tmp_path / "s.db", pg_url, PASSWORD_ENV)) as s:
        assert PASSWORD not in repr(s) and PASSWORD not in repr(s.location)


@pytest.mark.integration
def test_a_second_opening_in_one_process_reuses_the_connection_without_the_run_lock(
    pg_url: str, tmp_path: Path
) -> None:
    # a post opens the store twice (to plan, then to send): one connection, one password
    # exchange; the first opening's run lock does not outlive its close
    location = Location(tmp_path / "s.db", pg_url, PASSWORD_ENV)
    with Store.open(location) as first:
        backend = first.scalar("SELECT pg_backend_pid()")
        token = first.owner
    with Store.open(location) as second, Store.open(location) as other:
        assert second.scalar("SELECT pg_backend_pid()") == backend
        assert other.scalar("SELECT pg_backend_pid()") != backend
        assert not other.owner_alive(f"{token}.1")
        with second.transaction() as tx:  # the write lock is taken with BEGIN
            held = tx.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND pid = pg_backend_pid() AND classid = ? AND objid = 1 AND objsubid = 2",
                (0x63697479,)).fetchone()[0]
        assert held == 1
