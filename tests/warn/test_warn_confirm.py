"""Issue 11, "The confirmation": before a warning goes out the duty officer reads its full
text in German and Sorbian, the channels and the expiry, in German words (no CAP English
such as "Alert"); `high` still asks for the event name. CC409 is one short line, once."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.support.cli import cli
from tests.support.config import ALERTS_TABLE, OUTBOX, MakeConfig

TEMPLATE = ("--template", "hochwasser", "--area", "Spreeufer")


@pytest.fixture
def terminal(isolated: Path, monkeypatch: pytest.MonkeyPatch, make_config: MakeConfig) -> Path:
    from citychan.cli import common

    monkeypatch.setattr(common, "is_interactive", lambda: True)
    make_config(alerts=ALERTS_TABLE, channels={"outbox": OUTBOX, "website": {"type": "feed"}})
    return isolated


def flat(text: str) -> str:
    """Terminal text without panel borders and wrapping: the words in their order."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


def dry(*args: str) -> dict:
    return json.loads(cli("warn", *args, "--dry-run", "--output", "json").stdout)["result"]


def test_confirmation_shows_the_full_text_channels_and_expiry_in_german(terminal: Path) -> None:
    planned = dry(*TEMPLATE, "--level", "medium")
    run = cli("warn", *TEMPLATE, "--level", "medium", input="n\n")
    assert run.code == 2 and "not confirmed" in run.stderr
    shown = flat(run.stderr)
    outbox = next(t for t in planned["targets"] if t["channel"] == "outbox")
    assert flat(outbox["text"]) in shown  # German and Sorbian, as the channel gets it
    assert outbox["langs"] == ["de", "hsb"]
    assert "Kanäle: outbox, website" in shown
    expires = planned["cap"]["expires"]  # 2026-11-29T16:00:00+01:00
    assert f"Gültig bis: {expires[8:10]}.{expires[5:7]}.{expires[:4]}, {expires[11:16]} Uhr" \
        in shown
    assert shown.startswith("Warnung · Gefahr") and "Jetzt senden?" in shown
    assert not re.search(r"\bAlert\b", run.stderr)  # no CAP English where the officer decides
    assert not (terminal / "citychan-out" / "outbox").exists()


@pytest.mark.parametrize("answer", ["j", "ja", "y"])
def test_confirmation_takes_ja(terminal: Path, answer: str) -> None:
    run = cli("warn", *TEMPLATE, "--level", "medium", input=f"{answer}\n")
    assert run.code == 0, run.stderr
    assert len(list((terminal / "citychan-out" / "outbox").glob("*.txt"))) == 1


def test_high_level_still_needs_the_event_name_typed(terminal: Path) -> None:
    wrong = cli("warn", *TEMPLATE, "--level", "high", input="ja\n")
    assert wrong.code == 2 and "not confirmed" in wrong.stderr
    assert "Namen des Ereignisses" in wrong.stderr
    right = cli("warn", *TEMPLATE, "--level", "high", input="Hochwasser\n")
    assert right.code == 0, right.stderr


def test_cc409_is_one_short_line_with_a_count_once_on_a_terminal(terminal: Path) -> None:
    run = cli("warn", *TEMPLATE, "--level", "medium", input="j\n")
    assert run.code == 0, run.stderr
    lines = [line for line in (run.stdout + run.stderr).splitlines() if "CC409" in line]
    assert len(lines) == 1, run.stderr  # shown in the confirmation, not again after sending
    assert re.search(r"CC409 translation-needs-review: \d+ text part\(s\) in hsb", lines[0])
    assert len(lines[0]) < 120


def test_cc409_once_in_the_json_result(terminal: Path) -> None:
    codes = [f["code"] for f in dry(*TEMPLATE, "--level", "medium")["findings"]]
    assert codes.count("CC409") == 1
