"""The duty officer's path with German inputs (issue 11, items 6-8): template alias, German
level and times, the day a clock time means said back, bombe refusing to guess its time,
an update that says what changed, the all-clear in plain words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import assert_one_line_error, cli
from tests.support.config import ALERTS_TABLE, OUTBOX, MakeConfig


@pytest.fixture(autouse=True)
def config(make_config: MakeConfig) -> Path:
    return make_config(alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})


def warn(*args: str) -> dict:
    run = cli("warn", *args, "--yes", "--output", "json")
    assert run.code == 0, run.stdout + run.stderr
    return json.loads(run.stdout)["result"]


def test_german_level_time_and_template_alias_are_read_and_said_back(clock) -> None:
    clock.set(21, 16)
    res = warn("--template", "sturm", "--level", "hoch", "--area", "Seidau",
               "--expires", "23:00", "--dry-run")
    notes = {f["message"] for f in res["findings"] if f["code"] == "CC411"}
    assert "template 'sturm' is 'unwetter'" in notes
    (when,) = [n for n in notes if n.startswith("expires 23:00 = heute, ")]
    assert when.endswith(", 23:00 Uhr")
    assert all(f["severity"] == "info" for f in res["findings"] if f["code"] == "CC411")


def test_a_clock_time_already_past_is_said_to_be_tomorrow(clock) -> None:
    clock.set(23, 30)
    res = warn("--template", "hochwasser", "--level", "mittel", "--area", "Seidau",
               "--expires", "23:00", "--dry-run")
    assert [f["message"].split(",")[0] for f in res["findings"] if f["code"] == "CC411"] == [
        "expires 23:00 = morgen"]


def test_an_unknown_template_points_to_the_one_meant() -> None:
    run = cli("warn", "--template", "strum", "--level", "hoch", "--area", "Seidau", "--yes")
    assert_one_line_error(run, 2, "unknown template 'strum'. Did you mean 'unwetter'?")


def test_bombe_without_time_is_refused_in_one_line() -> None:
    run = cli("warn", "--template", "bombe", "--level", "hoch", "--area", "Altstadt", "--yes")
    assert_one_line_error(run, 2, "template 'bombe' needs --time: citychan does not guess it")


def test_an_impossible_german_time_is_one_line_exit_2() -> None:
    run = cli("warn", "--template", "hochwasser", "--level", "mittel", "--area", "Seidau",
              "--expires", "31.11.2026 06:00", "--yes")
    assert_one_line_error(run, 2, "expires: cannot read '31.11.2026 06:00'")


def test_update_and_allclear_with_german_inputs_say_what_changed(isolated: Path) -> None:
    inc = warn("--template", "hochwasser", "--level", "mittel", "--area", "Seidau")["incident"]
    upd = warn("update", inc, "--level", "hoch", "--expires", "+8h")  # default: 6h
    assert upd["msg_type"] == "Update"
    outbox = [p.read_text() for p in (isolated / "citychan-out" / "outbox").glob("*.txt")]
    (text,) = [t for t in outbox if "Aktualisierung" in t]  # what the channel got
    assert "*Extreme Gefahr: Aktualisierung - Hochwasser - Seidau*" in text
    assert "Neu: Warnstufe erhöht auf Extreme Gefahr; verlängert bis " in text
    end = warn("allclear", inc)
    cap = (isolated / "citychan-out" / "cap" / f"{end['identifier']}.cap.xml").read_text()
    assert "<headline>Entwarnung: Hochwasser - Seidau</headline>" in cap
    assert "Das Hochwasser geht zurück." in cap and "gewohnten" not in cap
