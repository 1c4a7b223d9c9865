"""A store is shared by every machine of a city: what another machine (or anyone who can
write to the database) put into the feed's entries is checked before it names a file here.
And the feed's every-minute expiry check makes no store where there is none."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from citychan import clock
from citychan.channels.feed import FeedChannel
from tests.channels.test_feed_stored import URL, machine, mid, post, stored
from tests.support.cli import cli
from tests.support.config import MakeConfig

DEC = datetime(2026, 12, 7, 8, tzinfo=UTC)


def plant(db: Path, anchor: str, *, month: str = "2026-12", images: list | None = None,
          row: str | None = None) -> None:
    """An entry another machine could have written: open, expired, named ``anchor`` (kept
    in the row named ``row``, the same unless given)."""
    entry = {"id": f"urn:uuid:{anchor}", "title": "Gepflanzt", "html": "<p>x</p>", "text": "x",
             "link": URL, "page": URL, "anchor": anchor, "kind": "info", "langs": ["de"],
             "summary": None, "tags": [], "published": "2026-12-01T08:00:00+00:00",
             "updated": "2026-12-01T08:00:00+00:00", "expires": "2026-12-02T08:00:00+00:00",
             "teaser": "x"}
    if images is not None:
        entry["images"] = images
    with sqlite3.connect(db) as con:
        con.execute("INSERT INTO feed_entries (feed, anchor, id, seq, month, published, "
                    "updated, is_open, entry, record) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (URL, row or anchor, entry["id"], 10_000, month, entry["published"],
                     entry["updated"], 1, json.dumps(entry), json.dumps(entry)))
    con.close()


@pytest.mark.parametrize(("anchor", "month", "images"), [
    ("../../../../outside", "2026-12", None),
    ("/tmp/outside", "2026-12", None),
    ("0123456789ab", "../../outside", None),
    ("0123456789ab", "2026-12", [{"file": "../../outside.jpg", "width": 1, "height": 1}]),
], ids=["anchor with ..", "absolute anchor", "month with ..", "picture outside bilder/"])
def test_an_entry_naming_files_outside_the_feed_is_left_out_and_the_feed_goes_on(
        anchor: str, month: str, images: list | None, tmp_path: Path) -> None:
    db = tmp_path / "citychan.db"
    feed = machine(tmp_path, "a", db)
    feed.send(post(1, DEC))
    plant(db, anchor, month=month, images=images)
    feed.send(post(2, DEC + timedelta(minutes=1)))
    feed.refresh()
    feed.rebuild()
    inside = feed.path.resolve()
    every = [p.resolve() for p in tmp_path.rglob("*") if p.is_file()]
    outside = [p for p in every if not p.is_relative_to(inside)
               and p.name not in ("citychan.db", ".feed.lock")]
    assert outside == []
    for folder in feed.path.resolve().parents:  # where a '..' would have led
        assert not list(folder.glob("outside*")), folder
    front = (feed.path / "index.html").read_text(encoding="utf-8")
    assert "Meldung Nummer 2" in front and "Meldung Nummer 1" in front
    if month == "2026-12":  # the entry itself names a file outside: it is left out
        assert "Gepflanzt" not in front
        assert [e["anchor"] for e in stored(db)] == [mid(2)[:12], mid(1)[:12]]
    else:  # a sound entry in a month row that is none: its pages are its own month's
        assert not list(feed.path.rglob("*outside*"))


def test_expire_and_run_due_make_no_store_where_there_is_none(
        isolated: Path, make_config: MakeConfig) -> None:
    make_config(channels={"feed": {"type": "feed", "path": "citychan-out/feed",
                                   "title": "Stadt Bautzen", "public_url": URL}})
    for command in (("expire",), ("run-due",)):
        run = cli(*command)
        assert run.code == 0, (command, run.stdout, run.stderr)
        assert not Path("citychan-out/citychan.db").exists(), command


def test_an_expiry_is_still_written_when_one_has_passed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "citychan.db"
    feed: FeedChannel = machine(tmp_path, "a", db)
    monkeypatch.setattr(clock, "utcnow", lambda: DEC)
    feed.send(post(1, DEC, expires=DEC + timedelta(minutes=5)))
    assert feed.refresh() is False  # nothing due yet
    monkeypatch.setattr(clock, "utcnow", lambda: DEC + timedelta(hours=1))
    assert feed.refresh() is True
    assert stored(db)[0].get("expired")


def test_a_row_whose_entry_claims_another_anchor_is_left_out_and_a_rebuild_ends(
        tmp_path: Path) -> None:
    db = tmp_path / "citychan.db"
    feed = machine(tmp_path, "a", db)
    feed.send(post(1, DEC))
    plant(db, mid(1)[:12], row="ffffffffffff")  # stands for entry 1 in another row
    written = feed.rebuild()  # read a batch at a time by anchor: must come to an end
    assert feed.path / "index.html" in written
    assert [e["title"] for e in stored(db)] == ["Meldung Nummer 1"]
    page = (feed.path / "meldung" / f"{mid(1)[:12]}.html").read_text(encoding="utf-8")
    assert "Gepflanzt" not in page
