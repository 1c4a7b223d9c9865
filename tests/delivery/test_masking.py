"""Secrets masked in every form they come back in (citychan.masking), and through real posts
to a loopback server that echoes the token: never in stdout, stderr, ``--output json``,
``log`` or the store."""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest

from citychan.channels.base import ChannelContext
from citychan.channels.telegram import TelegramChannel
from citychan.delivery.secrets import redactor
from citychan.masking import Masker, mask_userinfo
from citychan.testing import sample_post
from tests.support.cli import Run, cli, store_rows
from tests.support.config import MakeConfig
from tests.support.fault_server import FaultServer, Ok, Status
from tests.support.files import NOTICE, write

HEX_TOKEN = "0123456789abcdef0123456789abcdef"  # ntfy's tk_… and many gateway keys look so
ODD_TOKEN = "tk_Ab/c+d=e:f&g h~1"  # every character URL-encoding changes
PASSWORD = "hunter2pass"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode("ascii")


FORMS: dict[str, Callable[[str], str]] = {
    "as written": lambda t: t,
    "URL-encoded (quote)": lambda t: quote(t, safe=""),
    "URL-encoded, '/' kept": quote,
    "form-encoded (quote_plus)": quote_plus,
    "URL-encoded twice": lambda t: quote(quote(t, safe=""), safe=""),
    "percent-escapes in lower case": lambda t: quote(t, safe="").lower(),
    "upper case": str.upper,
    "JSON-escaped": lambda t: json.dumps(t)[1:-1].replace("/", "\\/"),
    "HTML-escaped": lambda t: t.replace("&", "&amp;"),
    "base64 of user:password (Basic auth)": lambda t: "Basic " + b64(f"stadt:{t}"),
    "base64 of SMTP AUTH PLAIN": lambda t: b64(f"\0stadt\0{t}"),
    "URL-safe base64 without padding": lambda t: base64.urlsafe_b64encode(
        f"x:{t}".encode()).decode().rstrip("="),
}


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("token", [HEX_TOKEN, ODD_TOKEN])
def test_a_token_is_masked_in_every_form_it_comes_back_in(token: str, form: str) -> None:
    echoed = FORMS[form](token)
    text = f"HTTP 401: invalid token {echoed} for https://gw.example/x?t={echoed}."
    masked = Masker([token])(text)
    assert echoed not in masked
    assert masked.startswith("HTTP 401: invalid token ") and masked.endswith(".")
    assert masked.count("***") == 2


def test_masking_leaves_other_text_alone() -> None:
    mask = Masker([HEX_TOKEN, "abc"])  # too short to be a secret: never masks words
    text = "Sperrung der Löbauer Straße, abc 0123456789 ABCDEF_ghijkl base64 YWJj"
    assert mask(text) == text
    assert not Masker([]) and Masker([])("x") == "x"
    assert HEX_TOKEN not in repr(mask)


def test_a_secret_with_surrounding_whitespace_is_masked_without_it() -> None:
    assert Masker([HEX_TOKEN + "\n"])(f"token={HEX_TOKEN};") == "token=***;"


def test_a_url_shows_where_it_points_without_its_password() -> None:
    assert mask_userinfo(f"https://bot:{PASSWORD}@ntfy.example:8443/x?a=b@c") == (
        "https://***@ntfy.example:8443/x?a=b@c")
    assert mask_userinfo("https://ntfy.example/x?mail=a@b") == "https://ntfy.example/x?mail=a@b"


def test_the_delivery_layer_masks_with_the_same_masker(make_config: MakeConfig) -> None:
    from citychan.config import load_config

    make_config(channels={"ntfy": {"type": "ntfy", "base_url": "https://ntfy.example",
                                   "topic": "bautzen", "token_env": "NTFY_TOKEN"}})
    mask = redactor(load_config(), {"NTFY_TOKEN": HEX_TOKEN + "\n"})
    assert mask(f"id {HEX_TOKEN.upper()} / {b64('u:' + HEX_TOKEN)}") == "id *** / ***"


# --- the httpx log line, without a registry of secrets ---------------------------------------

def test_httpx_log_lines_of_concurrent_channels_are_masked_each_with_its_own_token(
        caplog: pytest.LogCaptureFixture) -> None:
    tokens = [f"12345678{i}:AAH-bautzen-token-{i}" for i in range(4)]

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"ok": True, "result": {"message_id": 7}})

    channels = [TelegramChannel.from_config(
        f"tg{i}", {"chat_id": "@bautzen_info", "token_env": "TG"},
        ChannelContext(env={"TG": token}, http=httpx.Client(transport=httpx.MockTransport(answer))))
        for i, token in enumerate(tokens)]
    caplog.set_level(logging.INFO, logger="httpx")
    threads = [threading.Thread(target=ch.send, args=(sample_post(),)) for ch in channels]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert caplog.text.count("sendMessage") == 4
    assert not [t for t in tokens if t in caplog.text]


# --- through a real post: a server that echoes the token -------------------------------------

def everything(isolated: Path, *runs: Run) -> str:
    """stdout and stderr of the runs, the store's rows and `log --output json`."""
    text = "".join(f"{r.stdout}\n{r.stderr}\n" for r in runs)
    text += "".join(str(row) for row in store_rows(isolated / "citychan-out" / "citychan.db"))
    return text + cli("log", "--output", "json").stdout


def channels_to(url: str) -> dict[str, dict[str, str]]:
    return {
        "ntfy": {"type": "ntfy", "base_url": url, "topic": "bautzen", "token_env": "NTFY_TOKEN"},
        "webhook": {"type": "webhook", "url": url + "/hook", "secret_env": "HOOK_SECRET"},
        "mastodon": {"type": "mastodon", "base_url": url, "token_env": "MASTODON_TOKEN"},
    }


def env_with(token: str) -> dict[str, str]:
    return {"NTFY_TOKEN": token, "HOOK_SECRET": token, "MASTODON_TOKEN": token}


@pytest.mark.integration
@pytest.mark.parametrize("form", list(FORMS))
def test_a_server_echoing_the_token_in_a_remote_id_or_url_never_puts_it_in_store_or_output(
        form: str, isolated: Path, make_config: MakeConfig) -> None:
    echoed = FORMS[form](ODD_TOKEN)
    # every request gets the same answer: ntfy and the webhook take "id", Mastodon "url"
    answer = Ok({"id": f"msg.{echoed}", "url": f"https://social.example/@stadt/{echoed}"})
    with FaultServer([answer] * 10) as server:
        make_config(channels=channels_to(server.url))
        write(isolated / "n.md", NOTICE)
        run = cli("post", "n.md", "--yes", "--output", "json", env=env_with(ODD_TOKEN))
    assert run.code == 0, run.stdout + run.stderr
    results = json.loads(run.stdout)["result"]["results"]
    assert {r["status"] for r in results} == {"sent"}
    shown = {r["channel"]: r["url"] if r["channel"] == "mastodon" else r["remote_id"]
             for r in results}
    assert shown["ntfy"].startswith("msg.") and shown["webhook"].startswith("msg.")
    assert shown["mastodon"].startswith("https://social.example/@")
    assert all(value.endswith("***") for value in shown.values()), shown
    seen = everything(isolated, run)
    assert echoed not in seen and ODD_TOKEN not in seen


@pytest.mark.integration
@pytest.mark.parametrize("form", list(FORMS))
def test_a_server_echoing_the_token_in_its_error_never_puts_it_in_store_or_output(
        form: str, isolated: Path, make_config: MakeConfig) -> None:
    echoed = FORMS[form](HEX_TOKEN)
    refusal = Status(403, {"error": f"token {echoed} is not allowed to post to {echoed}"})
    with FaultServer([refusal] * 10) as server:
        make_config(channels=channels_to(server.url))
        write(isolated / "n.md", NOTICE)
        run = cli("post", "n.md", "--yes", "--output", "json", env=env_with(HEX_TOKEN))
    assert run.code == 4
    results = json.loads(run.stdout)["result"]["results"]
    assert {r["status"] for r in results} == {"failed"}
    assert all("*** is not allowed to post to " in r["error"] for r in results)
    seen = everything(isolated, run)
    assert echoed not in seen and HEX_TOKEN not in seen and HEX_TOKEN.upper() not in seen


@pytest.mark.integration
def test_a_password_in_a_url_is_refused_and_never_shown(
        isolated: Path, make_config: MakeConfig) -> None:
    with FaultServer([Ok({"id": "1"})]) as server:
        url = server.url.replace("http://", f"http://bot:{PASSWORD}@")
        make_config(channels={"ntfy": {"type": "ntfy", "base_url": url, "topic": "bautzen"}})
        write(isolated / "n.md", NOTICE)
        runs = [cli("post", "n.md", "--yes", "--output", "json"),
                cli("post", "n.md", "--yes"), cli("check", "n.md"),
                cli("channels", "--test", "--output", "json")]
    assert all(r.code == 2 for r in runs), [(r.code, r.stderr) for r in runs]
    assert "user name or password" in runs[1].stderr and "***@127.0.0.1" in runs[1].stderr
    assert json.loads(runs[0].stdout)["ok"] is False
    assert PASSWORD not in everything(isolated, *runs)
    assert server.requests == []
