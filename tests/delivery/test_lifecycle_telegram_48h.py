"""Telegram deletes a message only within 48 hours of sending it ("A message can only be
deleted if it was sent less than 48 hours ago", Bot API deleteMessage); an older one is edited
to the withdrawal notice instead (editMessageText, editMessageCaption for a photo: the bot's
channel posts may be edited at any age), so readers see it was withdrawn. Judged from the
recorded send time, and also when Telegram answers "message can't be deleted". The fake
(tests/support/lifecycle_fakes.py) enforces the 48 hours from each message's date."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.cli import cli
from tests.support.config import MakeConfig
from tests.support.files import write
from tests.support.lifecycle_fakes import Service, running
from tests.support.pictures import png_with_alpha

ENV = {"CITYCHAN_TG_TOKEN": "123:tg-secret"}
DB = Path("citychan-out/citychan.db")
NOTICE = """---
title: Weihnachtsmarkt auf dem Hauptmarkt
---
Der Weihnachtsmarkt öffnet am 12.12. um 10 Uhr.
"""
REASON = "Der Markt fällt wegen Sturm aus."


@pytest.fixture
def fake() -> Iterator[tuple[str, Service]]:
    with running() as served:
        yield served


def _post(make_config: MakeConfig, isolated: Path, url: str, text: str = NOTICE) -> int:
    make_config(channels={"tg": {"type": "telegram", "chat_id": "@stadt_bautzen",
                                 "api_url": url, "token_env": "CITYCHAN_TG_TOKEN"}})
    write(isolated / "markt.md", text)
    run = cli("post", "markt.md", "--yes", env=ENV)
    assert run.code == 0, run.stderr
    return int(_remote_id())


def _remote_id() -> str:
    with closing(sqlite3.connect(DB)) as db:
        return db.execute("SELECT remote_id FROM deliveries WHERE purpose IS NULL").fetchone()[0]


def _withdraw(*extra: str) -> dict:
    run = cli("withdraw", "latest", "--reason", REASON, *extra, "--output", "json", env=ENV)
    assert "Traceback" not in run.stderr
    return json.loads(run.stdout)


def _recorded() -> list[tuple[str, str, str]]:
    with closing(sqlite3.connect(DB)) as db:
        return db.execute("SELECT purpose, action, status FROM deliveries "
                          "WHERE purpose IS NOT NULL ORDER BY id").fetchall()


def test_a_message_older_than_48_hours_is_edited_to_the_withdrawal_notice(
        make_config: MakeConfig, isolated: Path, fake: tuple[str, Service], clock) -> None:
    url, service = fake
    mid = _post(make_config, isolated, url)
    clock.set(10, 0, days=3)
    preview = cli("withdraw", "latest", "--reason", REASON, "--dry-run", env=ENV)
    assert preview.code == 0, preview.stderr
    assert "tg: edit" in preview.stdout and "48" in preview.stdout
    assert "Zurückgezogen: Weihnachtsmarkt auf dem Hauptmarkt" in preview.stdout
    body = _withdraw("--yes")
    assert body["exit_code"] == 0, body
    (step,) = body["result"]["steps"]
    assert step["how"] == "edit" and "48" in step["reason"]
    assert [(r["how"], r["status"]) for r in body["result"]["results"]] == [("edit", "sent")]
    assert service.calls("deleteMessage") == []  # not even tried: it would be refused
    (edit,) = service.calls("editMessageText")
    assert edit["message_id"] == mid
    assert "Zurückgezogen" in service.telegram[mid] and REASON in service.telegram[mid]
    assert _recorded() == [("withdrawal", "edit", "sent")]


def test_a_photo_older_than_48_hours_gets_the_notice_as_its_caption(
        make_config: MakeConfig, isolated: Path, fake: tuple[str, Service], clock) -> None:
    url, service = fake
    png_with_alpha(isolated / "markt.png")
    mid = _post(make_config, isolated, url, NOTICE.replace(
        "---\nDer", "image: markt.png\nimage_alt: Der Hauptmarkt\n---\nDer"))
    assert mid in service.photos
    clock.set(10, 0, days=3)
    body = _withdraw("--yes")
    assert [(r["how"], r["status"]) for r in body["result"]["results"]] == [("edit", "sent")]
    (edit,) = service.calls("editMessageCaption")
    assert edit["message_id"] == mid and "Zurückgezogen" in service.telegram[mid]
    assert service.calls("editMessageText") == []


def test_when_telegram_refuses_the_deletion_the_message_is_edited_instead(
        make_config: MakeConfig, isolated: Path, fake: tuple[str, Service]) -> None:
    """Our record says a day; Telegram's own date says more (a message sent by hand, a
    clock that was wrong): its "message can't be deleted" leads to the edit."""
    url, service = fake
    mid = _post(make_config, isolated, url)
    service.dates[mid] -= timedelta(hours=49)
    body = _withdraw("--yes")
    assert body["exit_code"] == 0, body
    assert [(r["how"], r["status"]) for r in body["result"]["results"]] == [("edit", "sent")]
    assert len(service.calls("deleteMessage")) == 1
    assert "Zurückgezogen" in service.telegram[mid]
    # both are on record: the deletion Telegram refused (settled: retry has nothing to do),
    # and the edit that took its place
    assert _recorded() == [("withdrawal", "delete", "skipped"), ("withdrawal", "edit", "sent")]
    with closing(sqlite3.connect(DB)) as db:
        (error,) = db.execute("SELECT error FROM deliveries WHERE action='delete'").fetchone()
    assert "message can't be deleted" in error and "edited instead" in error
    retry = cli("retry", "--yes", "--output", "json", env=ENV)
    assert retry.code == 0 and "edited instead" not in retry.stdout
    again = _withdraw("--yes")
    assert [r["status"] for r in again["result"]["results"]] == ["skipped"]
    assert len(service.calls("editMessageText")) == 1


def test_a_message_within_48_hours_is_still_deleted(
        make_config: MakeConfig, isolated: Path, fake: tuple[str, Service], clock) -> None:
    url, service = fake
    _post(make_config, isolated, url)
    clock.set(9, 0, days=2)  # 47 hours later
    body = _withdraw("--yes")
    assert [(r["how"], r["status"]) for r in body["result"]["results"]] == [("delete", "sent")]
    assert service.telegram == {}


def test_an_expired_notice_older_than_48_hours_is_edited_once(
        make_config: MakeConfig, isolated: Path, fake: tuple[str, Service], clock) -> None:
    url, service = fake
    make_config(channels={"tg": {"type": "telegram", "chat_id": "@stadt_bautzen",
                                 "api_url": url, "token_env": "CITYCHAN_TG_TOKEN",
                                 "withdraw_on_expiry": True}})
    write(isolated / "markt.md", NOTICE.replace("---\nDer", "expires: 2d\n---\nDer"))
    assert cli("post", "markt.md", "--yes", env=ENV).code == 0
    clock.set(10, 0, days=5)
    run = cli("expire", "--output", "json", env=ENV)
    assert run.code == 0, run.stdout
    results = json.loads(run.stdout)["result"]["results"]
    assert [(r["how"], r["status"]) for r in results] == [("edit", "sent")]
    again = json.loads(cli("expire", "--output", "json", env=ENV).stdout)
    assert again["result"]["results"] == []
    assert len(service.calls("editMessageText")) == 1 and service.calls("deleteMessage") == []


def test_a_photo_the_record_does_not_know_as_one_gets_its_caption_edited(
        make_config: MakeConfig, isolated: Path, fake: tuple[str, Service], clock) -> None:
    """An old record without the picture: Telegram says "there is no text in the message to
    edit", and the caption is edited instead."""
    url, service = fake
    png_with_alpha(isolated / "markt.png")
    mid = _post(make_config, isolated, url, NOTICE.replace(
        "---\nDer", "image: markt.png\nimage_alt: Der Hauptmarkt\n---\nDer"))
    with closing(sqlite3.connect(DB)) as db, db:
        raw = db.execute("SELECT post FROM deliveries").fetchone()[0]
        db.execute("UPDATE deliveries SET post=?", (json.dumps({**json.loads(raw),
                                                               "image": None}),))
    clock.set(10, 0, days=3)
    body = _withdraw("--yes")
    assert [(r["how"], r["status"]) for r in body["result"]["results"]] == [("edit", "sent")]
    assert len(service.calls("editMessageText")) == 1  # refused: a photo has no text
    assert len(service.calls("editMessageCaption")) == 1
    assert "Zurückgezogen" in service.telegram[mid]
