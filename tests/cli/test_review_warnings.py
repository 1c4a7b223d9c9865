"""Issue 15, warnings held for review: where a city sets ``[review] required_for =
["warning"]``, `citychan warn …` (new, update, all-clear) is checked as its dry run checks it
and kept as a draft (nothing sent, no incident opened, no CAP written); another operator sees
exactly what would go out (`review show`) and approves it (sent through the normal warn path,
under the approver's name) or rejects it. What can no longer go out as drafted is refused at
approval: the file changed, the expiry passed, the incident was cleared, the same warning is
out already. `warn --urgent --reason …` still goes out at once past review."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import assert_one_line_error, cli
from tests.support.clock import Clock
from tests.support.config import ALERTS_TABLE, OUTBOX, MakeConfig
from tests.support.files import WARNING_GAS, WARNING_GAS_HSB, write
from tests.support.workers import CountingServer, Workers

BERLIN = "Europe/Berlin"
REVIEW = {"required_for": ["info", "warning"]}
WARN = ("warn", "--template", "hochwasser", "--level", "medium", "--area", "Spreeufer",
        "--yes")


def posts_out() -> list[Path]:
    folder = Path("citychan-out/outbox")
    return sorted(f for f in folder.iterdir() if f.name.endswith(".outbox.txt")) \
        if folder.exists() else []


def cap_files() -> list[Path]:
    folder = Path("citychan-out/cap")
    return sorted(folder.glob("*.xml")) if folder.exists() else []


def drafts(*args: str) -> list[dict]:
    run = cli("review", *args, "--output", "json")
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)["result"]["drafts"]


def incidents() -> list[dict]:
    run = cli("incidents", "--output", "json")
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)["result"]["incidents"]


def logged() -> dict:
    run = cli("log", "--output", "json")
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)["result"]


def urgent(*args: str) -> str:
    """Send past review (the original of an incident); its incident id."""
    run = cli(*args, "--urgent", "--reason", "Pegel steigt", "--by", "d.officer",
              "--output", "json")
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)["result"]["incident"]


@pytest.fixture
def held(isolated: Path, make_config: MakeConfig, clock: Clock) -> dict:
    """A new flood warning drafted by d.officer in a city that reviews warnings."""
    make_config(review=REVIEW, alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})
    run = cli(*WARN, "--by", "d.officer", "--output", "json")
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)["result"]


def test_a_warning_under_review_is_held_as_a_draft_and_nothing_goes_out(
        isolated: Path, make_config: MakeConfig, clock: Clock) -> None:
    make_config(review=REVIEW, alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})
    run = cli(*WARN, "--by", "d.officer", env={"COLUMNS": "200"})
    assert run.code == 0, run.stderr
    assert "held for review as d1" in run.stdout and "nothing was sent" in run.stdout
    assert "citychan review show d1" in run.stdout
    assert "citychan review approve d1" in run.stdout
    assert posts_out() == [] and cap_files() == []
    assert incidents() == []
    assert logged()["deliveries"] == []
    (row,) = drafts()
    assert (row["ref"], row["kind"], row["state"], row["author"], row["channels"]) == (
        "d1", "warning", "pending", "d.officer", ["outbox"])
    table = cli("review", env={"COLUMNS": "200"}).stdout
    assert "d1" in table and "warning" in table


def test_the_draft_keeps_the_request_with_its_expiry_resolved_and_the_preview(
        held: dict) -> None:
    shown = json.loads(cli("review", "show", "d1", "--output", "json").stdout)["result"]
    kept = shown["draft"]["plan"]
    request = kept["request"]
    assert (request["mode"], request["input"]["template"], request["input"]["level"]) == (
        "new", "hochwasser", "medium")
    assert request["input"]["expires"] == kept["cap"]["expires"] == request["expires_at"]
    assert kept["cap"]["event"] and [t["channel"] for t in kept["targets"]] == ["outbox"]
    assert shown["problem"] is None
    assert shown["now"]["targets"][0]["text"] == kept["targets"][0]["text"]
    assert len(held["draft"]["message"]) == 64  # the request's content hash


def test_review_show_shows_the_text_and_cap_as_the_dry_run_does(held: dict) -> None:
    dry = cli(*WARN, "--dry-run", env={"COLUMNS": "120"})
    shown = cli("review", "show", "d1", env={"COLUMNS": "120"})
    assert shown.code == 0, shown.stderr
    assert "d1 " in shown.stdout and "drafted by d.officer" in shown.stdout
    panels = dry.stdout.split("Dry run:")[0]
    # the same summary, CAP line and panels, up to the CAP identifier of the moment
    assert [line for line in panels.splitlines() if "CAP:" not in line] == [
        line for line in shown.stdout.splitlines()[1:] if "CAP:" not in line]


def test_another_operator_approves_and_the_warning_goes_out_once_under_their_name(
        held: dict) -> None:
    dry = json.loads(cli("review", "show", "d1", "--output", "json").stdout)["result"]
    run = cli("review", "approve", "d1", "--by", "k.nowak", "--yes", "--output", "json")
    assert run.code == 0, run.stderr
    result = json.loads(run.stdout)["result"]
    assert [r["status"] for r in result["report"]["results"]] == ["sent"]
    assert result["report"]["msg_type"] == "Alert"
    assert (result["draft"]["state"], result["draft"]["reviewer"],
            result["draft"]["author"]) == ("approved", "k.nowak", "d.officer")
    (sent,) = posts_out()
    assert dry["draft"]["plan"]["targets"][0]["text"].split("\n")[0] in sent.read_text()
    (cap,) = cap_files()
    xml = cap.read_text()
    assert "<msgType>Alert</msgType>" in xml and "<severity>Severe</severity>" in xml
    assert dry["draft"]["plan"]["cap"]["expires"][:16] in xml  # the expiry as drafted
    (incident,) = incidents()
    assert incident["id"] == result["report"]["incident"]
    log = logged()
    assert [(d["channel"], d["operator"]) for d in log["deliveries"]] == [("outbox", "k.nowak")]
    (step,) = log["reviews"]
    assert (step["kind"], step["author"], step["reviewer"], step["state"]) == (
        "warning", "d.officer", "k.nowak", "approved")
    assert_one_line_error(cli("review", "approve", "d1", "--by", "p.krause", "--yes"), 2,
                          "already approved by k.nowak")
    assert len(posts_out()) == 1


def test_the_author_cannot_approve_their_own_warning(
        held: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_one_line_error(cli("review", "approve", "d1", "--by", "d.officer", "--yes"), 2,
                          "d1 was drafted by d.officer: another operator must approve")
    monkeypatch.setenv("LOGNAME", "d.officer")
    assert cli("review", "approve", "d1", "--yes").code == 2
    assert posts_out() == [] and drafts()[0]["state"] == "pending"


def test_without_a_terminal_the_approver_confirms_with_yes(held: dict) -> None:
    run = cli("review", "approve", "d1", "--by", "k.nowak")
    assert_one_line_error(run, 2, "not a terminal: pass --yes")
    assert posts_out() == [] and incidents() == []
    assert drafts()[0]["state"] == "pending"  # still waiting


def test_reject_a_warning_draft_with_who_and_why(held: dict) -> None:
    run = cli("review", "reject", "d1", "--reason", "falscher Abschnitt", "--by", "k.nowak")
    assert run.code == 0, run.stderr
    assert_one_line_error(cli("review", "approve", "d1", "--by", "p.krause", "--yes"), 2,
                          "already rejected by k.nowak")
    assert posts_out() == [] and incidents() == []
    text = cli("log", env={"COLUMNS": "200"}).stdout
    assert "rejected by k.nowak" in text and "falscher Abschnitt" in text


def test_the_same_warning_is_not_held_twice(held: dict) -> None:
    assert_one_line_error(cli(*WARN, "--by", "p.krause"), 2,
                          "already waiting for review (d1, drafted by d.officer)")


def test_a_warning_file_changed_since_the_draft_is_refused_at_approval(
        isolated: Path, make_config: MakeConfig, clock: Clock) -> None:
    make_config(review=REVIEW, alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})
    write(isolated / "gas.md", WARNING_GAS)
    write(isolated / "gas.hsb.md", WARNING_GAS_HSB)
    assert cli("warn", "gas.md", "--yes", "--by", "d.officer").code == 0
    write(isolated / "gas.md", WARNING_GAS.replace("Gas aus", "viel Gas aus"))
    shown = cli("review", "show", "d1")
    assert "changed since it was drafted as d1" in shown.stderr
    assert "beschädigten Leitung" in shown.stdout  # as drafted
    run = cli("review", "approve", "d1", "--by", "k.nowak", "--yes")
    assert_one_line_error(run, 2, "gas.md changed since it was drafted as d1")
    assert posts_out() == [] and incidents() == [] and cap_files() == []
    (row,) = drafts("--all")
    assert (row["state"], row["reviewer"]) == ("refused", "k.nowak")


def test_a_warning_whose_expiry_passed_is_refused_at_approval(
        held: dict, clock: Clock) -> None:
    expires = held["draft"]["title"] and json.loads(
        cli("review", "show", "d1", "--output", "json").stdout)["result"]["draft"]["plan"][
        "request"]["expires_at"]
    assert expires
    clock.set(clock(BERLIN).hour, clock(BERLIN).minute, days=3)  # long past any lifetime
    run = cli("review", "approve", "d1", "--by", "k.nowak", "--yes")
    assert_one_line_error(run, 2, "the warning drafted as d1 expired at")
    assert posts_out() == [] and cap_files() == []
    assert drafts("--all")[0]["state"] == "refused"


def test_the_expiry_is_fixed_when_drafted_not_when_approved(
        held: dict, clock: Clock) -> None:
    kept = json.loads(cli("review", "show", "d1", "--output", "json").stdout)["result"]
    clock.set(clock(BERLIN).hour + 1, clock(BERLIN).minute)
    run = cli("review", "approve", "d1", "--by", "k.nowak", "--yes", "--output", "json")
    assert run.code == 0, run.stderr
    (incident,) = incidents()
    assert incident["expires"][:16] == kept["draft"]["plan"]["cap"]["expires"][:16]


def test_an_update_whose_incident_was_cleared_meanwhile_is_refused(
        isolated: Path, make_config: MakeConfig, clock: Clock) -> None:
    make_config(review=REVIEW, alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})
    incident = urgent(*WARN)
    run = cli("warn", "update", "latest", "--level", "high", "--yes", "--by", "d.officer",
              "--output", "json")
    assert run.code == 0, run.stderr
    draft = json.loads(run.stdout)["result"]["draft"]
    request = json.loads(cli("review", "show", draft["ref"], "--output", "json").stdout)[
        "result"]["draft"]["plan"]["request"]
    assert (request["mode"], request["incident"]) == ("update", incident)  # 'latest' resolved
    assert len(posts_out()) == 1  # the original only
    urgent("warn", "allclear", incident, "--yes")
    run = cli("review", "approve", draft["ref"], "--by", "k.nowak", "--yes")
    assert_one_line_error(run, 2, "was given the all-clear already")
    assert len(posts_out()) == 2  # the original and the all-clear
    assert [d["state"] for d in drafts("--all") if d["ref"] == draft["ref"]] == ["refused"]


def test_an_all_clear_can_be_drafted_and_approved(
        isolated: Path, make_config: MakeConfig, clock: Clock) -> None:
    make_config(review=REVIEW, alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})
    incident = urgent(*WARN)
    run = cli("warn", "allclear", incident, "--yes", "--by", "d.officer", "--output", "json")
    assert run.code == 0, run.stderr
    ref = json.loads(run.stdout)["result"]["draft"]["ref"]
    assert len(incidents()) == 1 and len(posts_out()) == 1
    run = cli("review", "approve", ref, "--by", "k.nowak", "--yes", "--output", "json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["result"]["report"]["msg_type"] == "Cancel"
    assert [i["state"] for i in incidents()] == ["cleared"] and len(posts_out()) == 2


def test_an_update_or_all_clear_held_says_what_it_changes_not_that_no_incident_opened(
        isolated: Path, make_config: MakeConfig, clock: Clock) -> None:
    make_config(review=REVIEW, alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})
    incident = urgent(*WARN)
    run = cli("warn", "update", "latest", "--level", "high", "--yes", "--by", "d.officer",
              env={"COLUMNS": "300"})
    assert run.code == 0, run.stderr
    assert f"Update of {incident} " in run.stdout and "held for review as d" in run.stdout
    assert "no incident opened" not in run.stdout
    run = cli("warn", "allclear", incident, "--yes", "--by", "d.officer",
              env={"COLUMNS": "300", "CITYCHAN_LANG": "de"})
    assert run.code == 0, run.stderr
    assert f"Entwarnung zu {incident} " in run.stdout
    assert "zur Freigabe zurückgehalten" in run.stdout and "kein Ereignis" not in run.stdout


def test_a_new_warning_already_sent_meanwhile_is_refused(held: dict) -> None:
    urgent(*WARN)  # the same flood warning went out past review
    run = cli("review", "approve", "d1", "--by", "k.nowak", "--yes")
    assert_one_line_error(run, 2, "is still open for the same event and an overlapping area")
    assert len(posts_out()) == 1


def test_urgent_still_sends_at_once_and_dry_run_never_drafts(held: dict) -> None:
    assert cli(*WARN, "--dry-run").code == 0
    assert len(drafts()) == 1
    run = cli("warn", "--template", "gasaustritt", "--level", "medium", "--area", "Altstadt",
              "--yes", "--urgent", "--reason", "Gas tritt aus")
    assert run.code == 0, run.stderr
    assert len(posts_out()) == 1 and len(drafts()) == 1


def test_a_refused_warning_is_not_drafted(
        isolated: Path, make_config: MakeConfig, clock: Clock) -> None:
    make_config(review=REVIEW, alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})
    assert_one_line_error(cli("warn", "--template", "hochwasser", "--yes"), 2,
                          "needs --level")
    assert drafts("--all") == []


def test_a_city_reviewing_information_only_sends_warnings_at_once(
        isolated: Path, make_config: MakeConfig, clock: Clock) -> None:
    make_config(review={"required_for": ["info"]}, alerts=ALERTS_TABLE,
                channels={"outbox": OUTBOX})
    assert cli(*WARN).code == 0
    assert len(posts_out()) == 1 and drafts("--all") == []


@pytest.mark.integration
def test_two_approvals_of_a_warning_at_once_send_once(
        isolated: Path, make_config: MakeConfig, clock: Clock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_SECRET", "hook-secret-value")
    events = (("hochwasser", "Spreeufer"), ("gasaustritt", "Altstadt"),
              ("stromausfall", "Gesundbrunnen"))
    with CountingServer() as server, Workers(2, isolated) as workers:
        make_config(review=REVIEW, alerts=ALERTS_TABLE, channels={"hook": {
            "type": "webhook", "url": f"{server.url}/hook", "secret_env": "HOOK_SECRET"}})
        for template, area in events:
            run = cli("warn", "--template", template, "--level", "medium", "--area", area,
                      "--yes", "--by", "d.officer")
            assert run.code == 0, run.stderr
        now = clock(BERLIN).isoformat()
        for n in range(len(events)):
            ref = f"d{n + 1}"
            runs = workers.run([["review", "approve", ref, "--by", "k.nowak", "--yes"],
                                ["review", "approve", ref, "--by", "p.krause", "--yes"]],
                               now=now)
            codes = sorted(r.code for r in runs)
            assert codes == [0, 2], [(r.code, r.stderr) for r in runs]
            loser = next(r for r in runs if r.code == 2)
            assert "being approved" in loser.stderr or "already approved" in loser.stderr
    assert server.count() == {"/hook": len(events)}
    assert [d["state"] for d in drafts("--all")] == ["approved"] * len(events)
    assert len(incidents()) == len(events)


def test_the_approver_confirms_a_high_warning_by_typing_its_event(
        held: dict, isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from citychan.cli import common

    run = cli("warn", "--template", "gasaustritt", "--level", "high", "--area", "Altstadt",
              "--yes", "--by", "d.officer")
    assert run.code == 0, run.stderr
    monkeypatch.setattr(common, "is_interactive", lambda: True)
    wrong = cli("review", "approve", "d2", "--by", "k.nowak", input="Hochwasser\n")
    assert wrong.code == 2 and "Namen des Ereignisses" in wrong.stderr
    assert "not confirmed; nothing was sent" in wrong.stderr
    assert posts_out() == [] and drafts()[1]["state"] == "pending"  # still waiting
    right = cli("review", "approve", "d2", "--by", "k.nowak", input="Gasaustritt\n")
    assert right.code == 0, right.stderr
    assert len(posts_out()) == 1
    assert [d["state"] for d in drafts("--all")] == ["pending", "approved"]


def test_the_held_warning_speaks_german_with_a_german_interface(
        isolated: Path, make_config: MakeConfig, clock: Clock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYCHAN_LANG", "de")
    make_config(review=REVIEW, alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})
    run = cli(*WARN, "--by", "d.officer", env={"COLUMNS": "200"})
    assert run.code == 0, run.stderr
    assert "zur Freigabe zurückgehalten als d1" in run.stdout
    assert "kein Ereignis eröffnet" in run.stdout
    clock.set(clock(BERLIN).hour, clock(BERLIN).minute, days=3)
    late = cli("review", "approve", "d1", "--by", "k.nowak", "--yes")
    assert late.code == 2
    assert late.stderr.startswith("Fehler: die als d1 entworfene Warnung ist seit ")
