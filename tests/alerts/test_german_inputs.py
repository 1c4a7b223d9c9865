"""German inputs as a duty officer types them at 03:00 (issue 11, item 7): clock times that
say which day they mean, German dates, ``+6h``, all correct across the clock changes of
2026-10-25 and 2027-03-28; a time that does not exist, or exists twice, is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from citychan.errors import UsageError
from citychan.timeparse import Day, check_when_text, read_when

BERLIN = ZoneInfo("Europe/Berlin")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_a_clock_time_later_today_is_read_as_today() -> None:
    reading = read_when("23:00", base=at(2026, 11, 29, 21, 16))
    assert reading.at.isoformat() == "2026-11-29T23:00:00+01:00"
    assert reading.day is Day.TODAY


def test_a_clock_time_already_past_is_read_as_tomorrow() -> None:
    reading = read_when("23:00 Uhr", base=at(2026, 11, 29, 23, 30))
    assert reading.at.isoformat() == "2026-11-30T23:00:00+01:00"
    assert reading.day is Day.TOMORROW
    assert read_when("21:16", base=at(2026, 11, 29, 21, 16)).day is Day.TOMORROW  # "now" is past


@pytest.mark.parametrize("text", ["30.11.2026 06:00", "30.11.2026, 06:00 Uhr", "30.11.2026 6.00"])
def test_a_german_date_and_time_is_city_time(text: str) -> None:
    reading = read_when(text, base=at(2026, 11, 29, 21, 16))
    assert reading.at.isoformat() == "2026-11-30T06:00:00+01:00"
    assert reading.day is None  # the date was given: nothing to say back


def test_plus_six_hours_is_six_real_hours_across_the_october_change() -> None:
    start = at(2026, 10, 25, 0, 30)  # CEST, two hours before the clocks go back
    end = read_when("+6h", base=start).at
    assert end.isoformat() == "2026-10-25T05:30:00+01:00"
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=6)


def test_plus_six_hours_is_six_real_hours_across_the_march_change() -> None:
    start = at(2027, 3, 28, 0, 30)  # CET, before the clocks skip 02:00-03:00
    end = read_when("+6h", base=start).at
    assert end.isoformat() == "2027-03-28T07:30:00+02:00"
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=6)


def test_clock_times_on_the_change_days_carry_the_right_offset() -> None:
    assert read_when("12:00", base=at(2026, 10, 25, 1, 0)).at.isoformat() == (
        "2026-10-25T12:00:00+01:00")
    assert read_when("12:00", base=at(2027, 3, 28, 1, 0)).at.isoformat() == (
        "2027-03-28T12:00:00+02:00")
    assert read_when("25.10.2026 18:00", base=at(2026, 10, 24, 9, 0)).at.isoformat() == (
        "2026-10-25T18:00:00+01:00")


def test_a_clock_time_the_clocks_skip_is_refused_with_a_hint() -> None:
    with pytest.raises(UsageError) as exc:
        read_when("02:30", base=at(2027, 3, 28, 1, 0))
    assert "2027-03-28T02:30 does not exist in Europe/Berlin" in exc.value.message
    assert "duration" in (exc.value.hint or "")


def test_a_clock_time_the_clocks_pass_twice_is_refused_not_guessed() -> None:
    with pytest.raises(UsageError) as exc:
        read_when("02:30", base=at(2026, 10, 25, 1, 0))
    assert "happens twice" in exc.value.message
    assert "+02:00" in (exc.value.hint or "") and "+01:00" in (exc.value.hint or "")


def test_a_skipped_hour_already_past_today_means_tomorrow_not_an_error() -> None:
    assert read_when("02:30", base=at(2027, 3, 28, 10, 0)).at.isoformat() == (
        "2027-03-29T02:30:00+02:00")


@pytest.mark.parametrize(("text", "says"), [
    ("25:00", "no time of day"),
    ("31.11.2026 06:00", "day is out of range"),
    ("30.11.2026", "has no time of day"),
    ("morgen", "cannot read 'morgen'"),
])
def test_impossible_times_are_refused_in_one_sentence(text: str, says: str) -> None:
    with pytest.raises(UsageError, match=says):
        read_when(text, base=at(2026, 11, 29, 21, 16))


@pytest.mark.parametrize("text", ["23:00", "+6h", "30.11.2026 06:00", "2026-11-30T06:00"])
def test_a_warning_file_may_give_expires_the_same_ways(text: str) -> None:
    check_when_text(text)  # raises UsageError when a file could not say it
