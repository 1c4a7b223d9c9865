"""Migration 3 on a store written by the previous citychan (schema 2): the CAP document
leaves the delivery rows for the CAP message it belongs to, nothing recorded is lost, and
`citychan log` and `citychan retry` work on the migrated store."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from citychan.store.db import MIGRATIONS, Store
from citychan.store.deliveries import DeliveryStore, Status
from citychan.store.incidents import IncidentStore
from tests.support.cli import cli
from tests.support.files import write

FIXTURE = Path(__file__).parent / "fixtures" / "store_v2_warning.sql"
INCIDENT = "hochwasser-20261129T211600"
FEED = "https://www.bautzen.de/aktuelles"


@pytest.fixture
def old_store(isolated: Path) -> Path:
    """The fixture's store in place, with the config it was made with (the feed now works)."""
    path = isolated / "citychan-out" / "citychan.db"
    path.parent.mkdir(parents=True)
    con = sqlite3.connect(path)
    con.executescript(FIXTURE.read_text(encoding="utf-8"))
    con.close()
    write(isolated / "citychan.toml", 'version = 1\n[alerts]\nsender_name = "Stadt Bautzen"\n'
          f'[channels.outbox]\ntype = "outbox"\n[channels.website]\ntype = "feed"\n'
          f'public_url = "{FEED}"\n')
    return path


def _rows(path: Path, sql: str) -> list[dict[str, Any]]:
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(sql)]
    finally:
        con.close()


def _version(path: Path) -> int:
    con = sqlite3.connect(path)
    try:
        return int(con.execute("PRAGMA user_version").fetchone()[0])
    finally:
        con.close()


def test_the_fixture_is_a_schema_2_store_with_the_cap_document_in_every_warning_row(
    old_store: Path,
) -> None:
    assert _version(old_store) == 2
    posts = [json.loads(r["post"]) for r in _rows(old_store, "SELECT post FROM deliveries")]
    assert [p["extra"].get("cap_identifier") for p in posts] == [
        None, None, f"{INCIDENT}.1", f"{INCIDENT}.1", f"{INCIDENT}.2", f"{INCIDENT}.2"]
    assert all(p["extra"]["cap_xml"].startswith("<?xml") for p in posts[2:])


def test_migration_moves_each_cap_document_to_its_cap_message(old_store: Path) -> None:
    before = _rows(old_store, "SELECT * FROM deliveries ORDER BY id")
    others = {t: _rows(old_store, f"SELECT * FROM {t}") for t in ("messages", "incidents")}
    alerts_before = _rows(old_store, "SELECT * FROM alerts ORDER BY identifier")
    cap_of = {json.loads(d["post"])["extra"].get("cap_identifier"):
              json.loads(d["post"])["extra"].get("cap_xml") for d in before}

    with Store.open(old_store) as store:
        assert _version(old_store) == len(MIGRATIONS) >= 3  # later migrations run too
        incidents = IncidentStore(store)
        for identifier in (f"{INCIDENT}.1", f"{INCIDENT}.2"):
            assert incidents.cap_of(identifier) == cap_of[identifier]  # to the byte
        assert [a.cap_xml for a in incidents.alerts(INCIDENT)] == [
            cap_of[f"{INCIDENT}.1"], cap_of[f"{INCIDENT}.2"]]
        assert [d.status for d in DeliveryStore(store).recent()] == [
            Status.FAILED, Status.SENT] * 3

    after = _rows(old_store, "SELECT * FROM deliveries ORDER BY id")
    assert len(after) == len(before) == 6
    for old, new in zip(before, after, strict=True):
        assert {k: v for k, v in old.items() if k != "post"} == {
            k: v for k, v in new.items() if k != "post" and k in old}  # every other column
        # as it was (later migrations add columns)
        old_post, new_post = json.loads(old["post"]), json.loads(new["post"])
        extra = old_post.pop("extra")
        assert "extra" not in new_post and "cap_xml" not in new["post"]
        assert "<alert" not in new["post"]  # the document itself is gone from the row
        assert new_post.pop("cap_file", None) == extra.get("cap_name")
        assert new_post == old_post  # the rest of the post, key by key
    for table, rows in others.items():  # every column they had, as it was
        assert [{k: v for k, v in r.items() if k in rows[0]}
                for r in _rows(old_store, f"SELECT * FROM {table}")] == rows
    alerts_after = _rows(old_store, "SELECT * FROM alerts ORDER BY identifier")
    assert [{k: v for k, v in a.items() if k in alerts_before[0]}
            for a in alerts_after] == alerts_before


def test_opening_a_migrated_store_again_changes_nothing(old_store: Path) -> None:
    Store.open(old_store).close()
    dump = list(sqlite3.connect(old_store).iterdump())
    Store.open(old_store).close()
    assert list(sqlite3.connect(old_store).iterdump()) == dump


def test_a_cap_document_without_its_cap_message_stays_in_the_row(old_store: Path) -> None:
    """Nothing recorded is lost: with no CAP message to keep it with, the document stays."""
    con = sqlite3.connect(old_store)
    con.execute("DELETE FROM alerts WHERE identifier=?", (f"{INCIDENT}.2",))
    con.commit()
    con.close()
    Store.open(old_store).close()
    posts = {r["id"]: json.loads(r["post"]) for r in _rows(old_store, "SELECT * FROM deliveries")}
    assert "extra" not in posts[3] and "extra" not in posts[4]
    for did in (5, 6):
        assert posts[did]["extra"]["cap_xml"].startswith("<?xml")
        assert posts[did]["extra"]["cap_identifier"] == f"{INCIDENT}.2"
        assert posts[did]["cap_file"] == f"{INCIDENT}.2.cap.xml"


def test_log_and_retry_list_work_on_the_migrated_store(old_store: Path) -> None:
    run = cli("log", "--output", "json")
    assert run.code == 0, run.stderr
    log = json.loads(run.stdout)["result"]
    assert [(d["id"], d["channel"], d["status"]) for d in log["deliveries"]] == [
        (6, "website", "failed"), (5, "outbox", "sent"), (4, "website", "failed"),
        (3, "outbox", "sent"), (2, "website", "failed"), (1, "outbox", "sent")]
    assert [i["id"] for i in log["incidents"]] == [INCIDENT]
    assert _version(old_store) == len(MIGRATIONS)  # log migrated it

    run = cli("retry", "--list", "--output", "json")
    assert run.code == 4, run.stderr  # three failed deliveries are open
    listed = json.loads(run.stdout)["result"]["deliveries"]
    assert [(d["id"], d["channel"], d["kind"]) for d in listed] == [
        (2, "website", "info"), (4, "website", "warning"), (6, "website", "warning")]


def test_retry_resends_to_the_feed_and_writes_the_cap_documents_beside_it(
    old_store: Path, isolated: Path
) -> None:
    posts = [json.loads(r["post"]) for r in
             _rows(old_store, "SELECT post FROM deliveries WHERE id IN (4, 6)")]
    caps = {p["extra"]["cap_identifier"]: p["extra"]["cap_xml"] for p in posts}
    assert sorted(caps) == [f"{INCIDENT}.1", f"{INCIDENT}.2"]
    run = cli("retry", "--yes", "--output", "json")
    assert run.code == 0, run.stdout + run.stderr
    done = json.loads(run.stdout)["result"]["deliveries"]
    assert [(d["id"], d["action"], d["new_status"]) for d in done] == [
        (2, "resent", "sent"), (4, "resent", "sent"), (6, "resent", "sent")]

    feed = isolated / "citychan-out" / "feed"
    for identifier, cap in caps.items():
        assert (feed / "cap" / f"{identifier}.cap.xml").read_bytes() == cap.encode("utf-8")
    import feedparser

    index = feedparser.parse((feed / "alerts.xml").read_bytes())
    assert index.bozo == 0
    assert sorted(e.link for e in index.entries) == [
        f"{FEED}/cap/{INCIDENT}.1.cap.xml", f"{FEED}/cap/{INCIDENT}.2.cap.xml"]
    atom = feedparser.parse((feed / "feed.xml").read_bytes())
    related = sorted(link.href for e in atom.entries for link in e.links if link.rel == "related")
    assert related == [f"{FEED}/cap/{INCIDENT}.1.cap.xml", f"{FEED}/cap/{INCIDENT}.2.cap.xml"]
    assert len(list((feed / "cap").iterdir())) == 2  # none for the notice
