"""Near-duplicates: a notice whose title is (nearly) that of another sent in the last 24 hours
is refused (CC304) with the earlier one's title, time and the `correct` command; --force posts
it anyway (recorded as CC303). The same message again stays "already sent"."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from citychan.notices.rules import near_duplicate_findings, nearly_same_title
from tests.support.cli import cli
from tests.support.clock import Clock
from tests.support.config import OUTBOX, MakeConfig
from tests.support.files import write

WRONG = """---
title: Vollsperrung der Töpferstraße vom 7. bis 18. Dezember
---
Die Töpferstraße ist vom 7. bis 18. Dezember gesperrt.
"""
FIXED = WRONG.replace("7. bis 18.", "8. bis 18.")


@pytest.mark.parametrize(("a", "b"), [
    ("Vollsperrung der Töpferstraße", "Vollsperrung der Töpferstraße"),
    ("Vollsperrung der Töpferstraße", "vollsperrung der TÖPFERSTRASSE!"),
    ("Vollsperrung vom 7. bis 18. Dezember", "Vollsperrung vom 8. bis 18. Dezember"),
    ("Wertstoffhof am 24.12. geschlossen", "Wertstoffhof am 27.12.2026 geschlossen"),
    ("Bürgerbüro ab 7:00 Uhr geöffnet", "Bürgerbüro ab 8 Uhr geöffnet"),
    ("Töpferstrase gesperrt", "Töpferstraße gesperrt"),  # a typo fixed
])
def test_titles_that_name_the_same_notice_are_near_duplicates(a: str, b: str) -> None:
    assert nearly_same_title(a, b)


@pytest.mark.parametrize(("a", "b"), [
    ("Sperrung der Löbauer Straße, Abschnitt 1", "Sperrung der Löbauer Straße, Abschnitt 2"),
    ("Sperrung A", "Sperrung B"),
    ("Stadtfest am Samstag", "Stadtfest am Sonntag"),
    ("Stadtfest", "Stadtrat tagt"),
    ("Bekanntmachung Nummer 3", "Bekanntmachung Nummer 4"),
])
def test_titles_of_different_notices_are_not_near_duplicates(a: str, b: str) -> None:
    assert not nearly_same_title(a, b)


def test_the_finding_names_the_earlier_notice_its_time_and_the_correct_command() -> None:
    when = datetime(2026, 12, 1, 19, 10, tzinfo=UTC)  # 20:10 in Bautzen
    (finding,) = near_duplicate_findings(
        "Vollsperrung vom 8. bis 18. Dezember",
        [("abcdef0123456789", "Vollsperrung vom 7. bis 18. Dezember", when)], False,
        "Europe/Berlin")
    assert (finding.code, finding.severity, finding.name) == ("CC304", "error", "near-duplicate")
    assert "'Vollsperrung vom 7. bis 18. Dezember'" in finding.message
    assert "2026-12-01 20:10" in finding.message
    assert "citychan correct abcdef012345 FILE" in (finding.hint or "")
    (forced,) = near_duplicate_findings(
        "Vollsperrung vom 8. bis 18. Dezember",
        [("abcdef0123456789", "Vollsperrung vom 7. bis 18. Dezember", when)], True,
        "Europe/Berlin")
    assert (forced.code, forced.severity) == ("CC303", "warning")


@pytest.fixture
def posted(isolated: Path, make_config: MakeConfig) -> Path:
    make_config(channels={"outbox": OUTBOX})
    write(isolated / "wrong.md", WRONG)
    assert cli("post", "wrong.md", "--yes").code == 0
    return write(isolated / "fixed.md", FIXED)


def test_reposting_a_fixed_notice_is_refused_with_the_earlier_one_named(posted: Path) -> None:
    run = cli("post", str(posted), "--yes", "--output", "json")
    assert run.code == 3
    envelope = json.loads(run.stdout)
    (finding,) = [f for f in envelope["result"]["findings"] if f["code"] == "CC304"]
    assert "Vollsperrung der Töpferstraße vom 7. bis 18. Dezember" in finding["message"]
    assert "10:0" in finding["message"]  # the time it went out, city time
    assert "citychan correct " in finding["hint"]
    assert len(list(Path("citychan-out/outbox").iterdir())) == 1  # nothing more was sent


def test_preview_shows_the_near_duplicate_too(posted: Path) -> None:
    run = cli("preview", str(posted), "--output", "json")
    assert run.code == 3
    assert "CC304" in [f["code"] for f in json.loads(run.stdout)["result"]["findings"]]


def test_force_posts_a_near_duplicate_anyway_and_records_it(posted: Path) -> None:
    run = cli("post", str(posted), "--yes", "--force", "--output", "json")
    assert run.code == 0
    result = json.loads(run.stdout)["result"]
    assert result["forced"] is True
    assert [f["code"] for f in result["findings"]] == ["CC303"]
    assert len(list(Path("citychan-out/outbox").iterdir())) == 2


def test_the_same_message_again_stays_already_sent(posted: Path) -> None:
    run = cli("post", "wrong.md", "--yes", "--output", "json")
    assert run.code == 0
    (row,) = json.loads(run.stdout)["result"]["results"]
    assert row["status"] == "skipped" and row["error"].startswith("already sent")


def test_a_near_duplicate_older_than_24_hours_is_no_longer_refused(
        posted: Path, clock: Clock) -> None:
    clock.set(10, 30, days=1)
    assert cli("post", str(posted), "--yes").code == 0
