"""Issue 11, item 5 (the rest): `citychan incidents` lists open and closed incidents;
`latest` or the event name stands for an incident id; the id is the last line on stdout and
in the JSON result, and never wraps in `log`."""

from __future__ import annotations

import json
import re
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


def listed(*args: str) -> list[dict]:
    run = cli("incidents", *args, "--output", "json")
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)["result"]["incidents"]


def test_the_incident_id_is_the_last_line_on_stdout(isolated: Path) -> None:
    """Why: the incident id went to stderr."""
    run = cli("warn", "--template", "hochwasser", "--level", "medium", "--area", "Seidau",
              "--yes")
    assert run.code == 0, run.stderr
    incident = run.stdout.splitlines()[-1]
    assert incident.startswith("hochwasser-") and " " not in incident
    assert listed()[0]["id"] == incident
    upd = cli("warn", "update", incident, "--expires", "5h", "--yes")
    assert upd.stdout.splitlines()[-1] == incident
    res = send("warn", "allclear", "latest")
    assert res["incident"] == incident and res["identifier"] == f"{incident}.3"


def test_a_dry_run_prints_no_incident_id_on_stdout(isolated: Path) -> None:
    """The preview shows the CAP identifier it would use, but nothing was recorded: the last
    line is not an id a script could take for a real incident."""
    run = cli("warn", "--template", "hochwasser", "--level", "medium", "--area", "Seidau",
              "--dry-run")
    assert run.code == 0
    last = run.stdout.strip().splitlines()[-1]
    assert not re.fullmatch(r"hochwasser-\S+", last.strip()), last


def test_the_incident_id_never_wraps_in_log(isolated: Path) -> None:
    """Why: the id wrapped in `log`, so it could not be copied into `warn update`."""
    incident = send("warn", "--template", "hochwasser", "--level", "medium",
                    "--area", "Seidau")["incident"]
    text = cli("log", env={"COLUMNS": "80"}).stdout
    assert incident in text


def test_incidents_lists_open_and_closed_incidents(isolated: Path, clock) -> None:
    """Why: there was no list of incidents."""
    clock.set(2, 0)
    old = send("warn", "--template", "unwetter", "--level", "low", "--area", "Bautzen")
    send("warn", "allclear", old["incident"])
    clock.set(3, 0)
    flood = send("warn", "--template", "hochwasser", "--level", "medium", "--area", "Seidau",
                 "--expires", "1h")
    clock.set(3, 10)
    send("warn", "update", flood["incident"], "--level", "high")
    rows = listed()
    assert [r["id"] for r in rows] == [flood["incident"], old["incident"]]  # open first
    now, closed = rows
    assert (now["event"], now["event_name"], now["level"], now["area"], now["state"]) == (
        "hochwasser", "Hochwasser", "high", "Seidau", "updated")
    assert now["last_message"]["msg_type"] == "Update"
    assert now["last_message"]["headline"].startswith(
        "Extreme Gefahr: Aktualisierung - Hochwasser")
    assert now["closed"] is None and now["overdue"] is False
    assert (closed["state"], closed["last_message"]["msg_type"]) == ("cleared", "Cancel")
    assert closed["closed"] is not None and closed["overdue"] is False
    text = cli("incidents", env={"COLUMNS": "250"}).stdout
    for word in (flood["incident"], "Hochwasser", "high", "Seidau", "updated", "Update",
                 old["incident"], "cleared"):
        assert word in text
    clock.set(4, 5)  # past the expiry, no all-clear
    (overdue,) = [r for r in listed() if r["id"] == flood["incident"]]
    assert overdue["overdue"] is True and overdue["state"] == "expired"
    assert "OVERDUE" in cli("incidents", env={"COLUMNS": "250"}).stdout
    narrow = cli("incidents", env={"COLUMNS": "80"}).stdout  # a plain terminal
    assert flood["incident"] in narrow.splitlines()[2] and "Seidau" in narrow
    assert len(listed("--limit", "1")) == 1


def test_incidents_with_no_store_lists_nothing_and_creates_nothing(isolated: Path) -> None:
    run = cli("incidents")
    assert run.code == 0 and "No incidents yet." in run.stdout
    assert listed() == []
    assert not (isolated / "citychan-out").exists()


def test_latest_names_the_newest_open_incident(isolated: Path, clock) -> None:
    """Why: there was no "latest" shortcut."""
    clock.set(3, 0)
    first = send("warn", "--template", "hochwasser", "--level", "medium",
                 "--area", "Seidau")["incident"]
    clock.set(3, 1)
    second = send("warn", "--template", "unwetter", "--level", "medium",
                  "--area", "Bautzen")["incident"]
    assert send("warn", "update", "latest", "--level", "high")["incident"] == second
    send("warn", "allclear", "latest")
    assert send("warn", "allclear", "latest")["incident"] == first  # the newest still open
    assert_one_line_error(cli("warn", "update", "latest", "--level", "low", "--yes"), 2,
                          "no open incident")


def test_the_event_name_names_its_incident_when_unambiguous(isolated: Path) -> None:
    first = send("warn", "--template", "hochwasser", "--level", "medium",
                 "--area", "Seidau")["incident"]
    assert send("warn", "update", "hochwasser", "--level", "high")["incident"] == first
    assert send("warn", "update", "Hochwasser", "--expires", "2h")["incident"] == first
    second = send("warn", "--template", "hochwasser", "--level", "medium",
                  "--area", "Stiebitz")["incident"]
    run = cli("warn", "allclear", "hochwasser", "--yes")
    assert_one_line_error(run, 2, "2 open incidents for Hochwasser")
    assert first in run.stderr and second in run.stderr
    assert_one_line_error(cli("warn", "allclear", "unwetter", "--yes"), 2,
                          "no open incident for Unwetter")
    assert_one_line_error(cli("warn", "allclear", "hochwaser-1", "--yes"), 2,
                          "unknown incident 'hochwaser-1'")
