"""Issue 15, item 2: the website feed's entries live in the store, so that a second machine
sharing the store writes pages and feeds that list every machine's entries; an old folder's
entries are taken in once, nothing lost; runs posting at once in real processes both end up
in the store and in the pages written last."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest

from citychan.channels.base import ChannelContext, Dialect, Kind, Post, Rendered
from citychan.channels.feed import FeedChannel
from citychan.store.feed_entries import StoredFeeds
from citychan.warn.cap_files import write_cap_index
from tests.support.config import write_config
from tests.support.files import write
from tests.support.workers import Workers

URL = "https://www.bautzen.de/aktuelles"
DEC = datetime(2026, 12, 7, 8, tzinfo=UTC)


def mid(n: int) -> str:
    return hashlib.sha256(f"notice {n}".encode()).hexdigest()


def post(n: int, when: datetime, **extra: Any) -> Post:
    title = f"Meldung Nummer {n}"
    kind = extra.pop("kind", Kind.INFO)
    return Post(message_id=mid(n), channel="feed", kind=kind, title=title,  # type: ignore[arg-type]
                rendered=Rendered(Dialect.FEED, "Text", f"<p>Text {n}</p>", title), sent=when,
                **extra)


def machine(tmp_path: Path, name: str, store: Path | None) -> FeedChannel:
    """A feed channel in its own folder; ``store``: the store it keeps its entries in."""
    return FeedChannel.from_config(
        "feed", {"path": str(tmp_path / name / "feed"), "title": "Stadt Bautzen",
                 "public_url": URL},
        ChannelContext(env={}, base_dir=tmp_path / name,
                       feeds=StoredFeeds(store) if store is not None else None))


def stored(store: Path, feed: str = URL) -> list[dict[str, Any]]:
    """The feed's entries in the store (a feed is its public_url)."""
    with StoredFeeds(store).read(feed) as rows:
        return rows.every()


def atom_ids(feed: FeedChannel) -> list[str]:
    parsed = feedparser.parse(feed.feed_file.read_bytes())
    assert parsed.bozo == 0
    return [e.id for e in parsed.entries]


def test_entries_round_trip_through_the_store(tmp_path: Path) -> None:
    db = tmp_path / "citychan.db"
    feed = machine(tmp_path, "a", db)
    for n in range(3):
        feed.send(post(n, DEC + timedelta(minutes=n), expires=DEC + timedelta(days=1)))
    feed.edit(post(9, DEC + timedelta(hours=1), replaces=feed.entry_id(mid(1)), note="Ort"))
    feed.delete(post(10, DEC + timedelta(hours=2), replaces=feed.entry_id(mid(0)),
                     note="erledigt"))
    entries = stored(db)
    assert [e["anchor"] for e in entries] == [mid(n)[:12] for n in (2, 1, 0)]
    assert feed.entries() == entries
    by = {e["anchor"]: e for e in entries}
    assert by[mid(1)[:12]]["title"] == "Meldung Nummer 9" and by[mid(1)[:12]]["correction"] == "Ort"
    assert by[mid(0)[:12]]["reason"] == "erledigt"
    assert atom_ids(feed) == [feed.entry_id(mid(n)) for n in (2, 1)]  # withdrawn: gone
    with StoredFeeds(db).read(URL) as rows:
        assert set(rows.open()) == {mid(2)[:12], mid(1)[:12]}  # expiry ahead, not withdrawn
    # the folder's copy says its entries are in the store: never taken in again
    assert json.loads((feed.path / "entries.json").read_text(encoding="utf-8"))["in_store"]


def test_an_old_folder_is_taken_into_the_store_once_with_nothing_lost(tmp_path: Path) -> None:
    db = tmp_path / "citychan.db"
    old = machine(tmp_path, "a", None)  # citychan before: the entries in the folder
    for n in range(25):
        old.send(post(n, DEC - timedelta(days=40) + timedelta(hours=n)))
    old.edit(post(99, DEC - timedelta(days=1), replaces=old.entry_id(mid(4)), note="Datum"))
    before = old.entries()
    feed = machine(tmp_path, "a", db)
    feed.send(post(30, DEC))
    after = stored(db)
    assert len(after) == 26
    assert after[0]["title"] == "Meldung Nummer 30"
    assert after[1:] == before  # every entry, its content unchanged, in its order
    assert atom_ids(feed)[:3] == [feed.entry_id(mid(n)) for n in (30, 24, 23)]
    # taken in once: what the folder's files say afterwards is not read again
    path = feed.path / "entries" / f"{mid(3)[:12]}.json"
    path.write_text(path.read_text(encoding="utf-8").replace("Nummer 3", "Nummer X"),
                    encoding="utf-8")
    feed.send(post(31, DEC + timedelta(minutes=1)))
    assert [e["title"] for e in stored(db)].count("Meldung Nummer 3") == 1
    assert len(stored(db)) == 27


def test_a_version_1_entries_json_is_taken_into_the_store_with_a_page_for_each(
        tmp_path: Path) -> None:
    db = tmp_path / "citychan.db"
    feed = machine(tmp_path, "a", db)
    feed.path.mkdir(parents=True)
    old = [{"id": feed.entry_id(mid(n)), "title": f"Alt {n}", "html": "<p>alt</p>",
            "text": "alt", "link": f"{URL}/#{mid(n)[:12]}", "anchor": mid(n)[:12],
            "kind": "info", "langs": ["de"], "summary": None, "tags": [],
            "published": f"2026-10-0{n + 1}T08:00:00+02:00",
            "updated": f"2026-10-0{n + 1}T08:00:00+02:00"} for n in reversed(range(3))]
    (feed.path / "entries.json").write_text(json.dumps({"version": 1, "entries": old}),
                                            encoding="utf-8")
    feed.send(post(7, DEC))
    assert [e["title"] for e in stored(db)] == ["Meldung Nummer 7", "Alt 2", "Alt 1", "Alt 0"]
    assert len(list((feed.path / "meldung").glob("*.html"))) == 4
    assert (feed.path / "archiv" / "2026-10.html").is_file()
    assert atom_ids(feed) == [feed.entry_id(mid(n)) for n in (7, 2, 1, 0)]


def test_a_second_machine_writes_its_pages_from_every_machines_entries(
        tmp_path: Path) -> None:
    from PIL import Image

    db = tmp_path / "shared.db"  # the same store; each machine its own folder
    a, b = machine(tmp_path, "a", db), machine(tmp_path, "b", db)
    picture = tmp_path / "plan.png"
    Image.new("RGB", (800, 400), (20, 90, 160)).save(picture)
    a.send(post(1, DEC, image=picture, image_alt="Plan der Umleitung"))
    b.send(post(2, DEC + timedelta(minutes=5)))
    assert atom_ids(b) == [b.entry_id(mid(2)), b.entry_id(mid(1))]
    front = b.page_file.read_text(encoding="utf-8")
    assert "Meldung Nummer 1" in front and "Meldung Nummer 2" in front
    items = json.loads(b.json_feed_file.read_text(encoding="utf-8"))["items"]
    assert [i["title"] for i in items] == ["Meldung Nummer 2", "Meldung Nummer 1"]
    # B holds no page and no picture of A's entry: a rebuild writes the page from the
    # store, linking the picture A uploaded, and asks to upload only what B has
    anchor = mid(1)[:12]
    assert not (b.path / "meldung" / f"{anchor}.html").exists()
    assert not (b.path / "bilder").exists()
    written = b.rebuild()
    page = (b.path / "meldung" / f"{anchor}.html").read_text(encoding="utf-8")
    assert f'content="{URL}/bilder/{anchor}-' in page and "Plan der Umleitung" in page
    assert all(p.is_file() for p in written)
    assert not (b.path / "bilder").exists()
    # and A, posting next, lists B's entry too
    a.send(post(3, DEC + timedelta(minutes=9)))
    assert atom_ids(a) == [a.entry_id(mid(n)) for n in (3, 2, 1)]


def test_alerts_xml_carries_another_machines_cap_document_from_the_store(
        tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    a, b = machine(tmp_path, "a", db), machine(tmp_path, "b", db)
    a.send(post(1, DEC, kind=Kind.WARNING, cap_file="urn-a-1.cap.xml"))
    b.send(post(2, DEC + timedelta(minutes=1), kind=Kind.WARNING,
                cap_file="urn-b-1.cap.xml"))
    write(b.cap_folder / "urn-b-1.cap.xml", '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
          "<identifier>urn-b-1</identifier></alert>")
    kept = {"urn-a-1": '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
                       "<identifier>urn-a-1</identifier></alert>"}
    write_cap_index(b, mid(2), kept.get)
    alerts = (b.path / "alerts.xml").read_text(encoding="utf-8")
    assert "<identifier>urn-a-1</identifier>" in alerts  # A's, from the store
    assert "<identifier>urn-b-1</identifier>" in alerts  # B's own, from its cap/ folder


def _machine(root: Path, name: str, store: Path) -> tuple[Path, dict[str, str]]:
    work, home = root / name / "work", root / name / "home"
    home.mkdir(parents=True)
    write_config(work / "citychan.toml", channels={"website": {"type": "feed"}},
                 store={"path": str(store)})
    return work, {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}


def _post(workers: Workers, name: str, outcomes: dict[str, Any]) -> None:
    outcomes[name] = workers.run([["post", "n.md", "--yes", "--output", "json"]],
                                 now="2026-12-07T09:00:00+01:00")[0]


@pytest.mark.integration
def test_two_runs_posting_at_once_in_real_processes_both_reach_store_and_pages(
        tmp_path: Path) -> None:
    """Two machines (here: two working folders, each its own feed folder, one store) post
    at the same moment, round after round. Each change is one step under the store's write
    lock: both entries are kept, and the feed written second lists both (the first cannot:
    it was written before the second entry existed)."""
    import threading

    db = tmp_path / "shared.db"
    (a_work, a_env), (b_work, b_env) = (_machine(tmp_path, n, db) for n in ("a", "b"))
    rounds = 4
    with Workers(1, a_work, a_env) as a, Workers(1, b_work, b_env) as b:
        for r in range(rounds):
            for work, who in ((a_work, "a"), (b_work, "b")):
                write(work / "n.md", f"---\ntitle: Runde {r} von {who}\n---\nText {r}.\n")
            outcomes: dict[str, Any] = {}
            threads = [threading.Thread(target=_post, args=(w, n, outcomes))
                       for n, w in (("a", a), ("b", b))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert [outcomes[n].code for n in "ab"] == [0, 0], outcomes
            lists = {}
            for n, work in (("a", a_work), ("b", b_work)):
                parsed = feedparser.parse((work / "citychan-out" / "feed" / "feed.xml")
                                          .read_bytes())
                lists[n] = {e.title for e in parsed.entries}
            both = {f"Runde {r} von a", f"Runde {r} von b"}
            assert [both <= lists[n] for n in "ab"].count(True) == 1, lists
    titles = [e["title"] for e in stored(db, "https://www.example.org/aktuelles")]
    assert sorted(titles) == sorted(f"Runde {r} von {w}" for r in range(rounds) for w in "ab")


@pytest.mark.integration
def test_two_machines_on_one_server_store_write_pages_and_alerts_of_both(
        pg_url: str, tmp_path: Path) -> None:
    """End to end: two machines (each its own HOME, working folder and feed folder) share
    the city's PostgreSQL store. A posts, B posts: B's feed.xml and front page list both.
    A warns, B warns: B's alerts.xml carries A's CAP document inline, from the store."""
    from tests.support.config import ALERTS_TABLE
    from tests.support.postgres import PASSWORD, PASSWORD_ENV

    machines = {}
    for name in ("presse-laptop", "bereitschaft"):
        work, home = tmp_path / name / "work", tmp_path / name / "home"
        home.mkdir(parents=True)
        write_config(work / "citychan.toml", alerts=ALERTS_TABLE,
                     channels={"website": {"type": "feed", "public_url": URL}},
                     store={"url": pg_url, "password_env": PASSWORD_ENV})
        machines[name] = (work, {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
                                 PASSWORD_ENV: PASSWORD})
    (a_work, a_env), (b_work, b_env) = machines.values()
    now = "2026-12-07T09:00:00+01:00"
    warn = ["warn", "--template", "hochwasser", "--level", "medium", "--yes", "--output", "json"]
    with Workers(1, a_work, a_env) as a, Workers(1, b_work, b_env) as b:
        write(a_work / "a.md", "---\ntitle: Sperrung Töpferstraße\n---\nVon A.\n")
        write(b_work / "b.md", "---\ntitle: Sprechzeiten Bürgeramt\n---\nVon B.\n")
        for workers, args in ((a, ["post", "a.md", "--yes", "--output", "json"]),
                              (b, ["post", "b.md", "--yes", "--output", "json"]),
                              (a, [*warn, "--area", "Seidau"]),
                              (b, [*warn, "--area", "Gesundbrunnen"])):
            (run,) = workers.run([args], now=now)
            assert run.code == 0, run.stdout + run.stderr
    feed = b_work / "citychan-out" / "feed"
    titles = [e.title for e in feedparser.parse((feed / "feed.xml").read_bytes()).entries]
    assert "Sperrung Töpferstraße" in titles and "Sprechzeiten Bürgeramt" in titles
    front = (feed / "index.html").read_text(encoding="utf-8")
    assert "Sperrung Töpferstraße" in front and "Sprechzeiten Bürgeramt" in front
    a_caps = list((a_work / "citychan-out" / "feed" / "cap").glob("*.cap.xml"))
    assert len(a_caps) == 1 and not (feed / "cap" / a_caps[0].name).exists()
    a_identifier = a_caps[0].name.removesuffix(".cap.xml")
    alerts = (feed / "alerts.xml").read_text(encoding="utf-8")
    assert alerts.count("<alert ") == 2, alerts  # both warnings, inline
    assert f"<identifier>{a_identifier}</identifier>" in alerts


def test_a_post_on_one_machine_carries_a_correction_made_on_another_into_its_feeds(
        tmp_path: Path) -> None:
    """A's feed.xml keeps the parts of entries it did not change as it wrote them: not when
    machine B has corrected one since, which A's next post would otherwise undo online."""
    db = tmp_path / "citychan.db"
    a, b = machine(tmp_path, "a", db), machine(tmp_path, "b", db)
    a.send(post(1, DEC))
    a.send(post(2, DEC + timedelta(minutes=1)))
    b.edit(post(9, DEC + timedelta(minutes=2), replaces=a.entry_id(mid(1)), note="Ort"))
    a.send(post(3, DEC + timedelta(minutes=3)))
    parsed = feedparser.parse(a.feed_file.read_bytes())
    titles = {e.id: e.title for e in parsed.entries}
    assert titles[a.entry_id(mid(1))] == "Meldung Nummer 9"  # B's correction, not A's copy
    items = {i["id"]: i for i in json.loads(a.json_feed_file.read_text(encoding="utf-8"))["items"]}
    assert items[a.entry_id(mid(1))]["title"] == "Meldung Nummer 9"
    assert titles[a.entry_id(mid(2))] == "Meldung Nummer 2"
