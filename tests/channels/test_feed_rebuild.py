"""Issue 15: a rebuild writes every page of the website again from the store (a new machine's
empty folder, a changed page layout) without holding the store's write lock while it does:
posts from other runs go on meanwhile, and an entry they change is never overwritten with
its older page."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest

import citychan.channels.feed as feed_module
from citychan.channels.base import ChannelContext, Dialect, Kind, Post, Rendered
from citychan.channels.feed import FeedChannel
from citychan.channels.feed_pages import month_of
from citychan.channels.feed_store import is_open, record
from citychan.store.db import Location
from citychan.store.feed_entries import StoredFeeds
from tests.support.config import write_config
from tests.support.files import write
from tests.support.upload_servers import DAV_PASSWORD, WebdavServer, running_webdav
from tests.support.workers import Workers

URL = "https://www.bautzen.de/aktuelles"
DEC = datetime(2026, 12, 7, 8, tzinfo=UTC)


def mid(n: int) -> str:
    return hashlib.sha256(f"notice {n}".encode()).hexdigest()


def post(n: int, when: datetime, **extra: Any) -> Post:
    title = extra.pop("title", f"Meldung Nummer {n}")
    kind = extra.pop("kind", Kind.INFO)
    return Post(message_id=mid(n), channel="feed", kind=kind, title=title,  # type: ignore[arg-type]
                rendered=Rendered(Dialect.FEED, "Text", f"<p>Text {n}</p>", title), sent=when,
                **extra)


def machine(tmp_path: Path, name: str, store: Path | Location) -> FeedChannel:
    return FeedChannel.from_config(
        "feed", {"path": str(tmp_path / name / "feed"), "title": "Stadt Bautzen",
                 "public_url": URL},
        ChannelContext(env={}, base_dir=tmp_path / name, feeds=StoredFeeds(store)))


def archive(feed: FeedChannel, n: int, end: datetime = DEC) -> list[dict[str, Any]]:
    """``n`` entries, newest first, one a day before ``end``."""
    out = []
    for i in range(n):
        when = (end - timedelta(days=i + 1)).isoformat()
        m = hashlib.sha256(f"archive {i}".encode()).hexdigest()
        out.append({"id": feed.entry_id(m), "title": f"Bekanntmachung {i}",
                    "html": f"<p>Archiv {i}</p>", "text": f"Archiv {i}",
                    "link": feed.page_url(m[:12]), "page": feed.page_url(m[:12]),
                    "anchor": m[:12], "kind": "info", "langs": ["de"], "summary": None,
                    "tags": [], "published": when, "updated": when})
    return out


def seed(store: Path | Location, feed: FeedChannel, entries: list[dict[str, Any]]) -> None:
    """The entries into the store, as another machine's posts left them (no pages here)."""
    with StoredFeeds(store).step(URL) as rows:
        rows.take((e, record(e), month_of(e), is_open(e)) for e in entries)


def page(feed: FeedChannel, n: int | str) -> str:
    anchor = mid(n)[:12] if isinstance(n, int) else n
    return (feed.path / "meldung" / f"{anchor}.html").read_text(encoding="utf-8")


def test_a_new_machine_gets_every_page_from_the_store_a_batch_at_a_time(
        tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    a, b = machine(tmp_path, "a", db), machine(tmp_path, "b", db)
    old = archive(a, 40)  # 40 days back: two months
    seed(db, a, old)
    a.send(post(1, DEC, kind=Kind.WARNING, expires=DEC + timedelta(hours=6)))
    a.send(post(2, DEC + timedelta(minutes=5)))
    assert not b.path.exists()
    written = b.rebuild(batch=7)  # several batches, the last one short
    for e in old:
        assert e["title"] in page(b, e["anchor"])
    assert "Meldung Nummer 1" in page(b, 1) and "Meldung Nummer 2" in page(b, 2)
    months = sorted({month_of(e) for e in old} | {"2026-12"})
    for month in months:
        assert (b.path / "archiv" / f"{month}.html").is_file()
    december = (b.path / "archiv" / "2026-12.html").read_text(encoding="utf-8")
    assert "Meldung Nummer 2" in december and "Bekanntmachung 0" in december
    front = b.page_file.read_text(encoding="utf-8")
    assert "Meldung Nummer 1" in front and "Meldung Nummer 2" in front
    ids = [e.id for e in feedparser.parse(b.feed_file.read_bytes()).entries]
    assert ids[:2] == [b.entry_id(mid(2)), b.entry_id(mid(1))] and len(ids) == 42
    shown = {p.relative_to(b.path).as_posix() for p in written}
    assert len([p for p in shown if p.startswith("meldung/")]) == 42
    assert {"index.html", "feed.xml", "feed.json"} <= shown
    assert not any(p.startswith("entries") for p in shown)  # not for the web server
    assert all(p.is_file() for p in written) and len(written) == len(set(written))
    # B's copy says its entries are in the store: nothing taken in again on its next post
    assert json.loads((b.path / "entries.json").read_text(encoding="utf-8"))["in_store"]


def test_a_rebuild_writes_every_article_anew_not_as_the_old_pages_had_it(
        tmp_path: Path) -> None:
    """After an upgrade that changed the layout: no part of a page is reused."""
    db = tmp_path / "shared.db"
    feed = machine(tmp_path, "a", db)
    for n in range(3):
        feed.send(post(n, DEC + timedelta(minutes=n)))
    anchor = mid(1)[:12]
    stale = f'<article id="{anchor}"><p>ALTES LAYOUT</p></article>'
    month = feed.path / "archiv" / "2026-12.html"
    for path in (feed.page_file, month):
        text = path.read_text(encoding="utf-8")
        start = text.index(f'<article id="{anchor}"')
        end = text.index("</article>", start) + len("</article>")
        path.write_text(text[:start] + stale + text[end:], encoding="utf-8")
    feed.rebuild()
    for path in (feed.page_file, month):
        text = path.read_text(encoding="utf-8")
        assert "ALTES LAYOUT" not in text and "Meldung Nummer 1" in text


def test_an_entry_corrected_while_its_batch_is_written_keeps_the_correction(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rebuild reads a batch, and before its pages go into place another run corrects
    one of its entries: the corrected page stays, and the month page shows the correction."""
    db = tmp_path / "shared.db"
    feed = machine(tmp_path, "a", db)
    other = machine(tmp_path, "a", db)  # another run, the same folder and store
    for n in range(6):
        feed.send(post(n, DEC + timedelta(minutes=n)))
    real, raced = feed_module.entry_page, []

    def racing(title: str, url: str, e: dict[str, Any], at: datetime) -> str:
        if not raced and e["anchor"] == mid(3)[:12]:
            raced.append(e["title"])
            other.edit(post(3, DEC + timedelta(hours=1), title="Ort geändert: Kornmarkt",
                            replaces=feed.entry_id(mid(3)), note="Ort"))
        return real(title, url, e, at)

    monkeypatch.setattr(feed_module, "entry_page", racing)
    feed.rebuild(batch=2)
    assert raced == ["Meldung Nummer 3"]  # the rebuild had read the entry before it changed
    assert "Ort geändert: Kornmarkt" in page(feed, 3)
    month = (feed.path / "archiv" / "2026-12.html").read_text(encoding="utf-8")
    assert "Ort geändert: Kornmarkt" in month and "Meldung Nummer 3<" not in month
    assert "Ort geändert: Kornmarkt" in feed.page_file.read_text(encoding="utf-8")


def _rebuild_in(workers: Workers, outcome: dict[str, Any]) -> None:
    (outcome["run"],) = workers.run([["site", "rebuild", "--output", "json"]])
    outcome["ended"] = time.monotonic()


@pytest.mark.integration
def test_a_post_during_a_rebuild_in_real_processes_does_not_wait_for_it(
        tmp_path: Path) -> None:
    """One process rebuilds a feed of thousands of entries; meanwhile another posts a notice
    to the same feed (same folder, same store). The post ends while the rebuild still runs,
    and afterwards its entry's page, the front page and feed.xml all have it."""
    db = tmp_path / "citychan.db"
    work, home = tmp_path / "work2", tmp_path / "home2"
    home.mkdir()
    write_config(work / "citychan.toml", channels={"website": {"type": "feed",
                                                               "public_url": URL}},
                 store={"path": str(db)})
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    folder = work / "citychan-out" / "feed"
    seed(db, machine(tmp_path, "seed", db), archive(machine(tmp_path, "seed", db), 4000))
    write(work / "n.md", "---\ntitle: Markttag am Kornmarkt\n---\nAb 8 Uhr.\n")
    with Workers(1, work, env) as rebuilder, Workers(1, work, env) as poster:
        outcome: dict[str, Any] = {}
        thread = threading.Thread(target=_rebuild_in, args=(rebuilder, outcome))
        thread.start()
        try:
            deadline = time.monotonic() + 120
            while not (folder / "meldung").is_dir() and time.monotonic() < deadline:
                time.sleep(0.02)  # the rebuild has put its first batch in place
            assert (folder / "meldung").is_dir(), outcome
            (posted,) = poster.run([["post", "n.md", "--yes", "--output", "json"]])
            posted_at = time.monotonic()
        finally:
            thread.join()
    assert posted.code == 0, posted.stdout + posted.stderr
    assert outcome["run"].code == 0, outcome["run"].stdout + outcome["run"].stderr
    assert posted_at < outcome["ended"]  # the post did not wait for the rebuild
    (result,) = outcome["run"].json()["result"]["feeds"]
    assert result["entry_pages"] >= 4000
    (row,) = posted.json()["result"]["results"]
    anchor = row["url"].rsplit("/", 1)[-1] if "meldung" in row["url"] else None
    pages = [p for p in (folder / "meldung").glob("*.html")
             if "Markttag am Kornmarkt" in p.read_text(encoding="utf-8")]
    assert len(pages) == 1 and (anchor is None or pages[0].name == anchor)
    assert "Markttag am Kornmarkt" in (folder / "index.html").read_text(encoding="utf-8")
    titles = [e.title for e in feedparser.parse((folder / "feed.xml").read_bytes()).entries]
    assert titles[0] == "Markttag am Kornmarkt"


@pytest.mark.integration
def test_machine_b_rebuilds_its_folder_from_the_server_store_with_a_s_entry_pages(
        pg_url: str, tmp_path: Path) -> None:
    from tests.support.postgres import PASSWORD_ENV

    where = Location(tmp_path / "journal.db", pg_url, PASSWORD_ENV)
    a, b = machine(tmp_path, "a", where), machine(tmp_path, "b", where)
    a.send(post(1, DEC))
    a.send(post(2, DEC + timedelta(minutes=3)))
    seed(where, a, archive(a, 5))
    assert not b.path.exists()
    b.rebuild(batch=3)
    assert "Meldung Nummer 1" in page(b, 1) and "Meldung Nummer 2" in page(b, 2)
    assert len(list((b.path / "meldung").glob("*.html"))) == 7
    assert [e.id for e in feedparser.parse(b.feed_file.read_bytes()).entries][:2] == [
        b.entry_id(mid(2)), b.entry_id(mid(1))]


# --- two machines, one web server: a rebuild's upload never puts an older page online ------

@pytest.fixture(scope="module")
def webdav(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebdavServer]:
    with running_webdav(tmp_path_factory.mktemp("webdav")) as server:
        yield server


def uploading(tmp_path: Path, name: str, store: Path, server: WebdavServer,
              site: str) -> FeedChannel:
    return FeedChannel.from_config(
        "feed", {"path": str(tmp_path / name / "feed"), "title": "Stadt Bautzen",
                 "public_url": URL, "upload": server.url(site),
                 "upload_password_env": "DAV"},
        ChannelContext(env={"DAV": DAV_PASSWORD}, base_dir=tmp_path / name,
                       feeds=StoredFeeds(store)))


def served(server: WebdavServer, site: str, rel: str) -> str:
    return (server.root / site.strip("/") / rel).read_text(encoding="utf-8")


@pytest.mark.integration
def test_a_rebuild_uploads_no_page_older_than_another_machine_put_online_meanwhile(
        tmp_path: Path, webdav: WebdavServer) -> None:
    """Machine A rebuilds (its pages written), then machine B corrects entry 3 and posts
    entry 9, uploading its pages; A's upload then sends what the store holds now, not its
    older pages: entry 3's page, its month page, the front page and both feeds."""
    db, site = tmp_path / "shared.db", "/two-machines"
    a = uploading(tmp_path, "a", db, webdav, site)
    b = uploading(tmp_path, "b", db, webdav, site)
    for n in range(5):  # B's posts; A is a new machine, its folder empty
        b.send(post(n, DEC + timedelta(minutes=n)))
    written = a.rebuild(batch=2)
    b.edit(post(3, DEC + timedelta(hours=1), title="KORRIGIERT: Kornmarkt",
                replaces=b.entry_id(mid(3)), note="Ort"))
    b.send(post(9, DEC + timedelta(hours=2), title="Neu von Maschine B"))
    x = f"meldung/{mid(3)[:12]}.html"
    assert "KORRIGIERT" in served(webdav, site, x)
    assert "KORRIGIERT" not in page(a, 3)  # A's page as its rebuild wrote it
    a.publish(written, chunk=3)
    assert "KORRIGIERT" in served(webdav, site, x)
    month = served(webdav, site, "archiv/2026-12.html")
    assert "Neu von Maschine B" in month and "KORRIGIERT" in month
    assert "Neu von Maschine B" in served(webdav, site, "index.html")
    titles = [e.title for e in feedparser.parse(served(webdav, site, "feed.xml")).entries]
    assert titles[0] == "Neu von Maschine B" and "KORRIGIERT: Kornmarkt" in titles
    assert "Neu von Maschine B" in served(webdav, site, "feed.json")
    # and A's folder has them too: what went up is what it has
    assert "KORRIGIERT" in page(a, 3)


@pytest.mark.integration
def test_a_change_uploaded_while_a_rebuild_chunk_goes_up_is_sent_again_after_it(
        tmp_path: Path, webdav: WebdavServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """B corrects entry 2 and its upload ends while A's chunk (checked just before, still
    old) is on its way; the store is asked again after the chunk, so the corrected page is
    what the server keeps."""
    db, site = tmp_path / "shared.db", "/during-upload"
    a = uploading(tmp_path, "a", db, webdav, site)
    b = uploading(tmp_path, "b", db, webdav, site)
    for n in range(3):  # B's posts; A is a new machine, its folder empty
        b.send(post(n, DEC + timedelta(minutes=n)))
    written = a.rebuild()
    real, raced = feed_module.upload_changed, []

    def racing(folder: Path, files: Any, target: Any) -> list[str]:
        if folder == a.path and not raced:
            raced.append(True)
            b.edit(post(2, DEC + timedelta(hours=1), title="KORRIGIERT beim Hochladen",
                        replaces=b.entry_id(mid(2)), note="Zeit"))
        return real(folder, files, target)

    monkeypatch.setattr(feed_module, "upload_changed", racing)
    # B is another machine: it does not wait for this process's lock (A's thread holds it)
    monkeypatch.setattr(feed_module, "_LOCK", threading.RLock())
    a.publish(written)
    assert raced
    assert "KORRIGIERT beim Hochladen" in served(webdav, site, f"meldung/{mid(2)[:12]}.html")
    assert "KORRIGIERT beim Hochladen" in served(webdav, site, "index.html")


def test_a_rebuild_sweeps_the_temporary_files_a_killed_run_left_and_only_those(
        tmp_path: Path) -> None:
    """A rebuild killed midway (a cron timeout) leaves its staged files beside the pages;
    the next rebuild removes citychan's own that are minutes old, nothing else."""
    db = tmp_path / "shared.db"
    feed = machine(tmp_path, "a", db)
    feed.send(post(1, DEC))
    old = time.time() - 3600  # file times: the file system's clock
    left = [feed.path / "meldung" / ".0123456789ab.html.k2x_9qz0.tmp",
            feed.path / ".index.html.abcdefgh.tmp",
            feed.path / "entries" / "months" / ".2026-12.json.a1b2c3d4.tmp"]
    kept = [feed.path / "meldung" / ".ab.html.fresh123.tmp",  # a run writing it now
            feed.path / "meldung" / "notiz.tmp",  # not citychan's
            feed.path / ".htaccess",
            feed.path / "meldung" / ".x.html.SHORT.tmp",
            feed.path / "meldung" / ".x.html.upper_CA.tmp"]
    for path in [*left, *kept]:
        path.write_text("halb", encoding="utf-8")
        if path.name != ".ab.html.fresh123.tmp":
            os.utime(path, (old, old))
    feed.rebuild()
    assert [p for p in left if p.exists()] == []
    assert [p for p in kept if not p.exists()] == []
