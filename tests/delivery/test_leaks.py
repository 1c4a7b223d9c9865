"""No secret leaks: a 401 from Telegram (the token is in the URL path) and a refused SMTP login
(wrong password, real SMTP server) are reported as failures a person can act on, and neither
the token nor the password appears on stdout, stderr, in the store or in any output file -
also not in the log lines of a real process that has logging switched on."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.support.cli import Run, cli
from tests.support.config import FEED, OUTBOX, MakeConfig, Table
from tests.support.e2e import ApiServer, all_cells, deliveries, files_under, write_notice
from tests.support.fault_server import Status
from tests.support.files import write
from tests.support.servers import (
    SMTP_USER,
    SmtpServer,
)

pytestmark = pytest.mark.integration

TOKEN = "7012345678:AAHbautzenBudysinLeakCanary_x9Qz"
WRONG_PASSWORD = "Wrong-Lubij-Canary-pa55"
UNAUTHORIZED = {"ok": False, "error_code": 401, "description": "Unauthorized"}
OUT = Path("citychan-out")


def channels(telegram: str, smtp_port: int) -> dict[str, Table]:
    return {
        "telegram": {"type": "telegram", "chat_id": "@stadt_bautzen",
                     "token_env": "BAUTZEN_TELEGRAM_TOKEN", "api_url": telegram},
        "email": {"type": "email", "host": "127.0.0.1", "port": smtp_port, "security": "none",
                  "username": SMTP_USER, "password_env": "BAUTZEN_SMTP_PASSWORD",
                  "from": "presse@bautzen.de", "to": "verteiler@bautzen.de"},
        "outbox": OUTBOX,
        "feed": FEED,
    }


def secret_forms() -> dict[str, str]:
    """Every form in which a secret could slip out: as is, URL-quoted, the token's secret
    half, and the base64 an SMTP AUTH PLAIN / LOGIN dialogue carries."""
    plain = f"\0{SMTP_USER}\0{WRONG_PASSWORD}".encode()
    return {
        "token": TOKEN,
        "token (quoted)": quote(TOKEN, safe=""),
        "token secret half": TOKEN.split(":", 1)[1],
        "password": WRONG_PASSWORD,
        "password (AUTH PLAIN)": base64.b64encode(plain).decode(),
        "password (AUTH LOGIN)": base64.b64encode(WRONG_PASSWORD.encode()).decode(),
    }


def assert_clean(text: str, where: str) -> None:
    for name, form in secret_forms().items():
        assert form not in text, f"{name} leaked in {where}"


@pytest.fixture
def telegram(isolated: Path, monkeypatch: pytest.MonkeyPatch,
             smtp_server: SmtpServer, make_config: MakeConfig):
    """Telegram answering 401 to everything, the real SMTP server, secrets in the env."""
    with ApiServer(default=Status(401, UNAUTHORIZED)) as server:
        monkeypatch.setenv("BAUTZEN_TELEGRAM_TOKEN", TOKEN)
        monkeypatch.setenv("BAUTZEN_SMTP_PASSWORD", WRONG_PASSWORD)
        make_config(publish={"max_total_seconds": 2, "timeout": 5},
                    channels=channels(server.url, smtp_server.port))
        write_notice(isolated)
        yield server


def assert_failures_reported(results: list[dict[str, object]]) -> None:
    by = {r["channel"]: r for r in results}
    assert by["telegram"]["status"] == "failed"
    assert by["telegram"]["error"] == "Telegram: HTTP 401: Unauthorized"
    assert by["email"]["status"] == "failed"
    error = str(by["email"]["error"])
    assert f"SMTP login as '{SMTP_USER}'" in error and "refused (535)" in error
    assert "check the password" in error


def test_a_401_and_a_refused_login_leak_no_secret_anywhere(
        telegram: ApiServer, smtp_server: SmtpServer, isolated: Path) -> None:
    runs: dict[str, Run] = {}
    runs["post json"] = cli("post", "notice.md", "--yes", "--output", "json")
    results = json.loads(runs["post json"].stdout)["result"]["results"]
    assert_failures_reported(results)
    assert {r["channel"]: r["status"] for r in results}.keys() == {
        "telegram", "email", "outbox", "feed"}
    assert runs["post json"].code == 4

    # a second post tries the failed channels again (a failure is known not to have gone out)
    runs["post text"] = cli("post", "notice.md", "--yes")
    assert runs["post text"].code == 4
    table = " ".join(runs["post text"].stdout.split())
    assert "failed" in table and "Unauthorized" in table and "535" in table

    runs["log text"] = cli("log")
    runs["log json"] = cli("log", "--output", "json")
    logged = json.loads(runs["log json"].stdout)["result"]["deliveries"]
    assert sorted(d["channel"] for d in logged if d["status"] == "failed") == [
        "email", "email", "telegram", "telegram"]

    runs["retry list text"] = cli("retry", "--list")
    runs["retry list json"] = cli("retry", "--list", "--output", "json")
    assert runs["retry list json"].code == 4
    listed = json.loads(runs["retry list json"].stdout)["result"]["deliveries"]
    assert sorted(d["channel"] for d in listed) == ["email", "email", "telegram", "telegram"]
    assert_failures_reported(listed)
    runs["retry --yes"] = cli("retry", "--yes", "--output", "json")  # resends: fails again
    assert runs["retry --yes"].code == 4

    runs["channels test text"] = cli("channels", "--test")
    runs["channels test json"] = cli("channels", "--test", "--output", "json")
    assert runs["channels test json"].code == runs["channels test text"].code == 4
    checks = {c["channel"]: c for c in
              json.loads(runs["channels test json"].stdout)["result"]["checks"]}
    assert checks["telegram"]["problems"] == [
        "getChat for @stadt_bautzen failed: Telegram: HTTP 401: Unauthorized"]
    (problem,) = checks["email"]["problems"]
    assert "refused (535)" in problem and "check the password" in problem
    assert checks["outbox"]["ok"] and checks["feed"]["ok"]

    # the secrets really were in play: in Telegram's URL path and in the SMTP login
    paths = [r.path for r in telegram.requests]
    assert paths and all(p.startswith(f"/bot{TOKEN}/") for p in paths)
    assert {p.rsplit("/", 1)[1] for p in paths} == {"sendMessage", "getChat"}
    assert smtp_server.logins and all(
        login == (SMTP_USER, False, False) for login in smtp_server.logins)
    assert smtp_server.messages == []

    for name, run in runs.items():
        assert run.exception is None, f"{name}: {run.exception!r}"
        assert "Traceback" not in run.stdout + run.stderr, name
        assert_clean(run.stdout, f"stdout of {name}")
        assert_clean(run.stderr, f"stderr of {name}")
    db = isolated / OUT / "citychan.db"
    cells = all_cells(db)
    assert {table for table, _ in cells} >= {"messages", "deliveries"}
    for table, cell in cells:
        assert_clean(str(cell), f"table {table} of the store")
    files = files_under(isolated / OUT)
    assert any(p.parent.name == "outbox" for p in files) and any(
        p.name == "feed.xml" for p in files)
    for path, data in files.items():
        assert_clean(data.decode("utf-8", "replace"), str(path))
    assert [row[0] for row in deliveries(db)["outbox"]] == ["sent"]


@pytest.mark.parametrize("logging_on", [False, True], ids=["plain", "with-debug-logging"])
def test_a_real_process_prints_no_secret_even_with_logging_on(
        telegram: ApiServer, isolated: Path, tmp_path: Path, logging_on: bool) -> None:
    """CliRunner does not see what logging handlers write; a real process does. With
    logging configured (an embedding script, a sitecustomize), httpx logs each request URL
    at INFO - Telegram's with the token in it - and httpcore its steps at DEBUG."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "200"}
    if logging_on:
        site = write(tmp_path / "site" / "sitecustomize.py",
                     "import logging\nlogging.basicConfig(level=logging.DEBUG)\n")
        env["PYTHONPATH"] = os.pathsep.join(
            [str(site.parent), *filter(None, [env.get("PYTHONPATH")])])
    proc = subprocess.run([sys.executable, "-m", "citychan", "post", "notice.md", "--yes"],
                          cwd=isolated, env=env, capture_output=True, timeout=60)
    stdout, stderr = proc.stdout.decode(), proc.stderr.decode()
    assert proc.returncode == 4, stdout + stderr
    assert "Traceback" not in stderr
    table = " ".join(stdout.split())
    assert "Telegram: HTTP 401: Unauthorized" in table and "refused (535)" in table
    if logging_on:  # the log line is there, with the token masked: the leak path was live
        assert 'HTTP Request: POST http://127.0.0.1' in stderr
        assert "/bot***/sendMessage" in stderr
    assert_clean(stdout, "stdout of the process")
    assert_clean(stderr, "stderr of the process")


def test_the_channel_context_repr_shows_no_environment() -> None:
    """Everything a channel gets from outside; a debugger or a traceback prints its repr."""
    from citychan.channels.base import ChannelContext

    ctx = ChannelContext(env={"CITYCHAN_TELEGRAM_TOKEN": TOKEN})
    assert TOKEN not in repr(ctx) and TOKEN not in str(ctx)
