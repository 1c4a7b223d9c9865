"""Issue 11, "Preview = what goes out": `warn --dry-run` and `citychan preview` of a warning
file show per channel exactly the text `warn` sends (one rendering path), with lengths
against limits, the CAP summary and the channel list, as text and as JSON. No template
sentence is written here: every expectation is what the channels really received."""

from __future__ import annotations

import json
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import cli
from tests.support.config import ALERTS_TABLE, OUTBOX, MakeConfig
from tests.support.fault_server import FaultServer, Ok
from tests.support.files import write

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "warnung-hochwasser.md"
TEMPLATE = ("--template", "hochwasser", "--level", "medium", "--area", "Spreeufer")


def result(*args: str) -> tuple[int, dict[str, Any]]:
    run = cli(*args, "--output", "json")
    assert run.exception is None, run.exception
    return run.code, json.loads(run.stdout)["result"]


def by_channel(targets: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {t["channel"]: t for t in targets}


@pytest.fixture
def loopback(isolated: Path, monkeypatch: pytest.MonkeyPatch, make_config: MakeConfig):
    tg_ok = Ok({"ok": True, "result": {"message_id": 7, "chat": {"username": "stadt_bautzen"}}})
    with FaultServer([Ok({"id": "n1"})] * 3) as ntfy, FaultServer([tg_ok] * 3) as telegram:
        monkeypatch.setenv("TG_TOKEN", "123456:ABCdef")
        make_config(alerts=ALERTS_TABLE, channels={
            "outbox": OUTBOX,
            "ntfy": {"type": "ntfy", "base_url": ntfy.url, "topic": "bautzen"},
            "telegram": {"type": "telegram", "chat_id": "@stadt_bautzen",
                         "token_env": "TG_TOKEN", "api_url": telegram.url},
        })
        yield ntfy, telegram


@pytest.mark.integration
def test_dry_run_shows_byte_for_byte_what_the_channels_receive(loopback, isolated: Path) -> None:
    ntfy, telegram = loopback
    code, dry = result("warn", *TEMPLATE, "--dry-run")
    assert code == 0 and ntfy.requests == [] and telegram.requests == []
    shown = by_channel(dry["targets"])
    assert set(shown) == {"outbox", "ntfy", "telegram"} == set(dry["channels"])

    code, sent = result("warn", *TEMPLATE, "--yes")
    assert code == 0, sent
    assert by_channel(sent["targets"]) == shown  # the same plan, rendered once
    (req,) = ntfy.requests
    assert req.body == shown["ntfy"]["text"].encode("utf-8")
    assert str(make_header(decode_header(req.headers["title"]))) == shown["ntfy"]["title"]
    assert telegram.requests[0].json()["text"] == shown["telegram"]["text"]
    (file,) = (isolated / "citychan-out" / "outbox").glob("*.outbox.txt")
    assert file.read_bytes() == (shown["outbox"]["text"].rstrip("\n") + "\n").encode("utf-8")


@pytest.mark.integration
def test_dry_run_shows_lengths_against_limits_the_cap_summary_and_the_channels(
        loopback) -> None:
    code, dry = result("warn", *TEMPLATE, "--dry-run")
    cap = dry["cap"]
    assert cap["identifier"] == dry["identifier"] and cap["msg_type"] == "Alert"
    assert (cap["severity"], cap["urgency"], cap["certainty"]) == (
        "Severe", "Immediate", "Likely")
    assert cap["area"]["de"] == "Spreeufer" and cap["expires"]
    tg = by_channel(dry["targets"])["telegram"]
    assert tg["limit"] == 4096 and 0 < tg["length"] <= 4096

    text = cli("warn", *TEMPLATE, "--dry-run")
    assert text.code == 0, text.stderr
    assert f"{tg['length']} / 4096" in text.stdout
    assert f"CAP: {cap['identifier'].rsplit('.', 1)[0]}" in text.stdout  # one-run id prefix
    assert "Kanäle: outbox, ntfy, telegram" in text.stdout
    assert "Gültig bis: " in text.stdout and "Severe / Immediate / Likely" in text.stdout
    assert f"╭─ telegram ({tg['dialect']}, de+hsb)" in text.stdout  # its text, in a panel


def test_preview_of_a_warning_file_shows_what_warn_sends(isolated: Path,
                                                        make_config: MakeConfig) -> None:
    """The issue's case: `preview` showed headline and description (252 characters);
    `warn` also sends the instruction, the area, the expiry, the source and the link."""
    make_config(alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})
    for f in EXAMPLE.parent.glob("warnung-hochwasser*.md"):
        write(isolated / f.name, f.read_text(encoding="utf-8"))
    code, preview = result("preview", "warnung-hochwasser.md", "--channel", "outbox")
    assert code == 0
    _, dry = result("warn", "warnung-hochwasser.md", "--channel", "outbox", "--dry-run")
    (shown,) = preview["targets"]
    assert preview["targets"] == dry["targets"]
    instruction = next(line.split(":", 1)[1].strip() for line in
                       EXAMPLE.read_text(encoding="utf-8").splitlines()
                       if line.startswith("instruction:"))
    assert instruction in shown["text"] and "https://www.bautzen.de/warnungen" in shown["text"]
    assert preview["cap"]["msg_type"] == "Alert" and preview["channels"] == ["outbox"]

    code, sent = result("warn", "warnung-hochwasser.md", "--channel", "outbox", "--yes")
    (file,) = (isolated / "citychan-out" / "outbox").glob("*.outbox.txt")
    assert file.read_text(encoding="utf-8") == shown["text"].rstrip("\n") + "\n"
    assert code == 0 and len(list(isolated.glob("citychan-out/cap/*.xml"))) == 1

    text = cli("preview", "warnung-hochwasser.md", "--channel", "outbox")
    assert text.code == 0 and "Gültig bis: " in text.stdout and "CAP: " in text.stdout


def test_preview_of_an_info_notice_is_unchanged_and_still_refuses_a_broken_table(
        isolated: Path, make_config: MakeConfig) -> None:
    make_config(channels={"outbox": OUTBOX, "tg": {"type": "telegram", "chat": "@x"}})
    write(isolated / "n.md", "---\ntitle: Wochenmarkt\n---\nHeute Markt.\n")
    run = cli("preview", "n.md")
    assert run.code == 2 and "unknown key 'chat'" in run.stderr
    assert "CAP:" not in run.stdout


def test_dry_run_with_rule_errors_still_shows_the_text_and_exits_3(
        isolated: Path, make_config: MakeConfig) -> None:
    make_config(alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})
    write(isolated / "w.md", EXAMPLE.read_text(encoding="utf-8"))  # no Sorbian sibling
    run = cli("warn", "w.md", "--dry-run")
    assert run.code == 3
    assert "CC003" in run.stdout and "would be refused" in run.stdout
    assert "╭─ outbox" in run.stdout and not (isolated / "citychan-out").exists()
