"""`citychan retry --dismiss`: deliveries that will never go (a channel removed from the
config, a permanent 4xx) are closed by a person, recorded with who and why, and retry then
finishes (exit 0). A post that ends with exit 4 names the exact retry command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import cli
from tests.support.config import OUTBOX, MakeConfig
from tests.support.fault_server import FaultServer, Status
from tests.support.files import NOTICE, write

SECRET = "hook-secret-value-123"


def hook(url: str) -> dict[str, str]:
    return {"type": "webhook", "url": url, "secret_env": "HOOK_SECRET"}


def retry_rows(*args: str) -> tuple[int, list[dict]]:
    run = cli("retry", *args, "--output", "json")
    assert run.exception is None, repr(run.exception)
    return run.code, json.loads(run.stdout)["result"].get("deliveries", [])


@pytest.fixture
def refusing_hook(isolated: Path, make_config: MakeConfig, monkeypatch: pytest.MonkeyPatch):
    """An outbox and a webhook whose receiver answers 403 to everything; n.md posted once."""
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    with FaultServer([Status(403, {"error": "forbidden"})] * 10) as server:
        make_config(channels={"outbox": OUTBOX, "hook": hook(server.url + "/in")})
        write(isolated / "n.md", NOTICE)
        yield server


@pytest.mark.integration
def test_a_permanent_403_is_offered_until_dismissed_then_retry_exits_0(refusing_hook) -> None:
    run = cli("post", "n.md", "--yes", "--output", "json")
    assert run.code == 4
    (failed,) = [r for r in json.loads(run.stdout)["result"]["results"] if r["channel"] == "hook"]
    assert failed["status"] == "failed" and "403" in failed["error"]
    did = failed["delivery_id"]
    for _ in range(2):  # without dismissing it, every retry offers it again and exits 4
        code, rows = retry_rows()
        assert code == 4
        (row,) = rows
        assert row["permanent"] is True
        assert f"citychan retry --dismiss {did}" in row["detail"]
    code, rows = retry_rows("--dismiss", str(did), "--reason", "bot removed from channel",
                            "--by", "m.schulze")
    assert code == 0
    assert [(r["id"], r["new_status"], r["action"]) for r in rows] == [
        (did, "dismissed", "dismissed")]
    assert retry_rows() == (0, [])
    assert retry_rows("--list") == (0, [])
    (logged,) = [d for d in json.loads(cli("log", "--output", "json").stdout)["result"]
                 ["deliveries"] if d["id"] == did]
    assert (logged["status"], logged["dismissed_by"], logged["dismiss_reason"]) == (
        "dismissed", "m.schulze", "bot removed from channel")
    text = cli("log", env={"COLUMNS": "300"}).stdout
    assert "dismissed by m.schulze: bot removed from channel" in text


@pytest.mark.integration
def test_a_delivery_to_a_removed_channel_is_dismissed_and_retry_finishes(
        refusing_hook, make_config: MakeConfig) -> None:
    assert cli("post", "n.md", "--yes").code == 4
    make_config(channels={"outbox": OUTBOX})  # the webhook is gone from the config
    code, (row,) = retry_rows()
    assert code == 4  # before: exit 4 for ever
    assert row["detail"].startswith("channel no longer configured")
    assert f"--dismiss {row['id']}" in row["detail"]
    code, (closed,) = retry_rows("--dismiss-failed")
    assert code == 0
    assert closed["new_status"] == "dismissed"
    assert closed["detail"].endswith("channel no longer configured")  # why, when none given
    assert retry_rows() == (0, [])


@pytest.mark.integration
def test_a_post_ending_with_exit_4_prints_the_exact_retry_command(
        refusing_hook, isolated: Path) -> None:
    config = isolated / "citychan.toml"
    run = cli("post", "n.md", "--yes", "--config", str(config))
    assert run.code == 4
    assert f"Hint: to resolve what did not go out, run: citychan retry --config {config}" in (
        " ".join(run.stderr.split()))
    write(isolated / "m.md", NOTICE.replace("title: ", "title: Zweite ", 1))
    envelope = json.loads(cli("post", "m.md", "--yes", "--output", "json").stdout)
    assert envelope["exit_code"] == 4
    assert envelope["result"]["retry_command"] == "citychan retry"


@pytest.mark.integration
def test_dismiss_by_message_hash_prefix_closes_its_open_deliveries_only(
        refusing_hook, make_config: MakeConfig) -> None:
    run = cli("post", "n.md", "--yes", "--output", "json")
    message = json.loads(run.stdout)["result"]["message"]
    make_config(channels={"outbox": OUTBOX})
    code, rows = retry_rows("--dismiss", message[:12], "--reason", "Kanal aufgelöst")
    assert code == 0
    assert [(r["channel"], r["new_status"]) for r in rows] == [("hook", "dismissed")]
    statuses = {d["channel"]: d["status"] for d in
                json.loads(cli("log", "--output", "json").stdout)["result"]["deliveries"]}
    assert statuses == {"outbox": "sent", "hook": "dismissed"}


def test_a_sent_delivery_cannot_be_dismissed(isolated: Path, make_config: MakeConfig) -> None:
    make_config(channels={"outbox": OUTBOX})
    write(isolated / "n.md", NOTICE)
    assert cli("post", "n.md", "--yes").code == 0
    run = cli("retry", "--dismiss", "1")
    assert run.code == 2
    assert "delivery #1 is sent: nothing to dismiss" in run.stderr
    assert cli("retry", "--dismiss", "../x").code == 2


def test_dismiss_without_anything_open_says_so(isolated: Path, make_config: MakeConfig) -> None:
    make_config(channels={"outbox": OUTBOX})
    run = cli("retry", "--dismiss-failed")
    assert run.code == 2
    assert "nothing to dismiss" in run.stderr
    assert not Path("citychan-out").exists()  # no store made for nothing
