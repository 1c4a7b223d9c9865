"""Correct, withdraw and expire on Telegram and Mastodon, against a loopback fake that keeps
the posts and answers edits and deletions as both services document them (see
tests/support/lifecycle_fakes.py for the sources), errors included."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from citychan.store.db import Store
from citychan.store.deliveries import DeliveryStore, Status
from tests.support.cli import cli
from tests.support.config import MakeConfig
from tests.support.files import write
from tests.support.lifecycle_fakes import Service, running

ENV = {"CITYCHAN_TG_TOKEN": "123:tg-secret", "CITYCHAN_MASTO_TOKEN": "masto-secret"}
DB = Path("citychan-out/citychan.db")
WRONG = """---
title: Weihnachtsmarkt auf dem Hauptmarkt
expires: 2026-12-18
---
Der Weihnachtsmarkt öffnet am 12.12. um 10 Uhr.
"""
RIGHT = WRONG.replace("12.12.", "13.12.")


@pytest.fixture
def fake() -> Iterator[tuple[str, Service]]:
    with running() as served:
        yield served


def _setup(make_config: MakeConfig, isolated: Path, url: str, text: str = WRONG,
           **extra: object) -> None:
    make_config(channels={
        "tg": {"type": "telegram", "chat_id": "@stadt_bautzen", "api_url": url,
               "token_env": "CITYCHAN_TG_TOKEN", **extra},
        "masto": {"type": "mastodon", "base_url": url, "token_env": "CITYCHAN_MASTO_TOKEN",
                  **extra},
    })
    write(isolated / "markt.md", text)
    write(isolated / "markt-richtig.md", RIGHT)
    run = cli("post", "markt.md", "--yes", env=ENV)
    assert run.code == 0, run.stderr


def _results(run) -> dict[str, tuple[str, str]]:
    assert "Traceback" not in run.stderr
    body = json.loads(run.stdout)["result"]["results"]
    return {r["channel"]: (r["how"], r["status"]) for r in body}


def test_correct_edits_the_telegram_message_and_the_mastodon_status_in_place(
        make_config: MakeConfig, isolated: Path, fake: tuple[str, Service]) -> None:
    url, service = fake
    _setup(make_config, isolated, url)
    (mid,), (sid,) = service.telegram, service.statuses
    run = cli("correct", "latest", "markt-richtig.md", "--yes", "--output", "json", env=ENV)
    assert run.code == 0, run.stderr
    assert _results(run) == {"tg": ("edit", "sent"), "masto": ("edit", "sent")}
    assert "13.12." in service.telegram[mid] and "13.12." in service.statuses[sid]
    assert len(service.telegram) == 1 and len(service.statuses) == 1  # nothing posted twice
    (edit,) = service.calls("editMessageText")
    assert edit["message_id"] == mid and edit["parse_mode"] == "HTML"
    assert [m for m, p, _ in service.seen if p == f"/api/v1/statuses/{sid}"] == ["PUT"]


def test_an_edit_whose_outcome_was_unknown_is_done_again_by_retry_and_not_modified_is_done(
        make_config: MakeConfig, isolated: Path, fake: tuple[str, Service]) -> None:
    url, service = fake
    _setup(make_config, isolated, url)
    assert cli("correct", "latest", "markt-richtig.md", "--yes", env=ENV).code == 0
    with closing(sqlite3.connect(DB)) as db, db:  # as if the answers had been lost
        db.execute("UPDATE deliveries SET status='unknown' WHERE purpose='correction'")
    run = cli("retry", "--yes", "--output", "json", env=ENV)
    assert run.code == 0, run.stdout + run.stderr
    # Telegram answered "message is not modified" (it says so already); Mastodon the status
    assert service.calls("editMessageText")[-1]["text"] == service.calls(
        "editMessageText")[0]["text"]
    with Store.open(DB) as store:
        assert {d.status for d in DeliveryStore(store).recent() if d.purpose} == {Status.SENT}


def test_a_rate_limited_edit_is_retried_after_the_wait_telegram_asked_for(
        make_config: MakeConfig, isolated: Path, fake: tuple[str, Service]) -> None:
    url, service = fake
    _setup(make_config, isolated, url)
    service.rate_limited, service.limit_on = 1, "/editMessageText"
    run = cli("correct", "latest", "markt-richtig.md", "--yes", "--output", "json", env=ENV)
    assert run.code == 0, run.stderr
    assert _results(run) == {"tg": ("edit", "sent"), "masto": ("edit", "sent")}
    assert len(service.calls("editMessageText")) == 2  # the 429, then the edit
    assert service.rate_limited == 0


def test_editing_a_mastodon_status_deleted_meanwhile_fails_with_the_servers_404(
        make_config: MakeConfig, isolated: Path, fake: tuple[str, Service]) -> None:
    url, service = fake
    _setup(make_config, isolated, url)
    service.statuses.clear()  # deleted by hand on the instance
    run = cli("correct", "latest", "markt-richtig.md", "--yes", "--output", "json", env=ENV)
    assert run.code == 4
    body = {r["channel"]: r for r in json.loads(run.stdout)["result"]["results"]}
    assert body["masto"]["status"] == "failed" and "404" in body["masto"]["error"]
    assert "Record not found" in body["masto"]["error"]
    assert body["tg"]["status"] == "sent"


def test_withdraw_deletes_on_both_and_a_post_gone_already_counts_as_deleted(
        make_config: MakeConfig, isolated: Path, fake: tuple[str, Service]) -> None:
    url, service = fake
    _setup(make_config, isolated, url)
    (mid,) = service.telegram
    service.telegram.clear()  # "message to delete not found"
    run = cli("withdraw", "latest", "--reason", "Der Markt fällt aus.", "--yes",
              "--output", "json", env=ENV)
    assert run.code == 0, run.stderr
    assert _results(run) == {"tg": ("delete", "sent"), "masto": ("delete", "sent")}
    assert service.statuses == {} and service.calls("deleteMessage")[0]["message_id"] == mid
    again = cli("withdraw", "latest", "--reason", "Der Markt fällt aus.", "--yes",
                "--output", "json", env=ENV)
    assert _results(again) == {"tg": ("delete", "skipped"), "masto": ("delete", "skipped")}
    assert len(service.calls("deleteMessage")) == 1


def test_withdraw_of_a_warning_is_refused_with_the_allclear_hint(make_config: MakeConfig,
                                                                isolated: Path) -> None:
    make_config(channels={"outbox": {"type": "outbox"}})
    DB.parent.mkdir(parents=True)
    with Store.open(DB) as store:
        deliveries = DeliveryStore(store)
        deliveries.record_message("ab" * 32, "warning", "Hochwasser", ("de",), None)
        did = deliveries.begin("ab" * 32, "outbox", "outbox", "x", False)
        deliveries.finish(did, Status.SENT, remote_id="hochwasser.txt")
    run = cli("withdraw", "abab", "--reason", "Entwarnung", "--yes")
    assert run.code == 2 and "danger warning" in run.stderr
    assert "warn allclear" in run.stderr and "Traceback" not in run.stderr


def test_withdraw_on_expiry_deletes_once_after_the_notice_expired(
        make_config: MakeConfig, isolated: Path, fake: tuple[str, Service], clock) -> None:
    url, service = fake
    # a day: Telegram deletes a message only within 48 hours of sending it (older ones are
    # edited instead: test_lifecycle_telegram_48h.py)
    _setup(make_config, isolated, url, WRONG.replace("2026-12-18", "1d"),
           withdraw_on_expiry=True)
    assert cli("expire", env=ENV).stdout.strip() == "Nothing expired since the last run."
    clock.set(12, 0, days=1)
    run = cli("expire", "--output", "json", env=ENV)
    assert run.code == 0, run.stderr
    assert _results(run) == {"tg": ("delete", "sent"), "masto": ("delete", "sent")}
    assert service.telegram == {} and service.statuses == {}
    again = cli("expire", "--output", "json", env=ENV)
    assert json.loads(again.stdout)["result"]["results"] == []
    log = json.loads(cli("log", "--output", "json").stdout)["result"]["deliveries"]
    assert {(d["purpose"], d["status"]) for d in log[:2]} == {("expiry", "sent")}


def test_a_correction_that_ends_with_exit_4_says_the_exact_retry_command(
        make_config: MakeConfig, isolated: Path, fake: tuple[str, Service]) -> None:
    url, service = fake
    _setup(make_config, isolated, url)
    service.statuses.clear()
    run = cli("correct", "latest", "markt-richtig.md", "--yes", env=ENV)
    assert run.code == 4 and "run: citychan retry" in run.stderr
    as_json = cli("correct", "latest", "markt-richtig.md", "--yes", "--output", "json", env=ENV)
    assert json.loads(as_json.stdout)["result"]["retry_command"] == "citychan retry"


def test_a_withdrawal_after_a_correction_names_the_corrected_title(
        make_config: MakeConfig, isolated: Path, fake: tuple[str, Service]) -> None:
    url, service = fake
    _setup(make_config, isolated, url, on_correction="follow-up")
    write(isolated / "markt-titel.md", RIGHT.replace("Hauptmarkt", "Kornmarkt"))
    assert cli("correct", "latest", "markt-titel.md", "--yes", env=ENV).code == 0
    run = cli("withdraw", "latest", "--reason", "Der Markt fällt aus.", "--yes", "--output",
              "json", env=ENV)
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["result"]["title"].endswith("Kornmarkt")


def test_a_withdrawal_reason_is_one_clean_line_readers_can_see(
        make_config: MakeConfig, isolated: Path, fake: tuple[str, Service]) -> None:
    url, service = fake
    _setup(make_config, isolated, url)
    for bad in ("bad\x1b[2Jreason", "x" * 501):
        run = cli("withdraw", "latest", "--reason", bad, "--yes", env=ENV)
        assert run.code == 2 and "--reason" in run.stderr and "Traceback" not in run.stderr
    assert not service.calls("deleteMessage")
