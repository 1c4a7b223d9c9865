"""`post --at 00:58`: a bare clock time is the next such time, and the output says which day
it was read as (found by review: refused as unreadable shortly after midnight)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.support.cli import cli
from tests.support.clock import Clock
from tests.support.config import OUTBOX, MakeConfig
from tests.support.files import NOTICE, write

BERLIN = "Europe/Berlin"


@pytest.mark.parametrize(("hour", "minute", "at", "days"), [
    (0, 50, "00:58", 0), (23, 55, "00:05", 1), (23, 50, "23:58", 0), (10, 0, "09:59", 1)])
def test_post_at_a_clock_time_schedules_the_next_one_and_says_the_day(
        isolated: Path, make_config: MakeConfig, clock: Clock, hour: int, minute: int,
        at: str, days: int) -> None:
    make_config(channels={"outbox": OUTBOX})
    write(isolated / "n.md", NOTICE)
    clock.set(hour, minute)
    today = clock(BERLIN).date()
    run = cli("post", "n.md", "--at", at, "--output", "json")
    assert run.code == 0, run.stderr
    result = json.loads(run.stdout)["result"]
    due = datetime.fromisoformat(result["scheduled"]["due"]).astimezone(clock(BERLIN).tzinfo)
    expected_day = today + timedelta(days=days)
    assert (due.date(), f"{due:%H:%M}") == (expected_day, at)
    assert result["read_as"] == ("today" if days == 0 else "tomorrow")
    cli("queue", "cancel", str(result["scheduled"]["id"]))
    text = cli("post", "n.md", "--at", at)
    assert text.code == 0, text.stderr
    word = "today" if days == 0 else "tomorrow"
    assert f"--at {at} = {word}, {expected_day:%d.%m.%Y} {at}" in text.stdout
    assert text.stderr.count("Error") == 0


def test_post_at_an_iso_time_says_no_day(isolated: Path, make_config: MakeConfig,
                                          clock: Clock) -> None:
    make_config(channels={"outbox": OUTBOX})
    write(isolated / "n.md", NOTICE)
    at = (clock(BERLIN) + timedelta(hours=1)).strftime("%d.%m.%Y %H:%M")
    run = cli("post", "n.md", "--at", at, "--output", "json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["result"]["read_as"] is None
