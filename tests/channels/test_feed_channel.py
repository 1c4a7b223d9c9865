from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import feedparser

from citychan.channels.base import ChannelContext, Dialect, Kind, Post, Rendered
from citychan.channels.feed import FeedChannel
from citychan.channels.outbox import OutboxChannel


def post(mid: str, title: str, html: str = "<p>Text</p>", when: int = 10) -> Post:
    return Post(
        message_id=mid,
        channel="feed",
        kind=Kind.INFO,
        title=title,
        rendered=Rendered(Dialect.FEED, "Text", html, title),
        link="https://www.bautzen.de/a",
        sent=datetime(2026, 11, 28, when, 0, tzinfo=UTC),
    )


def feed(tmp_path: Path) -> FeedChannel:
    return FeedChannel.from_config(
        "feed",
        {"path": "f", "title": "Stadt Bautzen", "public_url": "https://www.bautzen.de/aktuelles"},
        ChannelContext(env={}, base_dir=tmp_path),
    )


def test_feedparser_reads_it_without_bozo_and_newest_first(tmp_path: Path) -> None:
    ch = feed(tmp_path)
    ch.send(post("a" * 64, "Erste Meldung – Öffnungszeiten"))
    ch.send(post("b" * 64, "Zweite Meldung: Budyšin ěłćřž", when=11))
    parsed = feedparser.parse((tmp_path / "f" / "feed.xml").read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert [e.title for e in parsed.entries] == [
        "Zweite Meldung: Budyšin ěłćřž",
        "Erste Meldung – Öffnungszeiten",
    ]
    assert parsed.feed.title == "Stadt Bautzen"


def test_entry_ids_are_stable_across_reposts(tmp_path: Path) -> None:
    ch = feed(tmp_path)
    r1 = ch.send(post("c" * 64, "Meldung"))
    r2 = ch.send(post("c" * 64, "Meldung", when=12))
    parsed = feedparser.parse((tmp_path / "f" / "feed.xml").read_bytes())
    assert r1.remote_id == r2.remote_id == parsed.entries[0].id
    assert len(parsed.entries) == 1
    assert parsed.entries[0].published.startswith("2026-11-28T10:00")  # first publication kept


def test_script_in_title_stays_text(tmp_path: Path) -> None:
    ch = feed(tmp_path)
    ch.send(post("d" * 64, "<script>alert(1)</script> Markt", html="<p>&lt;b&gt;</p>"))
    page = (tmp_path / "f" / "index.html").read_text()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Markt" in page
    parsed = feedparser.parse((tmp_path / "f" / "feed.xml").read_bytes())
    assert parsed.bozo == 0
    assert parsed.entries[0].title == "<script>alert(1)</script> Markt"
    assert parsed.entries[0].title_detail.type == "text/plain"


def test_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    ch = feed(tmp_path)
    for i in range(3):
        ch.send(post(str(i) * 64, f"M {i}"))
    folder = tmp_path / "f"
    assert sorted(p.name for p in folder.iterdir()) == [
        "archiv",
        "entries",
        "entries.json",
        "feed.json",
        "feed.xml",
        "index.html",
        "meldung",
    ]
    assert [p for p in folder.rglob("*") if p.name.endswith(".tmp")] == []
    assert sorted(p.name for p in (folder / "meldung").iterdir()) == [
        f"{str(i) * 12}.html" for i in range(3)]


def test_outbox_writes_exactly_the_rendered_text(tmp_path: Path) -> None:
    ch = OutboxChannel.from_config(
        "outbox", {"path": "o"}, ChannelContext(env={}, base_dir=tmp_path)
    )
    text = "*Sperrung der Löbauer Straße*\n\nUmleitung: https://www.bautzen.de/u\n"
    p = Post(
        message_id="e" * 64,
        channel="outbox",
        kind=Kind.INFO,
        title="Sperrung der Löbauer Straße",
        rendered=Rendered(Dialect.WHATSAPP, text),
    )
    receipt = ch.send(p)
    (written,) = (tmp_path / "o").iterdir()
    assert written.read_text(encoding="utf-8") == text
    assert written.name == f"sperrung-der-loebauer-strasse-{'e' * 12}.outbox.txt"
    assert receipt.url == written.resolve().as_uri()


def test_a_control_character_never_breaks_the_feed(tmp_path: Path) -> None:
    """One stray character (an old entry, a plugin's text) must not break feed.xml for every
    later post: the feed is rebuilt from entries.json each time."""
    ch = feed(tmp_path)
    ch.send(post("d" * 64, "Zeile\x0bZwei\x01", html="<p>A\x0bB\x1f</p>"))
    ch.send(post("e" * 64, "Danach", when=11))
    parsed = feedparser.parse((tmp_path / "f" / "feed.xml").read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert [e.title for e in parsed.entries] == ["Danach", "ZeileZwei"]


def test_the_archive_page_keeps_every_notice_the_feed_the_newest_100(tmp_path: Path) -> None:
    ch = feed(tmp_path)
    for i in range(105):
        ch.send(post(f"{i:064x}", f"Meldung Nummer {i}", when=i % 24))
    parsed = feedparser.parse((tmp_path / "f" / "feed.xml").read_bytes())
    assert len(parsed.entries) == 100 and parsed.entries[0].title == "Meldung Nummer 104"
    # the month's archive, in pages of 100: every notice; the front page the latest 20
    archive = "".join(p.read_text(encoding="utf-8")
                      for p in sorted((tmp_path / "f" / "archiv").glob("2026-11*.html")))
    assert all(f"Meldung Nummer {i}<" in archive for i in range(105))
    front = (tmp_path / "f" / "index.html").read_text(encoding="utf-8")
    assert front.count("<article ") == 20 and 'href="archiv/2026-11.html"' in front
