"""Issue 11, item 6 (the refusal): an update that changes nothing against the incident's
latest message is refused unless `--repeat`, a deliberate re-broadcast recorded as such."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.support.cli import assert_one_line_error, cli
from tests.support.config import ALERTS_TABLE, OUTBOX, MakeConfig


@pytest.fixture(autouse=True)
def config(make_config: MakeConfig) -> Path:
    return make_config(alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})


def send(*args: str) -> dict:
    run = cli(*args, "--yes", "--output", "json")
    assert run.code == 0, run.stdout + run.stderr
    return json.loads(run.stdout)["result"]


def flood() -> str:
    return send("warn", "--template", "hochwasser", "--level", "medium",
                "--area", "Seidau")["incident"]


def outbox(isolated: Path) -> list[Path]:
    return sorted((isolated / "citychan-out" / "outbox").glob("*.txt"))


def test_an_update_with_no_change_is_refused_without_repeat(isolated: Path) -> None:
    """Why: `warn update INCIDENT --yes` with no change re-broadcast the same text."""
    inc = flood()
    before = outbox(isolated)
    run = cli("warn", "update", inc, "--yes")
    assert_one_line_error(run, 2, f"nothing changed against the latest message of incident "
                                  f"'{inc}' ({inc}.1)")
    assert "--repeat" in run.stderr and "--expires" in run.stderr
    assert outbox(isolated) == before


@pytest.mark.parametrize("same", [
    ("--level", "medium"),  # the level it has
    ("--area", "Seidau"),  # the area it has
])
def test_giving_what_the_incident_already_says_is_no_change(isolated: Path,
                                                           same: tuple[str, str]) -> None:
    inc = flood()
    assert_one_line_error(cli("warn", "update", inc, *same, "--yes"), 2, "nothing changed")


def test_an_update_after_an_update_is_compared_with_the_latest_message(isolated: Path) -> None:
    inc = flood()
    send("warn", "update", inc, "--instruction", "Verlassen Sie die Keller sofort.")
    again = cli("warn", "update", inc, "--instruction", "Verlassen Sie die Keller sofort.",
                "--yes")
    assert_one_line_error(again, 2, f"({inc}.2)")
    assert send("warn", "update", inc, "--level", "high")["identifier"] == f"{inc}.3"


def test_repeat_sends_it_again_and_records_it_as_a_repeat(isolated: Path) -> None:
    inc = flood()
    res = send("warn", "update", inc, "--repeat")
    assert res["msg_type"] == "Update" and [r["status"] for r in res["results"]] == ["sent"]
    assert len(outbox(isolated)) == 2
    with closing(sqlite3.connect(isolated / "citychan-out" / "citychan.db")) as db:
        rows = db.execute("SELECT identifier, repeat FROM alerts ORDER BY rowid").fetchall()
        state = db.execute("SELECT state FROM incidents").fetchone()
    assert rows == [(f"{inc}.1", 0), (f"{inc}.2", 1)]
    assert state == ("active",)  # a repeat says nothing new: the state stays
    listed = json.loads(cli("incidents", "--output", "json").stdout)["result"]["incidents"]
    assert listed[0]["last_message"]["repeat"] is True
    assert "Update (repeat)" in cli("incidents", env={"COLUMNS": "250"}).stdout


def test_a_dry_run_of_an_unchanged_update_is_refused_too(isolated: Path) -> None:
    inc = flood()
    assert_one_line_error(cli("warn", "update", inc, "--dry-run"), 2, "nothing changed")


def test_what_changed_names_the_fields_and_ignores_ids_and_times() -> None:
    from dataclasses import replace
    from datetime import UTC, datetime, timedelta

    from citychan.alerts import Area, Level, MsgType, Warning, WarningText
    from citychan.alerts import changes as what_changed

    sent = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    base = Warning(
        incident="x", level=Level.MEDIUM, event="hochwasser",
        texts={"de": WarningText("Gefahr: Hochwasser - Seidau", "Die Spree steigt.",
                                 "Meiden Sie das Ufer.")},
        area=Area({"de": "Seidau"}), effective=sent, expires=sent + timedelta(hours=6),
        sent=sent, sender="warnung@bautzen.de", sender_name="Stadtverwaltung Bautzen")
    later = replace(base, sent=sent + timedelta(minutes=5), effective=sent + timedelta(
        minutes=5), msg_type=MsgType.UPDATE, sequence=2)
    assert what_changed(base, later) == ()
    assert what_changed(base, replace(base, level=Level.HIGH)) == ("level",)
    assert what_changed(base, replace(base, area=Area({"de": "Stiebitz"}))) == ("area",)
    text = replace(base.texts["de"], instruction="Gehen Sie nach oben.")
    assert what_changed(base, replace(base, texts={"de": text})) == ("instruction",)
    assert what_changed(base, replace(base, expires=sent)) == ("expiry",)
