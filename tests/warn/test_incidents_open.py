"""Issue 11, item 5: while an incident is open, a new warning for the same event and an
overlapping area is refused with the hint to update it (exit 2, nothing sent, nothing
recorded); `--new` sends it as a separate incident. Also with two citychan processes at once."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from citychan.channels.feed_store import EntryStore
from tests.support.cli import assert_one_line_error, cli
from tests.support.config import ALERTS_TABLE, FEED, OUTBOX, MakeConfig
from tests.support.workers import Workers

FLOOD = ("warn", "--template", "hochwasser", "--level", "medium")


@pytest.fixture(autouse=True)
def config(make_config: MakeConfig) -> Path:
    return make_config(alerts=ALERTS_TABLE, channels={"outbox": OUTBOX, "website": FEED})


def send(*args: str) -> dict:
    run = cli(*args, "--yes", "--output", "json")
    assert run.code == 0, run.stdout + run.stderr
    return json.loads(run.stdout)["result"]


def outbox_files(isolated: Path) -> list[str]:
    folder = isolated / "citychan-out" / "outbox"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def db(isolated: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(isolated / "citychan-out" / "citychan.db")) as con:
        return con.execute(sql).fetchall()


def test_the_same_template_warning_twice_a_second_apart_is_one_incident(
        isolated: Path, clock) -> None:
    """Why: the same template warning sent twice a second apart made two incidents and two
    broadcasts, with no word about the open incident."""
    clock.set(3, 0)
    first = send(*FLOOD, "--area", "Spreeufer")["incident"]
    sent = outbox_files(isolated)
    run = cli(*FLOOD, "--area", "Spreeufer", "--yes")
    assert_one_line_error(run, 2, f"incident '{first}' (Hochwasser, Spreeufer) is still open")
    assert f"Hint: change it with: citychan warn update {first}" in run.stderr
    assert "--new" in run.stderr
    assert run.stdout == ""
    assert outbox_files(isolated) == sent  # no second broadcast
    assert db(isolated, "SELECT id FROM incidents") == [(first,)]
    assert db(isolated, "SELECT COUNT(*) FROM incident_ids") == [(0,)]  # nothing left held


def test_an_overlapping_area_is_the_same_incident(isolated: Path) -> None:
    first = send(*FLOOD, "--area", "Bautzen-Seidau, Spreeufer")["incident"]
    run = cli(*FLOOD, "--area", "Spreeufer", "--yes", "--output", "json")
    assert run.code == 2
    error = json.loads(run.stdout)["result"]["error"]
    assert first in error["message"] and "warn update" in error["hint"]


def test_new_sends_a_separate_incident_while_one_is_open(isolated: Path) -> None:
    first = send(*FLOOD, "--area", "Spreeufer")["incident"]
    second = send(*FLOOD, "--area", "Spreeufer", "--new")["incident"]
    assert second != first
    assert sorted(db(isolated, "SELECT id FROM incidents")) == sorted([(first,), (second,)])


def test_a_dry_run_says_the_warning_would_be_refused(isolated: Path) -> None:
    send(*FLOOD, "--area", "Spreeufer")
    run = cli(*FLOOD, "--area", "Spreeufer", "--dry-run")
    assert_one_line_error(run, 2, "is still open")
    assert cli(*FLOOD, "--area", "Spreeufer", "--dry-run", "--new").code == 0


@pytest.mark.parametrize("other", [
    ("--template", "hochwasser", "--area", "Stiebitz"),  # another place
    ("--template", "unwetter", "--area", "Spreeufer"),  # another event
    ("--template", "hochwasser", "--area", "Spreeufer", "--exercise"),  # an exercise
])
def test_another_place_event_or_an_exercise_is_a_new_incident(
        isolated: Path, other: tuple[str, ...]) -> None:
    first = send(*FLOOD, "--area", "Spreeufer")["incident"]
    assert send("warn", "--level", "medium", *other)["incident"] != first


def test_after_the_all_clear_or_the_expiry_a_new_warning_is_a_new_incident(
        isolated: Path, clock) -> None:
    clock.set(3, 0)
    first = send(*FLOOD, "--area", "Spreeufer", "--expires", "1h")["incident"]
    clock.set(4, 5)  # ran out without an all-clear
    second = send(*FLOOD, "--area", "Spreeufer")["incident"]
    send("warn", "allclear", second)
    assert send(*FLOOD, "--area", "Spreeufer")["incident"] not in (first, second)


def test_two_processes_sending_the_same_warning_at_once_make_one_incident(
        isolated: Path) -> None:
    """Two duty officers (or cron and one) send the same template warning in the same
    second, then a second later: one incident, one broadcast; the others are told."""
    args = [*FLOOD, "--area", "Spreeufer", "--yes", "--output", "json"]
    with Workers(2, isolated) as workers:
        same_second = workers.run([args, args], now="2026-11-28T03:00:00+01:00")
        a_second_later = workers.run([args, args], now="2026-11-28T03:00:01+01:00")
    codes = sorted(run.code for run in same_second)
    assert codes == [0, 2], [run.stderr for run in same_second]
    (sent,) = [run for run in same_second if run.code == 0]
    incident = sent.json()["result"]["incident"]
    (refused,) = [run for run in same_second if run.code == 2]
    assert incident in refused.json()["result"]["error"]["message"]
    assert [run.code for run in a_second_later] == [2, 2]
    assert db(isolated, "SELECT id FROM incidents") == [(incident,)]
    assert db(isolated, "SELECT COUNT(*) FROM alerts") == [(1,)]
    entries = EntryStore(isolated / "citychan-out" / "feed").every_entry()
    assert len(entries) == 1


def test_a_run_sending_the_incident_right_now_blocks_a_second_one(tmp_path: Path) -> None:
    """The check sees ids other runs hold between reserving and recording (a confirmation
    prompt may take minutes); an id whose run is gone holds nothing."""
    from datetime import UTC, datetime

    from citychan.alerts import Area, CapStatus
    from citychan.errors import UsageError
    from citychan.store.db import Store
    from citychan.store.incidents import IncidentStore
    from citychan.warn.incidents import open_guard

    class Wanted:  # the parts of a Warning the guard reads
        event, status, area = "hochwasser", CapStatus.ACTUAL, Area({"de": "Spreeufer"})

        def event_name(self, lang: str) -> str:
            return "Hochwasser"

    now = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    subject = json.dumps({"event": "hochwasser", "status": "Actual", "area": {
        "desc": {"de": "Spreeufer"}, "polygons": [], "circles": [], "geocodes": []}})
    with Store.open(tmp_path / "a.db") as first, Store.open(tmp_path / "a.db") as second:
        held = IncidentStore(first).allocate("hochwasser-1", exact=False, subject=subject)
        assert held == "hochwasser-1"
        guard = open_guard(Wanted(), now)  # type: ignore[arg-type]
        with pytest.raises(UsageError, match="another citychan run is sending incident "
                                             "'hochwasser-1'"):
            IncidentStore(second).allocate("hochwasser-2", exact=False, subject=subject,
                                           check=guard)
    with Store.open(tmp_path / "a.db") as later:  # the first run has ended (its lock is free)
        got = IncidentStore(later).allocate("hochwasser-2", exact=False, subject=subject,
                                            check=open_guard(Wanted(), now))  # type: ignore[arg-type]
        assert got == "hochwasser-2"
