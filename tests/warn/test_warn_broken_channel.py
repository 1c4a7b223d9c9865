"""Issue 11, "A warning never waits on one channel's config": a channel whose secret is
missing or whose table is broken fails alone (recorded `failed` with the reason, in the
store and the result), every other channel gets the warning, exit 4. An info post still
refuses such a config with exit 2."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.support.cli import assert_one_line_error, cli
from tests.support.config import ALERTS_TABLE, OUTBOX, MakeConfig
from tests.support.files import write

WAHA = {"type": "whatsapp", "provider": "waha", "base_url": "https://waha.bautzen.de",
        "session": "default", "channel_id": "120363012345678901@newsletter",
        "token_env": "CITYCHAN_WAHA_KEY"}
BROKEN_TABLE = {"type": "telegram", "chat": "@stadt_bautzen"}  # 'chat_id' misspelt
WARN = ("warn", "--template", "unwetter", "--level", "medium", "--area", "Bautzen")


def deliveries(isolated: Path) -> dict[str, tuple[str, str | None]]:
    with closing(sqlite3.connect(isolated / "citychan-out" / "citychan.db")) as db:
        rows = db.execute("SELECT channel, status, error FROM deliveries").fetchall()
    return {channel: (status, error) for channel, status, error in rows}


@pytest.mark.parametrize(("table", "reason"), [
    (WAHA, "No secret: set CITYCHAN_WAHA_KEY"),
    (BROKEN_TABLE, "[channels.whatsapp] unknown key 'chat'"),
], ids=["missing-secret", "broken-table"])
def test_a_channel_that_cannot_start_fails_alone_and_the_others_get_the_warning(
        isolated: Path, make_config: MakeConfig, table: dict, reason: str) -> None:
    make_config(alerts=ALERTS_TABLE, channels={"whatsapp": table, "outbox": OUTBOX,
                                               "website": {"type": "feed"}})
    run = cli(*WARN, "--yes", "--output", "json")
    assert run.code == 4, run.stdout + run.stderr
    by = {r["channel"]: r for r in json.loads(run.stdout)["result"]["results"]}
    assert by["outbox"]["status"] == by["website"]["status"] == "sent"
    assert by["whatsapp"]["status"] == "failed" and reason in by["whatsapp"]["error"]
    stored = deliveries(isolated)
    assert stored["outbox"][0] == "sent" and stored["whatsapp"][0] == "failed"
    assert reason in (stored["whatsapp"][1] or "")
    assert len(list((isolated / "citychan-out" / "outbox").glob("*.txt"))) == 1


def test_the_result_table_names_the_failed_channel_and_why(
        isolated: Path, make_config: MakeConfig) -> None:
    make_config(alerts=ALERTS_TABLE, channels={"whatsapp": WAHA, "outbox": OUTBOX})
    run = cli(*WARN, "--yes")
    assert run.code == 4 and "Traceback" not in run.stdout + run.stderr
    line = next(line for line in run.stdout.splitlines() if line.startswith("whatsapp"))
    assert "failed" in line and "No secret: set CITYCHAN_WAHA_KEY" in line


def test_the_dry_run_names_the_channel_that_would_fail(
        isolated: Path, make_config: MakeConfig) -> None:
    make_config(alerts=ALERTS_TABLE, channels={"whatsapp": WAHA, "outbox": OUTBOX})
    run = cli(*WARN, "--dry-run")
    assert run.code == 4
    assert "Kanal whatsapp fällt aus: " in run.stdout and "CITYCHAN_WAHA_KEY" in run.stdout
    assert "Kanäle: outbox" in run.stdout and not (isolated / "citychan-out").exists()


def test_the_secret_value_of_another_channel_never_shows(
        isolated: Path, make_config: MakeConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TG_TOKEN", "123456:SECRETvalue")
    make_config(alerts=ALERTS_TABLE, channels={
        "whatsapp": WAHA, "outbox": OUTBOX,
        "tg": {"type": "telegram", "chat_id": "@x", "token_env": "TG_TOKEN",
               "enabled": False}})
    run = cli(*WARN, "--yes", "--output", "json")
    assert run.code == 4 and "SECRETvalue" not in run.stdout + run.stderr


@pytest.mark.parametrize("table", [WAHA, BROKEN_TABLE], ids=["missing-secret", "broken-table"])
def test_an_info_post_still_refuses_a_broken_config(
        isolated: Path, make_config: MakeConfig, table: dict) -> None:
    make_config(channels={"whatsapp": table, "outbox": OUTBOX})
    write(isolated / "n.md", "---\ntitle: Wochenmarkt\n---\nHeute Markt.\n")
    assert_one_line_error(cli("post", "n.md", "--yes"), 2)
    assert not (isolated / "citychan-out" / "outbox").exists()


def test_a_broken_table_that_is_switched_off_is_left_out(
        isolated: Path, make_config: MakeConfig) -> None:
    make_config(alerts=ALERTS_TABLE, channels={
        "outbox": OUTBOX, "tg": {**BROKEN_TABLE, "enabled": False},
        "news": {**BROKEN_TABLE, "kinds": ["info"]}})
    run = cli(*WARN, "--yes", "--output", "json")
    assert run.code == 0, run.stdout
    results = json.loads(run.stdout)["result"]["results"]
    assert {r["channel"]: r["status"] for r in results} == {"outbox": "sent", "news": "skipped"}
