"""Issue 11, item 10: each incident's state (active, updated, cleared, expired) is recorded
and offered to `incidents` and to the website feed, whose warning badge (colour and label)
follows it on every entry of the incident."""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from citychan.channels.feed_store import EntryStore
from tests.support.cli import cli
from tests.support.config import ALERTS_TABLE, FEED, OUTBOX, MakeConfig


@pytest.fixture(autouse=True)
def config(make_config: MakeConfig) -> Path:
    return make_config(alerts=ALERTS_TABLE, channels={"outbox": OUTBOX, "website": FEED})


def send(*args: str) -> dict:
    run = cli(*args, "--yes", "--output", "json")
    assert run.code == 0, run.stdout + run.stderr
    return json.loads(run.stdout)["result"]


def recorded_state(isolated: Path, incident: str) -> str:
    with closing(sqlite3.connect(isolated / "citychan-out" / "citychan.db")) as db:
        return str(db.execute("SELECT state FROM incidents WHERE id=?", (incident,)).fetchone()[0])


def badges(isolated: Path, page_name: str = "index.html") -> list[tuple[str, str, str]]:
    """(entry title, badge class, badge label) on a feed page, newest first."""
    folder = isolated / "citychan-out" / "feed"
    page = "".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob(page_name)))
    assert page, f"no {page_name} in {folder}"
    return re.findall(r'<h2><a href="[^"]*">([^<]*)</a> <span class="([^"]+)" '
                      r'data-state="[^"]+">([^<]+)</span>', page)


def test_the_state_follows_each_message_in_store_incidents_and_feed(
        isolated: Path, clock) -> None:
    clock.set(3, 0)
    inc = send("warn", "--template", "hochwasser", "--level", "medium",
               "--area", "Seidau")["incident"]
    assert recorded_state(isolated, inc) == "active"
    assert [b[1:] for b in badges(isolated)] == [("warn", "Warnmeldung")]

    send("warn", "update", inc, "--level", "high")
    assert recorded_state(isolated, inc) == "updated"
    # the alert's entry too: what it said is no longer the whole story
    assert [b[1:] for b in badges(isolated)] == [("warn-updated", "Aktualisiert")] * 2

    send("warn", "allclear", inc)
    assert recorded_state(isolated, inc) == "cleared"
    assert [b[1:] for b in badges(isolated)] == [("warn-cleared", "Entwarnung")] * 3
    (row,) = json.loads(cli("incidents", "--output", "json").stdout)["result"]["incidents"]
    assert row["state"] == "cleared"
    entries = EntryStore(isolated / "citychan-out" / "feed").every_entry()
    assert {(e["incident"], e["state"]) for e in entries} == {(inc, "cleared")}


def test_an_incident_past_its_expiry_reads_expired_in_incidents_and_on_the_feed(
        isolated: Path, clock) -> None:
    clock.set(3, 0)
    old = send("warn", "--template", "hochwasser", "--level", "medium", "--area", "Seidau",
               "--expires", "1h")["incident"]
    clock.set(4, 30)  # ran out without an all-clear; the next post rewrites the page
    send("warn", "--template", "unwetter", "--level", "medium", "--area", "Bautzen")
    assert recorded_state(isolated, old) == "active"  # as its latest message left it
    rows = json.loads(cli("incidents", "--output", "json").stdout)["result"]["incidents"]
    assert {r["id"]: r["state"] for r in rows}[old] == "expired"
    # the expired one left the front page; the month's archive keeps both, the old one marked
    assert [b[1:] for b in badges(isolated)] == [("warn", "Warnmeldung")]
    assert [b[1:] for b in badges(isolated, "archiv/*.html")] == [
        ("warn", "Warnmeldung"), ("warn-expired", "Abgelaufen")]


def test_the_badges_differ_in_colour_and_say_the_state_in_words() -> None:
    from datetime import UTC, datetime

    from citychan.channels.feed import WARNING_BADGES, html_page, warning_badge

    labels = {label for _, label in WARNING_BADGES.values()}
    assert len(labels) == len(WARNING_BADGES) == 4  # never colour alone
    page = html_page("Stadt", "https://www.bautzen.de/aktuelles", [], now=None)
    colours = set(re.findall(r"\.warn[-a-z]* \{\{? ?background: (#[0-9a-f]{6})", page))
    assert len(colours) == 4
    now = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)
    entry = {"kind": "warning", "state": "updated", "expires": "2026-11-28T05:00:00+00:00"}
    assert "Abgelaufen" in warning_badge(entry, now)
    assert "Entwarnung" in warning_badge({**entry, "state": "cleared"}, now)
    assert "Warnmeldung" in warning_badge({"kind": "warning"}, now)  # an entry from before


def test_a_resent_feed_entry_keeps_its_incident_state(tmp_path: Path) -> None:
    from citychan.channels.base import Post
    from citychan.channels.feed import FeedChannel
    from citychan.kinds import Kind
    from citychan.render.types import Dialect, Rendered

    feed = FeedChannel("website", tmp_path, "Stadt", "https://www.bautzen.de/aktuelles")
    post = Post("abc123", "website", Kind.WARNING, "Gefahr: Hochwasser",
                Rendered(Dialect.FEED, "Text", html="<p>Text</p>", title="Gefahr: Hochwasser"),
                cap_file="hochwasser-1.1.cap.xml")
    feed.send(post)
    feed.mark_incident("hochwasser-1", "cleared", None)
    feed.send(post)  # `citychan retry` resends it
    (entry,) = feed.entries()
    assert (entry["incident"], entry["state"]) == ("hochwasser-1", "cleared")
    feed.mark_incident("hochwasser-10", "updated", None)  # another incident: untouched
    assert feed.entries()[0]["state"] == "cleared"
