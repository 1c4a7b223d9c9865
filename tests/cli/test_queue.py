"""Scheduled posts: `post --at` checks now and keeps the plan, `queue` lists it, `queue
cancel` takes it back, `run-due` sends it once at its time (with a fake clock), refuses it
when the file changed since, and two `run-due` processes at once send it once."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.support.cli import cli
from tests.support.clock import Clock
from tests.support.config import OUTBOX, MakeConfig
from tests.support.files import NOTICE, write
from tests.support.workers import CountingServer, Workers

BERLIN = "Europe/Berlin"


def local(clock: Clock, hours: float = 0) -> datetime:
    return clock(BERLIN) + timedelta(hours=hours)


def queue_rows(*args: str) -> list[dict]:
    run = cli("queue", *args, "--output", "json")
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)["result"]["queue"]


def outbox_files() -> list[Path]:
    folder = Path("citychan-out/outbox")
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.fixture
def scheduled(isolated: Path, make_config: MakeConfig, clock: Clock) -> dict:
    """n.md scheduled for 11:00 today (the clock reads 10:00) by m.schulze."""
    make_config(channels={"outbox": OUTBOX})
    write(isolated / "n.md", NOTICE)
    at = local(clock, 1).strftime("%d.%m.%Y %H:%M")
    run = cli("post", "n.md", "--at", at, "--by", "m.schulze", "--output", "json")
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)["result"]["scheduled"]


def test_post_at_validates_now_and_stores_the_plan_without_sending(scheduled: dict) -> None:
    assert outbox_files() == []
    (row,) = queue_rows()
    assert row == scheduled
    assert (row["state"], row["operator"], row["channels"]) == (
        "scheduled", "m.schulze", ["outbox"])
    assert row["path"] == str(Path("n.md").resolve())
    assert len(row["message"]) == 64  # the content hash it had


def test_post_at_refuses_what_post_would_refuse(isolated: Path, make_config: MakeConfig) -> None:
    make_config(channels={"outbox": OUTBOX})
    write(isolated / "bad.md", "---\ntitle: Gefahr! Warnung\n---\nText\n")
    run = cli("post", "bad.md", "--at", "next")
    assert run.code == 3
    assert "CC201" in run.stderr
    assert queue_rows() == []


def test_post_at_judges_quiet_hours_at_the_scheduled_time(
        isolated: Path, make_config: MakeConfig, clock: Clock) -> None:
    make_config(channels={"outbox": OUTBOX},
                rules={"info": {"quiet_hours": "21:00-07:00"}})
    write(isolated / "n.md", NOTICE)
    night = (local(clock) + timedelta(days=1)).replace(hour=3, minute=0)
    run = cli("post", "n.md", "--at", night.strftime("%Y-%m-%d %H:%M"))
    assert run.code == 3 and "CC301" in run.stderr
    clock.set(22, 0)  # now in quiet hours: `next` is tomorrow 07:00
    run = cli("post", "n.md", "--at", "next", "--output", "json")
    assert run.code == 0, run.stderr
    due = datetime.fromisoformat(json.loads(run.stdout)["result"]["scheduled"]["due"])
    assert due == (local(clock) + timedelta(days=1)).replace(hour=7, minute=0, second=0,
                                                           microsecond=0)


def test_the_same_notice_cannot_be_scheduled_twice(scheduled: dict, clock: Clock) -> None:
    run = cli("post", "n.md", "--at", local(clock, 2).strftime("%Y-%m-%d %H:%M"))
    assert run.code == 2
    assert f"already scheduled (#{scheduled['id']}" in run.stderr
    assert f"citychan queue cancel {scheduled['id']}" in run.stderr


def test_run_due_sends_nothing_before_its_time_and_it_once_at_its_time(
        scheduled: dict, clock: Clock) -> None:
    run = cli("run-due")
    assert (run.code, run.stdout.strip()) == (0, "Nothing due.")
    assert outbox_files() == []
    clock.set(11, 0)
    run = cli("run-due", "--output", "json")
    assert run.code == 0, run.stderr
    (post,) = json.loads(run.stdout)["result"]["posts"]
    assert post["state"] == "sent"
    assert [r["status"] for r in post["report"]["results"]] == ["sent"]
    assert len(outbox_files()) == 1
    assert cli("run-due").stdout.strip() == "Nothing due."  # a minute later: nothing again
    assert len(outbox_files()) == 1
    assert queue_rows() == []  # sent: off the list, still there with --all
    (done,) = queue_rows("--all")
    assert done["state"] == "sent"
    log = json.loads(cli("log", "--output", "json").stdout)["result"]["deliveries"]
    assert [(d["channel"], d["operator"]) for d in log] == [("outbox", "m.schulze")]


def test_a_due_post_whose_file_changed_is_refused_and_stays_in_the_queue(
        scheduled: dict, clock: Clock, isolated: Path) -> None:
    write(isolated / "n.md", NOTICE.replace("gesperrt", "voll gesperrt"))
    clock.set(11, 1)
    run = cli("run-due")
    assert run.code == 3
    assert "refused" in run.stdout and "changed since it was scheduled" in run.stdout
    assert outbox_files() == []
    (row,) = queue_rows()
    assert row["state"] == "refused"
    assert "changed since it was scheduled" in row["reason"]
    assert cli("run-due").stdout.strip() == "Nothing due."  # refused once, not every minute


def test_queue_cancel_takes_it_back_recorded_with_who(scheduled: dict, clock: Clock) -> None:
    run = cli("queue", "cancel", str(scheduled["id"]), "--by", "k.nowak", "--output", "json")
    assert run.code == 0, run.stderr
    cancelled = json.loads(run.stdout)["result"]["cancelled"]
    assert (cancelled["state"], cancelled["cancelled_by"]) == ("cancelled", "k.nowak")
    assert queue_rows() == []
    clock.set(11, 0)
    assert cli("run-due").stdout.strip() == "Nothing due."
    assert outbox_files() == []
    again = cli("queue", "cancel", str(scheduled["id"]))
    assert again.code == 2 and "already cancelled" in again.stderr
    assert cli("queue", "cancel", "x1").code == 2


def test_queue_shows_who_and_when_in_city_time(scheduled: dict, clock: Clock) -> None:
    text = cli("queue", env={"COLUMNS": "200"}).stdout
    assert local(clock, 1).strftime("%Y-%m-%d %H:%M") in text
    assert "m.schulze" in text and "scheduled" in text


@pytest.mark.integration
def test_two_run_due_processes_at_once_send_each_scheduled_post_once(
        isolated: Path, make_config: MakeConfig, clock: Clock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_SECRET", "hook-secret-value")
    rounds = 4
    with CountingServer() as server, Workers(2, isolated) as workers:
        make_config(channels={"hook": {"type": "webhook", "url": f"{server.url}/hook",
                                       "secret_env": "HOOK_SECRET"}})
        for n in range(rounds):
            write(isolated / f"n{n}.md", NOTICE.replace("title: ", f"title: Runde {n} - ", 1))
            at = local(clock, 1 + n).strftime("%Y-%m-%d %H:%M")
            assert cli("post", f"n{n}.md", "--at", at).code == 0
        reported = Counter[int]()
        for n in range(rounds):
            now = local(clock, 1 + n).isoformat()
            runs = workers.run([["run-due", "--output", "json"]] * 2, now=now)
            for run in runs:
                assert run.code == 0, run.stderr
                for post in run.json()["result"]["posts"]:
                    assert post["state"] == "sent", post
                    reported[post["id"]] += 1
    assert sorted(reported.values()) == [1] * rounds  # each sent by exactly one process
    assert server.count() == {"/hook": rounds}
    assert [r["state"] for r in queue_rows("--all")] == ["sent"] * rounds
