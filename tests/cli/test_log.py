"""citychan log as people read it (issue 14, item 6). Why: `log` had one row per channel (a
notice on 8 channels = 8 rows), dates like "11-29 20:10" without the year, and no filters."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.support.cli import assert_one_line_error, cli
from tests.support.config import FEED, OUTBOX, MakeConfig
from tests.support.files import write

OUT = Path("citychan-out")
WIDE = {"COLUMNS": "250"}
MARKT = "---\ntitle: Wochenmarkt heute länger\n---\nDer Markt ist bis 20 Uhr offen.\n"
RICHTIG = MARKT.replace("20 Uhr", "21 Uhr")
BAD = "---\ntitle: Bibliothek geschlossen\n---\nDie Stadtbibliothek bleibt heute zu.\n"


@pytest.fixture
def posted(make_config: MakeConfig, isolated: Path) -> dict[str, str]:
    """Two notices on outbox, feed and archiv: Bibliothek (archiv failed) and Markt."""
    make_config(channels={"outbox": OUTBOX, "feed": FEED, "archiv": OUTBOX})
    hashes = {}
    for name, text in (("bibliothek", BAD), ("markt", MARKT)):
        write(isolated / f"{name}.md", text)
        run = cli("post", f"{name}.md", "--yes", "--by", "m.schulze", "--output", "json")
        assert run.code == 0, run.stderr
        hashes[name] = json.loads(run.stdout)["result"]["message"]
    with closing(sqlite3.connect(isolated / OUT / "citychan.db")) as db, db:
        db.execute("UPDATE deliveries SET status='failed', error='HTTP 500' "
                   "WHERE channel='archiv' AND message_hash=?", (hashes["bibliothek"],))
        db.execute("UPDATE deliveries SET status='unknown' "
                   "WHERE channel='feed' AND message_hash=?", (hashes["bibliothek"],))
    return hashes


def log_json(*args: str) -> dict:
    run = cli("log", "--output", "json", *args)
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)["result"]


def test_log_shows_one_row_per_notice_with_each_channels_status(posted: dict[str, str]) -> None:
    notices = log_json()["notices"]
    assert [n["title"] for n in notices] == ["Wochenmarkt heute länger",
                                             "Bibliothek geschlossen"]
    assert notices[1]["channels"] == {"archiv": "failed", "feed": "unknown", "outbox": "sent"}
    assert len(notices[1]["deliveries"]) == 3 and notices[1]["operators"] == ["m.schulze"]
    text = cli("log", env=WIDE).stdout
    assert text.count("Bibliothek geschlossen") == 1
    assert "✗ archiv" in text and "? feed" in text and "✓ outbox" in text


def test_detail_shows_one_row_per_delivery_with_the_json_of_before(
        posted: dict[str, str]) -> None:
    result = log_json("--detail")
    assert "notices" not in result
    assert len(result["deliveries"]) == 6
    assert {"id", "channel", "status", "message", "title", "created"} <= set(
        result["deliveries"][0])
    assert cli("log", "--detail", env=WIDE).stdout.count("Bibliothek geschlossen") == 3
    assert len(log_json("--detail", "-n", "2")["deliveries"]) == 2


def test_the_default_json_keeps_the_deliveries_list_for_old_scripts(
        posted: dict[str, str]) -> None:
    result = log_json()
    assert sorted(d["id"] for d in result["deliveries"]) == list(range(1, 7))
    assert [d["id"] for d in result["deliveries"]] == sorted(
        (d["id"] for d in result["deliveries"]), reverse=True)


@pytest.mark.parametrize(("lang", "form"), [("de_DE.UTF-8", "%d.%m.%Y %H:%M"),
                                             ("en_GB.UTF-8", "%Y-%m-%d %H:%M")])
def test_dates_are_in_the_locales_form_with_the_year(posted: dict[str, str], lang: str,
                                                     form: str) -> None:
    first = log_json()["notices"][0]["first"]
    local = datetime.fromisoformat(first).astimezone(ZoneInfo("Europe/Berlin"))
    text = cli("log", env={**WIDE, "LANG": lang, "LC_ALL": "", "LC_MESSAGES": ""}).stdout
    assert f"{local:{form}}" in text


def test_citychan_lang_decides_the_date_form(posted: dict[str, str]) -> None:
    first = log_json()["notices"][0]["first"]
    local = datetime.fromisoformat(first).astimezone(ZoneInfo("Europe/Berlin"))
    text = cli("log", env={**WIDE, "CITYCHAN_LANG": "de", "LANG": "en_US.UTF-8"}).stdout
    assert f"{local:%d.%m.%Y %H:%M}" in text


def test_filter_by_status_and_channel(posted: dict[str, str]) -> None:
    failed = log_json("--status", "failed")["notices"]
    assert [(n["title"], n["channels"]) for n in failed] == [
        ("Bibliothek geschlossen", {"archiv": "failed"})]
    feed = log_json("--channel", "feed", "--detail")["deliveries"]
    assert {d["channel"] for d in feed} == {"feed"} and len(feed) == 2
    both = log_json("--status", "failed", "--status", "unknown")["notices"]
    assert both[0]["channels"] == {"archiv": "failed", "feed": "unknown"}


def test_filter_by_kind_and_since(posted: dict[str, str]) -> None:
    assert log_json("--kind", "warning")["notices"] == []
    assert len(log_json("--kind", "info")["notices"]) == 2
    assert len(log_json("--since", "1h")["notices"]) == 2
    assert log_json("--since", "2999-01-01")["notices"] == []
    assert len(log_json("--since", "01.01.2000")["notices"]) == 2


@pytest.mark.parametrize(("args", "says"), [
    (("--status", "gesendet"), "--status 'gesendet' is not one of"),
    (("--kind", "alarm"), "--kind 'alarm'"),
    (("--since", "gestern"), "--since"),
])
def test_a_filter_that_cannot_be_read_is_one_line(posted: dict[str, str], args: tuple[str, ...],
                                                  says: str) -> None:
    assert_one_line_error(cli("log", *args), 2, says)


def test_log_ref_shows_one_notices_whole_history(posted: dict[str, str], isolated: Path) -> None:
    write(isolated / "richtig.md", RICHTIG)
    assert cli("correct", "latest", "richtig.md", "--yes").code == 0
    did = next(d["id"] for d in log_json("--detail")["deliveries"]
               if d["channel"] == "archiv" and d["status"] == "failed")
    run = cli("retry", "--dismiss", str(did), "--reason", "Archiv abgeschaltet", "--by",
              "k.lehmann")
    assert run.code == 0, run.stderr
    markt = log_json(posted["markt"][:8])["history"]
    assert markt["title"] == "Wochenmarkt heute länger"
    assert [d["purpose"] for d in markt["deliveries"]] == [None] * 3 + ["correction"] * 3
    assert {d["operator"] for d in markt["deliveries"][:3]} == {"m.schulze"}
    text = cli("log", "latest", env=WIDE).stdout
    assert "correction" in text and "m.schulze" in text
    bibliothek = cli("log", str(did), env=WIDE).stdout  # a delivery id names its notice
    assert "Bibliothek geschlossen" in bibliothek
    assert "dismissed by k.lehmann: Archiv abgeschaltet" in bibliothek
    rows = log_json()["notices"]
    assert rows[0]["purposes"] == ["correction"]  # the correction counts with its notice
    assert len(rows) == 2


def test_log_ref_that_names_nothing_is_one_line(posted: dict[str, str]) -> None:
    assert_one_line_error(cli("log", "ffffffff"), 2, "no posted notice")


def test_detail_reads_on_a_plain_80_column_terminal(posted: dict[str, str],
                                                    isolated: Path) -> None:
    """Why: at 80 columns the headers broke one letter a line (the status column held the
    correction note and never wrapped)."""
    write(isolated / "richtig.md", RICHTIG)
    assert cli("correct", posted["markt"][:12], "richtig.md", "--yes").code == 0
    text = cli("log", "--detail", env={"COLUMNS": "80"}).stdout
    header = next(line for line in text.splitlines() if "channel" in line)
    assert all(word in header for word in ("when", "status", "title", "by"))
