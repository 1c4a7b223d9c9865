"""Issue 15, item 2: the website feed's entries in the store (``feed_entries``), on both
backends: what the pages ask is one query each, a step is serialized with every other
machine's, an old folder's entries are taken over below the store's, and export/import
carries them unchanged."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from citychan.store.db import Location, Store
from citychan.store.feed_entries import FeedRows, StoredFeeds
from citychan.store.transfer import counts, export, import_into, summary
from tests.support.postgres import PASSWORD_ENV

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)]
FEED = "https://www.bautzen.de/aktuelles"


@pytest.fixture(params=BACKENDS)
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Location:
    if request.param == "sqlite":
        return Location(tmp_path / "s.db")
    return Location(tmp_path / "s.db", request.getfixturevalue("pg_url"), PASSWORD_ENV)


def entry(n: int, month: str = "2026-12", **extra: Any) -> dict[str, Any]:
    when = f"{month}-0{1 + n % 9}T08:{n:02d}:00+01:00"
    return {"id": f"urn:uuid:{n:04d}", "anchor": f"a{n:03d}", "title": f"Meldung {n}",
            "html": f"<p>Text {n} – Töpferstraße</p>", "kind": "info", "published": when,
            "updated": when, **extra}


def record(e: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in e.items() if k != "html"}


def put(rows: FeedRows, e: dict[str, Any], *, is_open: bool = False, top: bool = True) -> None:
    rows.put(e, record(e), e["published"][:7], is_open, top)


def test_entries_round_trip_and_each_index_question_is_answered(location: Location) -> None:
    feeds = StoredFeeds(location)
    with feeds.step(FEED) as rows:
        for n in range(3):
            put(rows, entry(n, "2026-11"))
        put(rows, entry(3), is_open=True)
        put(rows, entry(4))
    with feeds.step("https://www.other.example/news") as rows:  # another feed: apart
        put(rows, entry(9))
    with feeds.read(FEED) as rows:
        assert [r["title"] for r in rows.recent(10)] == [f"Meldung {n}" for n in (4, 3, 2, 1, 0)]
        assert rows.recent(2)[0] == record(entry(4))  # a record: without its text
        assert rows.open() == {"a003": "2026-12"}
        assert rows.months() == {"2026-12": 2, "2026-11": 3}
        assert [r["anchor"] for r in rows.month("2026-11")] == ["a002", "a001", "a000"]
        assert rows.load("a001") == entry(1, "2026-11")  # in full, umlauts and all
        assert rows.find("urn:uuid:0003") == entry(3)
        assert rows.load("a009") is None and rows.find("urn:uuid:0009") is None
        assert len(rows.every()) == rows.count() == 5


def test_a_change_keeps_its_place_and_a_resend_goes_first(location: Location) -> None:
    feeds = StoredFeeds(location)
    with feeds.step(FEED) as rows:
        for n in range(3):
            put(rows, entry(n))
    with feeds.step(FEED) as rows:
        put(rows, entry(0, title="Korrigiert"), top=False)  # an edit
        assert [r["anchor"] for r in rows.recent(5)] == ["a002", "a001", "a000"]
        assert rows.load("a000")["title"] == "Korrigiert"
        put(rows, entry(1))  # sent again
        assert [r["anchor"] for r in rows.recent(5)] == ["a001", "a002", "a000"]
        assert rows.count() == 3


def test_an_old_folder_is_taken_over_below_the_store_and_never_over_it(
        location: Location) -> None:
    feeds = StoredFeeds(location)
    with feeds.step(FEED) as rows:
        put(rows, entry(7, title="Vom anderen Rechner"))
    old = [entry(n, "2026-10") for n in (7, 2, 1)]  # newest first; a007 is in the store
    with feeds.step(FEED) as rows:
        added = rows.take((e, record(e), "2026-10", False) for e in old)
    assert added == 2
    with feeds.read(FEED) as rows:
        assert [r["anchor"] for r in rows.recent(5)] == ["a007", "a002", "a001"]
        assert rows.load("a007")["title"] == "Vom anderen Rechner"


def test_a_failed_step_leaves_nothing(location: Location) -> None:
    feeds = StoredFeeds(location)
    with pytest.raises(RuntimeError), feeds.step(FEED) as rows:
        put(rows, entry(1))
        raise RuntimeError("the pages could not be written")
    with feeds.read(FEED) as rows:
        assert rows.count() == 0


def test_a_second_step_waits_for_the_first_and_sees_its_entry(location: Location) -> None:
    """Two machines posting at once: the second reads the entries only once the first has
    committed, so the pages it writes list both."""
    feeds = StoredFeeds(location)
    with Store.open(location):
        pass  # made before the race
    first_in, seen = threading.Event(), []

    def second() -> None:
        first_in.wait(10)
        with feeds.step(FEED) as rows:
            seen.extend(r["anchor"] for r in rows.recent(5))
            put(rows, entry(2))

    thread = threading.Thread(target=second)
    thread.start()
    with feeds.step(FEED) as rows:
        put(rows, entry(1))
        first_in.set()
        time.sleep(0.5)  # the second is waiting now, not reading
        assert not seen
    thread.join(30)
    assert seen == ["a001"]
    with feeds.read(FEED) as rows:
        assert [r["anchor"] for r in rows.recent(5)] == ["a002", "a001"]


def test_reading_a_store_not_made_yet_makes_none(tmp_path: Path) -> None:
    with StoredFeeds(tmp_path / "none.db").read(FEED) as rows:
        assert rows.recent(5) == [] and rows.months() == {} and rows.count() == 0
    assert not (tmp_path / "none.db").exists()


@pytest.fixture
def filled(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "laptop.db"
    with StoredFeeds(path).step(FEED) as rows:
        for n in range(12):
            put(rows, entry(n, "2026-11" if n < 6 else "2026-12"), is_open=n == 11)
    yield path


def test_export_and_import_carry_the_feed_entries_unchanged(filled: Path,
                                                            tmp_path: Path) -> None:
    with Store.open(filled) as store:
        before = {s.name: s for s in summary(store)}["feed_entries"]
        export(store, tmp_path / "backup.jsonl")
        assert counts(store)["feed_entries"] == 12  # as `citychan store info` lists them
    assert before.rows == 12
    with Store.open(tmp_path / "copy.db") as target:
        after = {s.name: s for s in import_into(target, tmp_path / "backup.jsonl")}
    assert after["feed_entries"] == before
    with StoredFeeds(tmp_path / "copy.db").read(FEED) as rows:
        assert rows.open() == {"a011": "2026-12"}
        assert rows.load("a003") == entry(3, "2026-11")
        assert [r["anchor"] for r in rows.recent(2)] == ["a011", "a010"]


@pytest.mark.integration
def test_an_sqlite_stores_feed_entries_import_into_the_server(filled: Path, pg_url: str,
                                                              tmp_path: Path) -> None:
    with Store.open(filled) as store:
        before = {s.name: s for s in summary(store)}["feed_entries"]
    server = Location(tmp_path / "j.db", pg_url, PASSWORD_ENV)
    with Store.open(server) as target:
        after = {s.name: s for s in import_into(target, filled)}
    assert after["feed_entries"] == before and before.rows == 12
    with StoredFeeds(server).step(FEED) as rows:  # and it goes on from there
        put(rows, entry(20))
        assert [r["anchor"] for r in rows.recent(2)] == ["a020", "a011"]
