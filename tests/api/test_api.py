"""The facade the CLI calls, called directly: plain arguments in, typed results out. What the
press officer's commands show is built from these values, so they are checked here without
CliRunner: check, preview, post to the offline outbox and feed, log, and the HTTP client of a
post closed once it is done."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from citychan import api
from citychan.api import notices
from citychan.api.check import check
from citychan.config import Config
from citychan.errors import InputError, RejectedError, UsageError
from citychan.findings import Finding
from citychan.notices.target import Plan
from citychan.store.deliveries import Status
from tests.support.config import FEED, OUTBOX, MakeConfig
from tests.support.files import write

OUT = Path("citychan-out")
WARNING_TITLE = "---\ntitle: Unwetterwarnung für Bautzen\n---\nSturm.\n"


@pytest.fixture
def config(make_config: MakeConfig) -> Config:
    return api.load(make_config(channels={"outbox": OUTBOX, "feed": FEED}))


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


# --- load, check ------------------------------------------------------------------------------

def test_load_without_a_file_is_the_embedded_default() -> None:
    config = api.load(None)
    assert config.path is None
    assert {name: c.type for name, c in config.channels.items()} == {
        "outbox": "outbox", "feed": "feed"}


def test_check_returns_one_result_per_file_with_the_message_it_read(
        notice: Path, isolated: Path, config: Config) -> None:
    write(isolated / "warn.md", WARNING_TITLE)
    good, bad, missing = check([notice, "warn.md", "nope.md"], config)
    assert good.ok and good.error is None and good.path == notice
    assert good.message is not None and good.message.title == "Sperrung der Löbauer Straße"
    assert good.message.langs == ("de", "hsb")
    assert not any(f.severity == "error" for f in good.findings)
    assert not bad.ok and "CC201" in codes(bad.findings)  # an info that sounds like a warning
    assert missing.message is None and not missing.ok and "nope.md" in str(missing.error)
    assert not (isolated / OUT).exists()  # check writes nothing


def test_check_as_dict_is_what_the_json_output_carries(notice: Path, config: Config) -> None:
    (checked,) = check([notice], config)
    data = checked.as_dict()
    assert data["ok"] is True and data["title"] == "Sperrung der Löbauer Straße"
    assert data["hash"] == checked.message.content_hash and data["langs"] == ["de", "hsb"]


# --- preview ----------------------------------------------------------------------------------

def test_preview_plans_every_channel_and_touches_nothing(
        notice: Path, isolated: Path, config: Config) -> None:
    p = notices.preview(notice, config)
    assert isinstance(p, Plan) and p.ok
    assert [t.name for t in p.targets] == ["outbox", "feed"]
    outbox = p.targets[0]
    assert outbox.langs == ("de", "hsb")
    assert "Löbauer Straße" in outbox.rendered.text and "Lubijskeje" in outbox.rendered.text
    assert "utm_source" not in outbox.rendered.text  # the link is cleaned before it goes out
    assert p.skipped == []
    assert not (isolated / OUT).exists()


def test_preview_of_one_channel(notice: Path, config: Config) -> None:
    p = notices.preview(notice, config, only=["feed"])
    assert [t.name for t in p.targets] == ["feed"]


def test_preview_of_a_missing_file_raises_an_input_error(config: Config) -> None:
    with pytest.raises(InputError):
        notices.preview("nope.md", config)


# --- post -------------------------------------------------------------------------------------

def test_post_delivers_to_outbox_and_feed_and_records_it(
        notice: Path, isolated: Path, config: Config) -> None:
    events: list[tuple[str, str]] = []
    report = notices.post(notice, config, on_event=lambda ch, what, _: events.append((ch, what)))
    assert report.title == "Sperrung der Löbauer Straße" and report.kind == "info"
    assert [(r.channel, r.status) for r in report.results] == [
        ("outbox", Status.SENT), ("feed", Status.SENT)]
    assert report.exit_code == 0 and not report.dry_run and not report.forced
    assert all(r.delivery_id is not None and r.attempts == 1 for r in report.results)
    assert ("outbox", "sent") in events and ("feed", "sent") in events
    (outfile,) = (isolated / OUT / "outbox").iterdir()
    assert "Löbauer Straße" in outfile.read_text(encoding="utf-8")
    assert "Sperrung der Löbauer Straße" in (isolated / OUT / "feed" / "feed.xml").read_text(
        encoding="utf-8")


def test_post_again_is_skipped_unless_forced(notice: Path, config: Config) -> None:
    first = notices.post(notice, config)
    again = notices.post(notice, config)
    assert {r.status for r in again.results} == {Status.SKIPPED}
    assert all("already sent" in (r.error or "") for r in again.results)
    assert [r.delivery_id for r in again.results] == [r.delivery_id for r in first.results]
    forced = notices.post(notice, config, force=True)
    assert forced.forced and {r.status for r in forced.results} == {Status.SENT}


def test_dry_run_checks_and_sends_nothing(notice: Path, isolated: Path, config: Config) -> None:
    report = notices.post(notice, config, dry_run=True)
    assert report.dry_run and report.results == [] and report.exit_code == 0
    assert report.message_hash and report.title == "Sperrung der Löbauer Straße"
    assert not (isolated / OUT).exists()


def test_declined_confirmation_sends_nothing_and_leaves_no_store(
        notice: Path, isolated: Path, config: Config) -> None:
    seen: list[Plan] = []

    def decline(p: Plan) -> bool:
        seen.append(p)
        return False

    with pytest.raises(UsageError, match="not confirmed"):
        notices.post(notice, config, confirm=decline)
    assert [t.name for t in seen[0].targets] == ["outbox", "feed"]  # asked with the plan
    assert not (isolated / OUT).exists()


def test_a_rule_error_is_a_rejection_with_its_findings(isolated: Path, config: Config) -> None:
    write(isolated / "warn.md", WARNING_TITLE)
    with pytest.raises(RejectedError) as info:
        notices.post("warn.md", config)
    assert "CC201" in codes(info.value.findings)  # type: ignore[attr-defined]
    assert not (isolated / OUT).exists()


def test_a_danger_warning_is_refused_by_post(isolated: Path, config: Config) -> None:
    write(isolated / "w.md", "---\ntitle: Wochenmarkt\nkind: warning\n---\nKäse\n")
    with pytest.raises(UsageError, match="is a danger warning"):
        notices.post("w.md", config)


# --- log --------------------------------------------------------------------------------------

def test_log_is_empty_before_anything_was_sent(config: Config) -> None:
    assert notices.log(config) == []


def test_log_lists_every_delivery_of_the_post(notice: Path, config: Config) -> None:
    report = notices.post(notice, config)
    rows = notices.log(config)
    assert sorted((r["channel"], r["status"]) for r in rows) == [
        ("feed", "sent"), ("outbox", "sent")]
    assert {r["message"] for r in rows} == {report.message_hash}
    assert {r["id"] for r in rows} == {r.delivery_id for r in report.results}
    assert len(notices.log(config, limit=1)) == 1


# --- the HTTP client of a command is closed when it is done -----------------------------------

TELEGRAM = {"type": "telegram", "chat_id": "@stadt_bautzen", "token_env": "CITYCHAN_TG_TOKEN"}
SENT = {"ok": True, "result": {"message_id": 77, "chat": {"id": -1001, "type": "channel"}}}


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> list[httpx.Client]:
    """Every client open_channels makes, answering like Telegram (no network)."""
    made: list[httpx.Client] = []

    def client(*_: Any) -> httpx.Client:
        made.append(httpx.Client(transport=httpx.MockTransport(
            lambda request: httpx.Response(200, json=SENT))))
        return made[-1]

    monkeypatch.setattr("citychan.delivery.clients.make_client", client)
    monkeypatch.setattr("citychan.delivery.clients._offline_http", client)
    return made


def test_post_closes_the_http_client_it_opened(
        notice: Path, make_config: MakeConfig, clients: list[httpx.Client]) -> None:
    config = api.load(make_config(channels={"tg": TELEGRAM, "outbox": OUTBOX}))
    report = notices.post(notice, config, env={"CITYCHAN_TG_TOKEN": "123:secret"})
    tg, outbox = report.results
    assert (tg.channel, tg.status, tg.remote_id) == ("tg", Status.SENT, "77")
    assert (outbox.channel, outbox.status) == ("outbox", Status.SENT)
    assert outbox.remote_id and outbox.remote_id.endswith(".outbox.txt")  # the file written
    assert len(clients) == 1 and clients[0].is_closed


def test_check_preview_and_dry_run_close_their_offline_client(
        notice: Path, make_config: MakeConfig, clients: list[httpx.Client]) -> None:
    config = api.load(make_config(channels={"tg": TELEGRAM}))
    check([notice], config)
    notices.preview(notice, config)
    notices.post(notice, config, dry_run=True, env={"CITYCHAN_TG_TOKEN": "123:secret"})
    assert len(clients) == 3 and all(c.is_closed for c in clients)


def test_a_post_that_is_refused_still_closes_its_client(
        isolated: Path, make_config: MakeConfig, clients: list[httpx.Client]) -> None:
    config = api.load(make_config(channels={"tg": TELEGRAM}))
    write(isolated / "warn.md", WARNING_TITLE)
    with pytest.raises(RejectedError):
        notices.post("warn.md", config, env={"CITYCHAN_TG_TOKEN": "123:secret"})
    assert clients and all(c.is_closed for c in clients)
