"""Issue 13, items 1 and 2: the website's pages (front page, month archive, a permanent page
per entry with canonical URL and Open Graph tags, pictures in scaled copies with their
description, each language marked, German dates) and posts that rewrite only what they
change, with no page over 200 KB."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest

from citychan.channels.base import ChannelContext, Dialect, Kind, LangPart, Post, Rendered
from citychan.channels.feed import FeedChannel
from citychan.channels.feed_pages import german_date
from citychan.channels.feed_store import EntryStore
from tests.support.browser import build_feed

URL = "https://www.bautzen.de/aktuelles"
MAX_PAGE = 200 * 1024


def mid(n: int) -> str:
    return hashlib.sha256(f"notice {n}".encode()).hexdigest()


def post(n: int, when: datetime, html: str = "<p>Text</p>", **extra: object) -> Post:
    title = f"Meldung Nummer {n}"
    return Post(message_id=mid(n), channel="feed", kind=Kind.INFO, title=title,
                rendered=Rendered(Dialect.FEED, "Text", html, title), sent=when,
                **extra)  # type: ignore[arg-type]


def channel(tmp_path: Path) -> FeedChannel:
    return FeedChannel.from_config("feed", {"path": "f", "title": "Stadt Bautzen",
                                            "public_url": URL},
                                   ChannelContext(env={}, base_dir=tmp_path))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_feed(tmp_path_factory.mktemp("site"))


def test_dates_read_in_german_in_city_time() -> None:
    assert german_date("2026-12-07T07:00:00+01:00") == "Montag, 7. Dezember 2026, 7:00 Uhr"


def test_bilingual_entries_show_the_sorbian_title_once(site: Path) -> None:
    """The Why: bilingual entries showed the Sorbian title twice (joined title + the text's
    own heading). Each language part carries its lang and shows its title once."""
    pages = [site / "index.html", *(site / "meldung").glob("*.html"),
             *(site / "archiv").glob("*.html")]
    hsb_title = "zawrjena"  # in the Sorbian title of strassensperrung.hsb.md
    bilingual = [p for p in pages if 'lang="hsb"' in p.read_text(encoding="utf-8")]
    assert len(bilingual) >= 3  # its entry page, the front page, its month
    for page in bilingual:
        text = page.read_text(encoding="utf-8")
        body = text.split("<body>", 1)[1]
        titles = re.findall(r'lang="hsb"[^>]*>\s*(?:<h[23]>)?([^<]*' + hsb_title + r'[^<]*)<',
                            body)
        assert len(titles) == 1, (page.name, titles)
        assert body.count(titles[0]) == 1, page.name


def test_each_entry_has_a_permanent_page_with_canonical_and_open_graph(site: Path) -> None:
    entries = EntryStore(site).every_entry()
    for e in entries:
        page = (site / "meldung" / f"{e['anchor']}.html").read_text(encoding="utf-8")
        url = f"{URL}/meldung/{e['anchor']}.html"
        assert f'<link rel="canonical" href="{url}">' in page
        for prop in ("og:title", "og:description", "og:url", "og:type"):
            assert f'<meta property="{prop}" content="' in page, prop
        assert f'<meta property="og:url" content="{url}">' in page
        assert re.search(r"<time [^>]*>(Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag"
                         r"|Sonntag), \d+\. Dezember 2026, \d+:\d\d Uhr</time>", page)


def test_a_warning_entry_links_its_cap_file_and_sits_on_top_of_the_front_page(
        site: Path) -> None:
    (warning,) = [e for e in EntryStore(site).every_entry() if e["kind"] == "warning"]
    page = (site / "meldung" / f"{warning['anchor']}.html").read_text(encoding="utf-8")
    assert '<a href="../cap/sturm.cap.xml">Warnung als CAP-Datei</a>' in page
    front = (site / "index.html").read_text(encoding="utf-8")
    top = front.split('<section class="warnings"', 1)[1].split("</section>", 1)[0]
    assert "Sturmböen" in top and 'data-state="active">Warnmeldung' in top
    assert front.count("Unwetterwarnung: Sturmböen") == 1  # not again below


def test_the_picture_is_scaled_with_pillow_and_carried_with_its_alt_text(
        tmp_path: Path) -> None:
    from PIL import Image

    source = tmp_path / "plan.png"
    Image.new("RGBA", (2000, 1000), (200, 30, 30, 128)).save(source)
    feed = channel(tmp_path)
    feed.send(post(1, datetime(2026, 12, 7, 6, tzinfo=UTC), image=source,
                   image_alt="Plan der Umleitung über die Steinstraße"))
    anchor = mid(1)[:12]
    copies = sorted((feed.path / "bilder").iterdir())
    assert [p.name for p in copies] == [f"{anchor}-1280.jpg", f"{anchor}-640.jpg"]
    with Image.open(feed.path / "bilder" / f"{anchor}-640.jpg") as small:
        assert (small.format, small.size) == ("JPEG", (640, 320))
    page = (feed.path / "meldung" / f"{anchor}.html").read_text(encoding="utf-8")
    assert 'alt="Plan der Umleitung über die Steinstraße"' in page
    assert f'<meta property="og:image" content="{URL}/bilder/{anchor}-1280.jpg">' in page
    parsed = feedparser.parse(feed.feed_file.read_bytes())
    assert parsed.bozo == 0
    (enclosure,) = parsed.entries[0].enclosures
    assert enclosure.href == f"{URL}/bilder/{anchor}-1280.jpg"
    assert enclosure.type == "image/jpeg"


def test_each_language_part_carries_its_lang(tmp_path: Path) -> None:
    feed = channel(tmp_path)
    parts = (LangPart("de", "Sperrung", "Text", "<p>Die Straße ist zu.</p>"),
             LangPart("hsb", "Zawrjenje", "Tekst", "<p>Dróha je zawrjena.</p>"))
    feed.send(post(2, datetime(2026, 12, 7, 6, tzinfo=UTC), langs=("de", "hsb"),
                   parts=parts))
    page = (feed.path / "meldung" / f"{mid(2)[:12]}.html").read_text(encoding="utf-8")
    assert '<div class="content" lang="de">\n<p>Die Straße ist zu.</p>' in page
    assert '<div class="content" lang="hsb">\n<h2>Zawrjenje</h2>\n<p>Dróha' in page
    assert page.count("Zawrjenje") == 1


def test_a_post_rewrites_only_what_it_changes(tmp_path: Path) -> None:
    feed = channel(tmp_path)
    nov, dec = datetime(2026, 11, 20, 8, tzinfo=UTC), datetime(2026, 12, 7, 8, tzinfo=UTC)
    for n in range(3):
        feed.send(post(n, nov + timedelta(hours=n)))
    for n in range(3, 5):
        feed.send(post(n, dec + timedelta(hours=n)))
    before = {p: p.stat().st_mtime_ns for p in feed.path.rglob("*") if p.is_file()}
    feed.send(post(9, dec + timedelta(hours=9)))
    after = {p: p.stat().st_mtime_ns for p in feed.path.rglob("*") if p.is_file()}
    changed = sorted(p.relative_to(feed.path).as_posix() for p in after
                     if before.get(p) != after[p])
    new = mid(9)[:12]
    assert changed == sorted([f"meldung/{new}.html", "archiv/2026-12.html", "index.html",
                              "feed.xml", "feed.json", "entries.json",
                              f"entries/{new}.json", "entries/months/2026-12.json"])


def test_no_page_is_over_200_kb_however_busy_a_month(tmp_path: Path) -> None:
    feed = channel(tmp_path)
    long = "<p>" + "Sehr lange Bekanntmachung mit vielen Einzelheiten. " * 120 + "</p>"
    start = datetime(2026, 12, 1, 0, tzinfo=UTC)
    old = [{"id": feed.entry_id(mid(n)), "title": f"Bekanntmachung {n} " + "lang " * 30,
            "html": long, "text": "x", "link": feed.page_url(mid(n)[:12]),
            "anchor": mid(n)[:12], "kind": "info", "langs": ["de"], "summary": None,
            "tags": [], "published": (start + timedelta(minutes=n)).isoformat(),
            "updated": (start + timedelta(minutes=n)).isoformat()}
           for n in reversed(range(450))]
    EntryStore(feed.path).import_entries(old)
    feed.send(post(1000, start + timedelta(days=6), html=long))
    feed.rebuild()
    pages = list(feed.path.rglob("*.html"))
    assert len(list((feed.path / "archiv").glob("2026-12*.html"))) == 5  # 451 by 100
    assert max(p.stat().st_size for p in pages) <= MAX_PAGE
    archive = "".join(p.read_text(encoding="utf-8")
                      for p in (feed.path / "archiv").glob("2026-12*.html"))
    assert archive.count("<article ") == 451


def test_an_entries_json_of_before_is_taken_over_with_a_page_for_every_entry(
        tmp_path: Path) -> None:
    import json

    feed = channel(tmp_path)
    feed.path.mkdir(parents=True)
    old = [{"id": feed.entry_id(mid(n)), "title": f"Alt {n}", "html": "<p>alt</p>",
            "text": "alt", "link": f"{URL}/#{mid(n)[:12]}", "anchor": mid(n)[:12],
            "kind": "info", "langs": ["de"], "summary": None, "tags": [],
            "published": f"2026-10-0{n + 1}T08:00:00+02:00",
            "updated": f"2026-10-0{n + 1}T08:00:00+02:00"} for n in reversed(range(3))]
    (feed.path / "entries.json").write_text(json.dumps({"version": 1, "entries": old}),
                                            encoding="utf-8")
    feed.send(post(7, datetime(2026, 12, 7, 8, tzinfo=UTC)))
    assert [e["title"] for e in feed.entries()] == ["Meldung Nummer 7", "Alt 2", "Alt 1",
                                                    "Alt 0"]
    assert len(list((feed.path / "meldung").glob("*.html"))) == 4
    assert (feed.path / "archiv" / "2026-10.html").is_file()
    ids = [e.id for e in feedparser.parse(feed.feed_file.read_bytes()).entries]
    assert ids == [feed.entry_id(mid(n)) for n in (7, 2, 1, 0)]  # the ids stay


def test_pages_written_post_by_post_equal_the_pages_written_from_scratch(
        tmp_path: Path) -> None:
    # a post takes the unchanged entries' articles from the pages as they stand: after
    # posts, a correction, a withdrawal and a month running onto its second page, every
    # page must read exactly as writing them all anew (rebuild) makes them
    feed = channel(tmp_path)
    dec = datetime(2026, 12, 1, 8, tzinfo=UTC)
    for n in range(105):
        feed.send(post(n, dec + timedelta(minutes=n)))
    at = dec + timedelta(hours=5)
    feed.edit(post(200, at, html="<p>Neu</p>", replaces=feed.entry_id(mid(3)), note="Ort"))
    feed.edit(post(201, at, html="<p>Neuer</p>", replaces=feed.entry_id(mid(100)), note="Zeit"))
    feed.delete(post(202, at, replaces=feed.entry_id(mid(101)), note="Irrtum"))
    feed.send(post(300, at + timedelta(minutes=1)))
    names = ["index.html", "archiv/2026-12.html", "archiv/2026-12-2.html"]
    incremental = {n: (feed.path / n).read_text(encoding="utf-8") for n in names}
    assert "korrigiert am" in incremental["index.html"]
    assert "Zurückgezogen am" in incremental["index.html"]
    assert "korrigiert am" in incremental["archiv/2026-12-2.html"]  # entry 3, on page 2
    feed.rebuild()
    assert {n: (feed.path / n).read_text(encoding="utf-8") for n in names} == incremental
