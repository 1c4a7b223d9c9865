"""The press officer's second look: a notice went out with a wrong date; correct it, withdraw
it, and let it expire, on the offline channels (outbox, feed) through the CLI."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import feedparser

from tests.support.cli import cli
from tests.support.config import FEED, OUTBOX, MakeConfig
from tests.support.files import write

OUT = Path("citychan-out")
WRONG = """---
title: Weihnachtsmarkt auf dem Hauptmarkt
expires: 2026-12-18
---
Der Weihnachtsmarkt öffnet am 12.12. um 10 Uhr.
"""
RIGHT = WRONG.replace("12.12.", "13.12.")


def _posted(make_config: MakeConfig, isolated: Path, channels: dict | None = None) -> str:
    make_config(channels=channels or {"outbox": OUTBOX, "feed": FEED})
    write(isolated / "markt.md", WRONG)
    write(isolated / "markt-richtig.md", RIGHT)
    run = cli("post", "markt.md", "--yes", "--output", "json")
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)["result"]["message"]


def _rows(isolated: Path) -> list[tuple]:
    with closing(sqlite3.connect(isolated / OUT / "citychan.db")) as db:
        return db.execute("SELECT channel, action, purpose, relates_to, status FROM deliveries "
                          "ORDER BY id").fetchall()


def test_correct_edits_outbox_and_feed_in_place_with_a_korrigiert_line(
        make_config: MakeConfig, isolated: Path) -> None:
    _posted(make_config, isolated)
    run = cli("correct", "latest", "markt-richtig.md", "--yes", "--output", "json")
    assert run.code == 0, run.stderr
    results = {r["channel"]: r for r in json.loads(run.stdout)["result"]["results"]}
    assert {c: (r["how"], r["status"]) for c, r in results.items()} == {
        "outbox": ("edit", "sent"), "feed": ("edit", "sent")}
    (outfile,) = (isolated / OUT / "outbox").iterdir()  # the same file, rewritten
    text = outfile.read_text(encoding="utf-8")
    assert "13.12." in text and "12.12." not in text.split("]")[1]
    assert text.startswith("[korrigiert am ") and "„12.12.“ → „13.12.“" in text
    parsed = feedparser.parse((isolated / OUT / "feed" / "feed.xml").read_bytes())
    (entry,) = parsed.entries  # one entry, corrected: not a second with the same title
    assert "13.12." in entry.content[0].value and "korrigiert am" in entry.content[0].value
    assert entry.updated_parsed >= entry.published_parsed
    page = (isolated / OUT / "feed" / "index.html").read_text(encoding="utf-8")
    assert "korrigiert am" in page and "13.12." in page
    assert sorted(_rows(isolated)[2:]) == [("feed", "edit", "correction", 2, "sent"),
                                           ("outbox", "edit", "correction", 1, "sent")]


def test_correct_twice_with_the_same_file_changes_nothing_the_second_time(
        make_config: MakeConfig, isolated: Path) -> None:
    _posted(make_config, isolated)
    assert cli("correct", "latest", "markt-richtig.md", "--yes").code == 0
    again = cli("correct", "latest", "markt-richtig.md", "--yes", "--output", "json")
    assert again.code == 0
    results = json.loads(again.stdout)["result"]["results"]
    assert {r["status"] for r in results} == {"skipped"}
    assert all("already done: delivery #" in r["error"] for r in results)
    assert len(_rows(isolated)) == 4


def test_correct_dry_run_shows_what_each_channel_gets_and_changes_nothing(
        make_config: MakeConfig, isolated: Path) -> None:
    _posted(make_config, isolated)
    before = (isolated / OUT / "feed" / "feed.xml").read_bytes()
    run = cli("correct", "latest", "markt-richtig.md", "--dry-run")
    assert run.code == 0, run.stderr
    assert "outbox: edit of" in run.stdout and "feed: edit of" in run.stdout
    assert "13.12." in run.stdout and "Dry run: nothing was changed." in run.stdout
    assert (isolated / OUT / "feed" / "feed.xml").read_bytes() == before
    assert len(_rows(isolated)) == 2


def test_correct_with_follow_up_configured_posts_a_korrektur_naming_the_change(
        make_config: MakeConfig, isolated: Path) -> None:
    _posted(make_config, isolated, {"outbox": {**OUTBOX, "on_correction": "follow-up"}})
    run = cli("correct", "latest", "markt-richtig.md", "--yes", "--output", "json")
    assert run.code == 0, run.stderr
    (result,) = json.loads(run.stdout)["result"]["results"]
    assert result["how"] == "follow-up"
    files = sorted((isolated / OUT / "outbox").iterdir())
    assert len(files) == 2  # the original stays; the follow-up is a file of its own
    follow = next(f for f in files if f.name.startswith("korrektur"))
    text = follow.read_text(encoding="utf-8")
    assert "Korrektur: Weihnachtsmarkt auf dem Hauptmarkt" in text
    assert "„12.12.“ → „13.12.“" in text


def test_withdraw_drops_the_entry_from_the_feed_and_marks_it_on_the_page(
        make_config: MakeConfig, isolated: Path) -> None:
    message = _posted(make_config, isolated)
    run = cli("withdraw", message[:8], "--reason", "Der Markt fällt aus.", "--yes",
              "--output", "json")
    assert run.code == 0, run.stderr
    results = {r["channel"]: r["how"] for r in json.loads(run.stdout)["result"]["results"]}
    assert results == {"outbox": "notice", "feed": "delete"}
    parsed = feedparser.parse((isolated / OUT / "feed" / "feed.xml").read_bytes())
    assert parsed.bozo == 0 and parsed.entries == []
    page = (isolated / OUT / "feed" / "index.html").read_text(encoding="utf-8")
    assert "Zurückgezogen am" in page and "Der Markt fällt aus." in page
    assert "öffnet am 12.12." not in page  # the text itself is gone
    notice = next(f for f in (isolated / OUT / "outbox").iterdir()
                  if f.name.startswith("zurueckgezogen"))
    assert "Der Markt fällt aus." in notice.read_text(encoding="utf-8")
    log = json.loads(cli("log", "--output", "json").stdout)["result"]["deliveries"]
    assert sorted((d["channel"], d["purpose"], d["action"]) for d in log[:2]) == [
        ("feed", "withdrawal", "delete"), ("outbox", "withdrawal", "send")]


def test_withdraw_by_a_delivery_id_from_the_log(make_config: MakeConfig,
                                                isolated: Path) -> None:
    _posted(make_config, isolated)
    run = cli("withdraw", "2", "--reason", "Falsch.", "--yes", "--output", "json")
    assert run.code == 0, run.stderr
    assert len(json.loads(run.stdout)["result"]["results"]) == 2


def test_withdraw_needs_a_reason_and_a_known_reference(make_config: MakeConfig,
                                                       isolated: Path) -> None:
    _posted(make_config, isolated)
    blank = cli("withdraw", "latest", "--reason", "  ", "--yes")
    assert blank.code == 2 and "--reason must say why" in blank.stderr
    unknown = cli("withdraw", "ffffffff", "--reason", "x", "--yes")
    assert unknown.code == 2 and "no posted notice has a hash starting with" in unknown.stderr
    assert "Traceback" not in unknown.stderr + blank.stderr


def test_expired_notice_leaves_the_front_page_and_the_log_says_expired(
        make_config: MakeConfig, isolated: Path, clock) -> None:
    _posted(make_config, isolated)
    assert json.loads(cli("log", "--output", "json").stdout)["result"]["deliveries"][0][
        "expired"] is False
    clock.set(10, 0, days=40)  # after 2026-12-18 whatever day the suite runs
    run = cli("expire")
    assert run.code == 0, run.stderr
    assert "feed: feed written again" in run.stdout
    feed = isolated / OUT / "feed"
    assert "Weihnachtsmarkt" not in (feed / "index.html").read_text(encoding="utf-8")
    (month,) = (feed / "archiv").glob("*.html")  # the month's archive keeps it, marked
    archive = month.read_text(encoding="utf-8")
    assert "Weihnachtsmarkt" in archive and "abgelaufen" in archive
    parsed = feedparser.parse((feed / "feed.xml").read_bytes())
    assert "expired" in [t.term for t in parsed.entries[0].tags]
    log = json.loads(cli("log", "--output", "json").stdout)["result"]["deliveries"]
    assert all(d["expired"] for d in log)
    assert "Nothing expired since the last run." in cli("expire").stdout


def test_correct_and_withdraw_record_who_did_it(make_config: MakeConfig,
                                                 isolated: Path) -> None:
    """Who corrected and who withdrew is recorded, as who posted is."""
    _posted(make_config, isolated)
    assert cli("correct", "latest", "markt-richtig.md", "--yes", "--by", "k.lehmann").code == 0
    assert cli("withdraw", "latest", "--reason", "Entfällt.", "--yes",
               "--by", "s.koch").code == 0
    with closing(sqlite3.connect(isolated / OUT / "citychan.db")) as db:
        rows = db.execute("SELECT purpose, operator FROM deliveries "
                          "WHERE purpose IS NOT NULL").fetchall()
    assert sorted(set(rows)) == [("correction", "k.lehmann"), ("withdrawal", "s.koch")]


def test_a_correction_without_a_language_the_notice_went_out_in_is_refused(
        make_config: MakeConfig, isolated: Path) -> None:
    """Why: a copied file without its .hsb.md sibling dropped the Sorbian text everywhere."""
    make_config(channels={"outbox": OUTBOX})
    write(isolated / "n.md", "---\ntitle: Markt am Samstag\n---\nAm 12.12. ab 10 Uhr.\n")
    write(isolated / "n.hsb.md", "---\ntitle: Wiki sobotu\n---\nDnja 12.12. wot 10.\n")
    assert cli("post", "n.md", "--yes").code == 0
    write(isolated / "fixed.md", "---\ntitle: Markt am Samstag\n---\nAm 13.12. ab 10 Uhr.\n")
    run = cli("correct", "latest", "fixed.md", "--yes")
    assert run.code == 2 and "has no text in hsb" in run.stderr and "fixed.hsb.md" in run.stderr
    assert len(_rows(isolated)) == 1  # nothing was sent
