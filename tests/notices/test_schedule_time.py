"""`post --at`: ISO and German forms, `next` (when quiet hours end), in Europe/Berlin with
its clock changes; past, impossible and doubled times refused."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from citychan.config import InfoRules
from citychan.errors import UsageError
from citychan.notices.schedule import due_time, read_due
from citychan.timeparse import Day

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 4, 16, 30, tzinfo=BERLIN)  # a Friday afternoon
QUIET = InfoRules(quiet_hours=(time(21, 0), time(7, 0)))


def at(text: str, now: datetime = NOW, rules: InfoRules = QUIET) -> datetime:
    return due_time(text, now=now, rules=rules, tz="Europe/Berlin")


@pytest.mark.parametrize("text", [
    "2026-12-07 07:00", "2026-12-07T07:00", "07.12.2026 07:00", "7.12.2026 7:00",
    "07.12.2026, 07:00 Uhr", "07.12.2026 um 07.00", "2026-12-07T07:00+01:00",
    "2026-12-07T06:00Z",
])
def test_monday_seven_in_iso_and_german_forms(text: str) -> None:
    assert at(text) == datetime(2026, 12, 7, 7, 0, tzinfo=BERLIN)


def test_next_in_quiet_hours_is_when_they_end() -> None:
    evening = datetime(2026, 12, 4, 22, 15, tzinfo=BERLIN)
    assert at("next", evening) == datetime(2026, 12, 5, 7, 0, tzinfo=BERLIN)
    early = datetime(2026, 12, 5, 5, 0, tzinfo=BERLIN)
    assert at("NEXT", early) == datetime(2026, 12, 5, 7, 0, tzinfo=BERLIN)


def test_next_outside_quiet_hours_is_now() -> None:
    assert at("next") == NOW
    assert at("next", rules=InfoRules()) == NOW


def test_next_across_the_spring_clock_change_is_seven_local_time() -> None:
    night = datetime(2026, 3, 28, 23, 0, tzinfo=BERLIN)  # clocks go forward at 02:00
    due = at("next", night)
    assert (due.hour, due.minute, due.utcoffset().total_seconds()) == (7, 0, 7200)
    elapsed = due.astimezone(UTC) - night.astimezone(UTC)
    assert elapsed.total_seconds() == 7 * 3600  # 8 hours on the wall, 7 elapsed


def test_a_quiet_end_in_the_skipped_hour_becomes_the_instant_after_the_change() -> None:
    rules = InfoRules(quiet_hours=(time(22, 0), time(2, 30)))
    due = at("next", datetime(2026, 3, 28, 23, 0, tzinfo=BERLIN), rules)
    assert due == datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN)


def test_a_time_the_clocks_skip_is_refused() -> None:
    with pytest.raises(UsageError, match="does not exist"):
        at("2026-03-29 02:30", datetime(2026, 3, 20, tzinfo=BERLIN))


def test_a_time_that_happens_twice_is_refused_with_the_offsets() -> None:
    with pytest.raises(UsageError, match="happens twice") as caught:
        at("25.10.2026 02:30", datetime(2026, 10, 20, tzinfo=BERLIN))
    assert "+02:00" in (caught.value.hint or "") and "+01:00" in (caught.value.hint or "")
    assert at("2026-10-25T02:30+01:00", datetime(2026, 10, 20, tzinfo=BERLIN)).utcoffset()


@pytest.mark.parametrize(("text", "says"), [
    ("2026-12-04 16:00", "in the past"),
    ("2026-12-07", "no time of day"),
    ("07.12.2026", "no time of day"),
    ("31.02.2027 07:00", "cannot read"),
    ("morgen früh", "cannot read"),
    ("2028-12-07 07:00", "more than a year ahead"),
])
def test_unreadable_or_impossible_times_are_refused(text: str, says: str) -> None:
    with pytest.raises(UsageError, match=says):
        at(text)


# A bare clock time is the next such time: today while it is still ahead, else tomorrow
# (found by review: "00:58" typed at 00:50 was refused as unreadable)
@pytest.mark.parametrize(("now", "text", "due"), [
    (datetime(2026, 12, 5, 0, 50, tzinfo=BERLIN), "00:58", datetime(2026, 12, 5, 0, 58)),
    (datetime(2026, 12, 4, 23, 55, tzinfo=BERLIN), "00:05", datetime(2026, 12, 5, 0, 5)),
    (datetime(2026, 12, 4, 23, 55, tzinfo=BERLIN), "23:58", datetime(2026, 12, 4, 23, 58)),
    (datetime(2026, 12, 4, 23, 55, tzinfo=BERLIN), "23:55", datetime(2026, 12, 5, 23, 55)),
    (NOW, "17:00", datetime(2026, 12, 4, 17, 0)),
    (NOW, "7:00 Uhr", datetime(2026, 12, 5, 7, 0)),
    (NOW, "16:29", datetime(2026, 12, 5, 16, 29)),
])
def test_a_bare_clock_time_is_the_next_one(now: datetime, text: str, due: datetime) -> None:
    assert at(text, now, InfoRules()) == due.replace(tzinfo=BERLIN)


def test_a_bare_clock_time_says_which_day_it_was_read_as() -> None:
    reading = read_due("00:05", now=datetime(2026, 12, 4, 23, 55, tzinfo=BERLIN),
                       rules=QUIET, tz="Europe/Berlin")
    assert (reading.at, reading.day) == (datetime(2026, 12, 5, 0, 5, tzinfo=BERLIN),
                                         Day.TOMORROW)
    assert read_due("23:58", now=datetime(2026, 12, 4, 23, 55, tzinfo=BERLIN), rules=QUIET,
                    tz="Europe/Berlin").day == Day.TODAY
    assert read_due("07.12.2026 07:00", now=NOW, rules=QUIET, tz="Europe/Berlin").day is None


def test_a_bare_clock_time_in_the_skipped_hour_is_refused() -> None:
    with pytest.raises(UsageError, match="does not exist"):
        at("02:30", datetime(2026, 3, 28, 23, 0, tzinfo=BERLIN))


@pytest.mark.parametrize("text", ["24:00", "7:60", "7.12"])
def test_a_clock_time_that_is_none_is_refused(text: str) -> None:
    with pytest.raises(UsageError):
        at(text)
