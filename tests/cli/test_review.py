"""Issue 15, "A second pair of eyes": with ``[review] required_for = ["info"]`` `post FILE`
drafts the notice (its rendered plan and content hash) instead of sending it; another
operator sees exactly what would go out (`review show`) and approves it (sent once through
the normal post path, or scheduled when drafted with --at) or rejects it with a reason; the
author cannot approve their own draft; a file changed since is refused at approval; every
step is in the log with who and when. Warnings are held only when a city names them, and
then `warn --urgent --reason …` goes out at once with the reason recorded (the drafts of
warnings: test_review_warnings.py)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.support.cli import assert_one_line_error, cli
from tests.support.clock import Clock
from tests.support.config import ALERTS_TABLE, OUTBOX, MakeConfig
from tests.support.files import NOTICE, write
from tests.support.workers import CountingServer, Workers

BERLIN = "Europe/Berlin"
REVIEW = {"required_for": ["info"]}


def outbox_files() -> list[Path]:
    folder = Path("citychan-out/outbox")
    return sorted(folder.iterdir()) if folder.exists() else []


def posts_out() -> list[Path]:
    """What reached the outbox channel (a warning also leaves its CAP file there)."""
    return [f for f in outbox_files() if f.name.endswith(".outbox.txt")]


def drafts(*args: str) -> list[dict]:
    run = cli("review", *args, "--output", "json")
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)["result"]["drafts"]


def logged() -> dict:
    run = cli("log", "--output", "json")
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)["result"]


@pytest.fixture
def drafted(isolated: Path, make_config: MakeConfig, clock: Clock) -> dict:
    """n.md drafted by m.schulze for the outbox, in a city that reviews information."""
    make_config(review=REVIEW, channels={"outbox": OUTBOX})
    write(isolated / "n.md", NOTICE)
    run = cli("post", "n.md", "--yes", "--by", "m.schulze", "--output", "json")
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)["result"]


def test_post_under_review_drafts_instead_of_sending_and_names_the_reviewers_command(
        isolated: Path, make_config: MakeConfig, clock: Clock) -> None:
    make_config(review=REVIEW, channels={"outbox": OUTBOX})
    write(isolated / "n.md", NOTICE)
    run = cli("post", "n.md", "--yes", "--by", "m.schulze", env={"COLUMNS": "200"})
    assert run.code == 0, run.stderr
    assert "Drafted d1 " in run.stdout and "nothing was sent" in run.stdout
    assert "citychan review approve d1" in run.stdout
    assert outbox_files() == []
    assert logged()["deliveries"] == []
    (row,) = drafts()
    assert (row["ref"], row["state"], row["author"], row["channels"]) == (
        "d1", "pending", "m.schulze", ["outbox"])
    assert len(row["message"]) == 64  # the content hash it had


def test_the_draft_keeps_the_rendered_plan_and_the_content_hash(drafted: dict) -> None:
    draft = drafted["draft"]
    assert drafted["review_command"] == "citychan review approve d1"
    shown = json.loads(cli("review", "show", "d1", "--output", "json").stdout)["result"]
    kept = shown["draft"]["plan"]
    assert kept["message"] == draft["message"]
    assert [t["channel"] for t in kept["targets"]] == ["outbox"]
    assert "Die *Löbauer Straße* ist zwischen _Wallstraße_" in kept["targets"][0]["text"]
    assert shown["problem"] is None
    assert shown["now"]["targets"][0]["text"] == kept["targets"][0]["text"]


def test_review_show_shows_exactly_what_would_go_out_per_channel(drafted: dict) -> None:
    preview = cli("preview", "n.md", env={"COLUMNS": "120"})
    shown = cli("review", "show", "d1", env={"COLUMNS": "120"})
    assert shown.code == 0, shown.stderr
    assert "d1 " in shown.stdout and "drafted by m.schulze" in shown.stdout
    assert preview.stdout in shown.stdout  # the same panels preview draws


def test_another_operator_approves_and_the_notice_goes_out_once(drafted: dict) -> None:
    run = cli("review", "approve", "d1", "--by", "k.nowak", "--output", "json")
    assert run.code == 0, run.stderr
    result = json.loads(run.stdout)["result"]
    assert [r["status"] for r in result["report"]["results"]] == ["sent"]
    assert (result["draft"]["state"], result["draft"]["reviewer"]) == ("approved", "k.nowak")
    assert len(outbox_files()) == 1
    again = cli("review", "approve", "d1", "--by", "p.krause")
    assert_one_line_error(again, 2, "already approved by k.nowak")
    assert len(outbox_files()) == 1
    assert drafts() == []
    (done,) = drafts("--all")
    assert (done["state"], done["outcome"]) == ("approved", "sent")
    log = logged()
    assert [(d["channel"], d["operator"]) for d in log["deliveries"]] == [("outbox", "k.nowak")]
    (step,) = log["reviews"]
    assert (step["author"], step["reviewer"], step["state"]) == ("m.schulze", "k.nowak",
                                                                 "approved")
    assert step["created"] and step["decided"]


def test_the_author_cannot_approve_their_own_draft(drafted: dict,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    run = cli("review", "approve", "d1", "--by", "m.schulze")
    assert_one_line_error(run, 2, "d1 was drafted by m.schulze: another operator must approve")
    monkeypatch.setenv("LOGNAME", "m.schulze")  # nor under their login name
    assert cli("review", "approve", "d1").code == 2
    assert outbox_files() == []
    assert drafts()[0]["state"] == "pending"


def test_a_file_changed_since_the_draft_is_refused_at_approval(
        drafted: dict, isolated: Path) -> None:
    write(isolated / "n.md", NOTICE.replace("gesperrt", "voll gesperrt"))
    run = cli("review", "approve", "d1", "--by", "k.nowak")
    assert_one_line_error(run, 2, "n.md changed since it was drafted as d1")
    assert outbox_files() == []
    (row,) = drafts("--all")
    assert (row["state"], row["reviewer"]) == ("refused", "k.nowak")
    assert "changed since it was drafted" in row["reason"]
    shown = cli("review", "show", "d1")
    assert "changed since it was drafted" in shown.stderr


def test_reject_is_recorded_with_who_and_why_and_nothing_goes_out(drafted: dict) -> None:
    run = cli("review", "reject", "d1", "--reason", "Datum falsch", "--by", "k.nowak",
              "--output", "json")
    assert run.code == 0, run.stderr
    rejected = json.loads(run.stdout)["result"]["rejected"]
    assert (rejected["state"], rejected["reviewer"], rejected["reason"]) == (
        "rejected", "k.nowak", "Datum falsch")
    assert_one_line_error(cli("review", "approve", "d1", "--by", "p.krause"), 2,
                          "already rejected by k.nowak")
    assert outbox_files() == []
    assert drafts() == []
    text = cli("log", env={"COLUMNS": "200"}).stdout
    assert "rejected by k.nowak" in text and "Datum falsch" in text
    assert cli("review", "reject", "d1").code == 2  # --reason is required


def test_approval_goes_through_the_post_rules_quiet_hours_hold_it_pending(
        isolated: Path, make_config: MakeConfig, clock: Clock) -> None:
    make_config(review=REVIEW, channels={"outbox": OUTBOX},
                rules={"info": {"quiet_hours": "21:00-07:00"}})
    write(isolated / "n.md", NOTICE)
    assert cli("post", "n.md", "--by", "m.schulze").code == 0
    clock.set(22, 0)
    run = cli("review", "approve", "d1", "--by", "k.nowak")
    assert run.code == 3 and "CC301" in run.stderr
    assert outbox_files() == []
    assert drafts()[0]["state"] == "pending"  # still waiting, to be approved in the morning


def test_a_notice_already_waiting_for_review_is_not_drafted_twice(drafted: dict) -> None:
    run = cli("post", "n.md", "--yes", "--by", "p.krause")
    assert_one_line_error(run, 2, "already waiting for review (d1, drafted by m.schulze)")


def test_approving_a_draft_with_at_schedules_it(
        isolated: Path, make_config: MakeConfig, clock: Clock) -> None:
    make_config(review=REVIEW, channels={"outbox": OUTBOX})
    write(isolated / "n.md", NOTICE)
    at = (clock(BERLIN) + timedelta(hours=2)).strftime("%d.%m.%Y %H:%M")
    run = cli("post", "n.md", "--at", at, "--by", "m.schulze", "--output", "json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["result"]["draft"]["at"] is not None
    queue = json.loads(cli("queue", "--output", "json").stdout)["result"]["queue"]
    assert queue == []  # not scheduled before it is approved
    run = cli("review", "approve", "d1", "--by", "k.nowak", "--output", "json")
    assert run.code == 0, run.stderr
    result = json.loads(run.stdout)["result"]
    assert result["report"] is None and outbox_files() == []
    (entry,) = json.loads(cli("queue", "--output", "json").stdout)["result"]["queue"]
    assert (entry["state"], entry["operator"]) == ("scheduled", "k.nowak")
    assert datetime.fromisoformat(entry["due"]) == datetime.fromisoformat(
        result["draft"]["at"])
    assert result["draft"]["outcome"] == f"scheduled #{entry['id']}"
    clock.set(clock(BERLIN).hour + 2, clock(BERLIN).minute + 1)
    assert cli("run-due").code == 0
    assert len(outbox_files()) == 1


def test_review_lists_pending_and_with_all_the_decided(drafted: dict, isolated: Path) -> None:
    write(isolated / "m.md", NOTICE.replace("title: ", "title: Zweite - ", 1))
    assert cli("post", "m.md", "--by", "m.schulze").code == 0
    assert cli("review", "reject", "d1", "--reason", "doppelt", "--by", "k.nowak").code == 0
    assert [d["ref"] for d in drafts()] == ["d2"]
    assert [(d["ref"], d["state"]) for d in drafts("--all")] == [("d1", "rejected"),
                                                                 ("d2", "pending")]
    text = cli("review", env={"COLUMNS": "200"}).stdout
    assert "d2" in text and "pending" in text and "d1" not in text


def test_without_review_post_sends_as_before(isolated: Path, make_config: MakeConfig) -> None:
    make_config(channels={"outbox": OUTBOX})
    write(isolated / "n.md", NOTICE)
    assert cli("post", "n.md", "--yes").code == 0
    assert len(outbox_files()) == 1
    assert drafts("--all") == []


def test_a_bad_review_table_is_refused_by_name(isolated: Path, make_config: MakeConfig) -> None:
    make_config(review={"required_for": ["infos"]}, channels={"outbox": OUTBOX})
    write(isolated / "n.md", NOTICE)
    assert_one_line_error(cli("post", "n.md", "--yes"), 2, "[review] unknown kind 'infos'")


# --- warnings ------------------------------------------------------------------------------

WARN = ("warn", "--template", "hochwasser", "--level", "medium", "--area", "Spreeufer",
        "--yes")


def test_warnings_are_not_held_for_review_by_default(
        isolated: Path, make_config: MakeConfig) -> None:
    make_config(review=REVIEW, alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})
    run = cli(*WARN)
    assert run.code == 0, run.stderr
    assert len(posts_out()) == 1
    assert drafts("--all") == []


def test_with_warning_review_on_a_warning_is_held_and_urgent_needs_a_reason(
        isolated: Path, make_config: MakeConfig) -> None:
    make_config(review={"required_for": ["info", "warning"]}, alerts=ALERTS_TABLE,
                channels={"outbox": OUTBOX})
    held = cli(*WARN)  # issue 15: held for review as a draft (tests/cli/test_review_warnings)
    assert held.code == 0 and "held for review as d1" in held.stdout
    assert_one_line_error(cli(*WARN, "--urgent"), 2, "--urgent needs --reason")
    assert posts_out() == []
    assert cli(*WARN, "--dry-run").code == 0  # a dry run sends nothing: nothing to review


def test_with_warning_review_on_urgent_bypasses_with_the_reason_recorded(
        isolated: Path, make_config: MakeConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGNAME", "d.officer")
    make_config(review={"required_for": ["info", "warning"]}, alerts=ALERTS_TABLE,
                channels={"outbox": OUTBOX})
    run = cli(*WARN, "--urgent", "--reason", "Pegel steigt schnell")
    assert run.code == 0, run.stderr
    assert len(posts_out()) == 1
    (step,) = logged()["reviews"]
    assert (step["state"], step["author"], step["reason"], step["kind"]) == (
        "urgent", "d.officer", "Pegel steigt schnell", "warning")
    assert "Pegel steigt schnell" in cli("log", env={"COLUMNS": "200"}).stdout
    assert drafts() == []  # a record, not a draft waiting for anyone


# --- two reviewers at once -----------------------------------------------------------------


@pytest.mark.integration
def test_two_approvals_at_once_send_once(
        isolated: Path, make_config: MakeConfig, clock: Clock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_SECRET", "hook-secret-value")
    rounds = 3
    with CountingServer() as server, Workers(2, isolated) as workers:
        make_config(review=REVIEW, channels={"hook": {
            "type": "webhook", "url": f"{server.url}/hook", "secret_env": "HOOK_SECRET"}})
        for n in range(rounds):
            write(isolated / f"n{n}.md", NOTICE.replace("title: ", f"title: Runde {n} - ", 1))
            assert cli("post", f"n{n}.md", "--by", "m.schulze").code == 0
        for n in range(rounds):
            ref = f"d{n + 1}"
            runs = workers.run([["review", "approve", ref, "--by", "k.nowak"],
                                ["review", "approve", ref, "--by", "p.krause"]])
            codes = sorted(r.code for r in runs)
            assert codes == [0, 2], [(r.code, r.stderr) for r in runs]
            loser = next(r for r in runs if r.code == 2)
            assert "being approved" in loser.stderr or "already approved" in loser.stderr
    assert server.count() == {"/hook": rounds}
    assert [d["state"] for d in drafts("--all")] == ["approved"] * rounds
