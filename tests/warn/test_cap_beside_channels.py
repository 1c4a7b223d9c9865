"""The CAP document beside the outbox and the feed is written by citychan.warn.cap_files
alone, after delivery; the store keeps it once, with its CAP message, not in the delivery
rows; a feed whose CAP file cannot be written is a failed delivery that `retry` completes."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from citychan.channels.base import ChannelContext, Dialect
from citychan.channels.feed import FeedChannel
from citychan.channels.outbox import OutboxChannel
from citychan.testing import sample_post
from tests.support.cli import cli
from tests.support.config import ALERTS_CONFIG
from tests.support.files import write

FEED = "https://www.bautzen.de/aktuelles"
CONFIG = ALERTS_CONFIG + f'[channels.website]\ntype = "feed"\npublic_url = "{FEED}"\n'


def _rows(isolated: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(isolated / "citychan-out" / "citychan.db")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _warn() -> tuple[int, dict]:
    run = cli("warn", "--template", "hochwasser", "--level", "medium", "--area", "Seidau",
              "--yes", "--output", "json")
    return run.code, json.loads(run.stdout)["result"]


def test_feed_and_outbox_channels_write_no_cap_document_themselves(tmp_path: Path) -> None:
    ctx = ChannelContext(env={}, base_dir=tmp_path)
    feed = FeedChannel.from_config("website", {"public_url": FEED, "path": "feed"}, ctx)
    outbox = OutboxChannel.from_config("outbox", {"path": "outbox"}, ctx)
    when = datetime(2026, 11, 28, 14, 5, tzinfo=UTC)
    feed.send(sample_post(Dialect.FEED, channel="website", cap_file="x.1.cap.xml", sent=when))
    outbox.send(sample_post(Dialect.WHATSAPP, channel="outbox", cap_file="x.1.cap.xml"))
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
                     if p.is_file())
    assert not [p for p in written if "cap" in p or p.endswith("alerts.xml")], written
    (entry,) = feed.entries()
    assert entry["cap"] == f"{FEED}/cap/x.1.cap.xml"  # the feed links where cap_files writes


def test_the_store_keeps_the_cap_document_once_with_its_cap_message(isolated: Path) -> None:
    write(isolated / "citychan.toml", CONFIG)
    code, res = _warn()
    assert code == 0, res
    archive = isolated / "citychan-out" / "cap" / f"{res['identifier']}.cap.xml"
    ((cap,),) = _rows(isolated, "SELECT cap FROM alerts")
    assert cap.encode("utf-8") == archive.read_bytes()
    posts = [json.loads(p) for (p,) in _rows(isolated, "SELECT post FROM deliveries")]
    assert len(posts) == 2
    for post in posts:
        assert "extra" not in post and "<alert" not in json.dumps(post)
        assert post["cap_file"] == archive.name
    beside = [isolated / "citychan-out" / "outbox" / archive.name,
              isolated / "citychan-out" / "feed" / "cap" / archive.name]
    assert [p.read_bytes() for p in beside] == [archive.read_bytes()] * 2


def test_a_cap_file_the_feed_cannot_have_fails_that_delivery_and_retry_writes_it(
    isolated: Path
) -> None:
    write(isolated / "citychan.toml", CONFIG)
    feed = isolated / "citychan-out" / "feed"
    write(feed / "cap", "a file where the CAP folder should be")
    code, res = _warn()
    assert code == 4
    by = {r["channel"]: r for r in res["results"]}
    assert by["outbox"]["status"] == "sent"
    assert by["website"]["status"] == "failed"
    assert "cannot write the CAP document" in by["website"]["error"]
    name = f"{res['identifier']}.cap.xml"
    assert (isolated / "citychan-out" / "outbox" / name).is_file()
    assert _rows(isolated, "SELECT channel, status FROM deliveries ORDER BY channel") == [
        ("outbox", "sent"), ("website", "failed")]

    (feed / "cap").unlink()
    run = cli("retry", "--yes", "--output", "json")
    assert run.code == 0, run.stdout + run.stderr
    ((cap,),) = _rows(isolated, "SELECT cap FROM alerts")
    assert (feed / "cap" / name).read_bytes() == cap.encode("utf-8")
    import feedparser

    index = feedparser.parse((feed / "alerts.xml").read_bytes())
    assert [e.link for e in index.entries] == [f"{FEED}/cap/{name}"]
    assert _rows(isolated, "SELECT channel, status FROM deliveries ORDER BY channel") == [
        ("outbox", "sent"), ("website", "sent")]
