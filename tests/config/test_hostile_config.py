"""Config checks against hostile or careless values: ports outside 1-65535, URLs without a host
or with a password in them, channel names that are paths, secrets with a trailing newline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import assert_one_line_error, cli, store_rows
from tests.support.config import OUTBOX, MakeConfig
from tests.support.fault_server import FaultServer, Ok
from tests.support.files import NOTICE, write


def ntfy_at(base_url: str) -> dict[str, dict[str, str]]:
    return {"ntfy": {"type": "ntfy", "base_url": base_url, "topic": "bautzen"}}


@pytest.mark.parametrize(("base_url", "says"), [
    ("https://ntfy.example:99999", "port '99999'"),
    ("https://ntfy.example:65536", "port '65536'"),
    ("https://ntfy.example:-1", "port '-1'"),
    ("https://ntfy.example:abc", "port 'abc'"),
    ("https://ntfy.example:0", "port '0'"),
    ("https://", "has no host"),
    ("https://:443/x", "has no host"),
])
def test_port_0_and_a_url_without_host_fail_the_config_check(
        base_url: str, says: str, isolated: Path, make_config: MakeConfig) -> None:
    make_config(channels=ntfy_at(base_url))
    write(isolated / "n.md", NOTICE)
    for run in (cli("check", "n.md"), cli("post", "n.md", "--yes"), cli("channels")):
        assert_one_line_error(run, 2, says)
        assert "[channels.ntfy] base_url" in run.stderr
    assert store_rows(isolated / "citychan-out" / "citychan.db") == []


@pytest.mark.parametrize("port", [0, 65536, -25])
def test_an_email_port_outside_1_to_65535_is_refused(
        port: int, isolated: Path, make_config: MakeConfig) -> None:
    make_config(channels={"mail": {"type": "email", "host": "smtp.bautzen.de", "port": port,
                                   "from": "info@bautzen.de", "to": "liste@bautzen.de"}})
    assert_one_line_error(cli("channels"), 2, "port must be between 1 and 65535")


@pytest.mark.parametrize("url", [
    "https://bot:hunter2pass@ntfy.example",
    "https://hunter2pass@ntfy.example/",
    "https://bot:hunter2pass@ntfy.example:8443/path?q=1",
])
def test_a_url_with_credentials_is_refused_without_echoing_the_password(
        url: str, isolated: Path, make_config: MakeConfig) -> None:
    make_config(channels=ntfy_at(url))
    write(isolated / "n.md", NOTICE)
    runs = [cli("check", "n.md"), cli("post", "n.md", "--yes", "--output", "json"),
            cli("channels", "--output", "json")]
    assert_one_line_error(runs[0], 2, "must not contain a user name or password")
    assert "https://***@ntfy.example" in runs[0].stderr
    assert all(r.code == 2 for r in runs)
    assert "hunter2pass" not in "".join(r.stdout + r.stderr for r in runs)


def test_the_backslash_trick_in_a_channel_url_is_refused(
        isolated: Path, make_config: MakeConfig) -> None:
    """``https://evil.example\\@ntfy.bautzen.de`` - a browser goes to evil.example."""
    make_config(channels=ntfy_at("https://evil.example\\@ntfy.bautzen.de"))
    assert_one_line_error(cli("channels"), 2, "user name or password")


@pytest.mark.parametrize("name", ["x/../../../tmp/y", "../outside", "a b", "a.b", "-x", "",
                                  "ü", "x" * 65, "a\nb"])
def test_a_channel_named_like_a_path_is_refused_before_anything_is_written(
        name: str, isolated: Path, make_config: MakeConfig, tmp_path: Path) -> None:
    make_config(channels={name: OUTBOX})
    write(isolated / "n.md", NOTICE)
    before = sorted(p for p in tmp_path.rglob("*"))
    for run in (cli("post", "n.md", "--yes"), cli("check", "n.md")):
        assert_one_line_error(run, 2, "is not a simple name")
    assert sorted(p for p in tmp_path.rglob("*")) == before


@pytest.mark.parametrize("name", ["outbox", "telegram-info", "kanal_2", "Matrix", "9"])
def test_simple_channel_names_are_accepted(
        name: str, isolated: Path, make_config: MakeConfig) -> None:
    make_config(channels={name: OUTBOX})
    write(isolated / "n.md", NOTICE)
    assert cli("post", "n.md", "--yes").code == 0
    assert list((isolated / "citychan-out" / "outbox").iterdir())


@pytest.mark.integration
def test_a_secret_with_a_trailing_newline_is_trimmed_and_every_channel_sends(
        isolated: Path, make_config: MakeConfig) -> None:
    """The issue's attack: `export TOKEN="$(cat token; echo)"` made 5 channels `unknown`."""
    token = "0123456789abcdef0123456789abcdef"
    # one answer every channel understands: Telegram's ok/result, everybody else's id
    answer = Ok({"ok": True, "result": {"message_id": 7}, "id": "42"})
    with FaultServer([answer] * 12) as server:
        url = server.url
        make_config(channels={
            "ntfy": {"type": "ntfy", "base_url": url, "topic": "bautzen", "token_env": "T1"},
            "webhook": {"type": "webhook", "url": url + "/hook", "secret_env": "T2"},
            "mastodon": {"type": "mastodon", "base_url": url, "token_env": "T3"},
            "telegram": {"type": "telegram", "api_url": url, "chat_id": "@bautzen_info",
                         "token_env": "T4"},
            "whatsapp": {"type": "whatsapp", "provider": "whapi", "base_url": url,
                         "channel_id": "120363012345678901@newsletter", "token_env": "T5"},
        })
        write(isolated / "n.md", NOTICE)
        env = {f"T{i}": f"{token}\n" if i % 2 else f"  {token}\r\n" for i in range(1, 6)}
        run = cli("post", "n.md", "--yes", "--output", "json", env=env)
    assert run.code == 0, run.stdout + run.stderr
    results = json.loads(run.stdout)["result"]["results"]
    assert {r["channel"]: r["status"] for r in results} == dict.fromkeys(
        ("ntfy", "webhook", "mastodon", "telegram", "whatsapp"), "sent")
    bearer = {r.headers.get("authorization") for r in server.requests} - {None}
    assert bearer == {f"Bearer {token}"}
    assert any(r.path == f"/bot{token}/sendMessage" for r in server.requests)
