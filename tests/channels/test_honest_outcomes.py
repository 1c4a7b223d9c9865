"""Honest outcomes: a request refused before any byte left is `failed`, never `unknown`; a
read-back answer that does not say whether the post is there means "cannot tell" - a person
decides, nothing is resent as if provably missing."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from citychan.channels.base import CannotTell, ChannelContext, ChannelError, Dialect
from citychan.channels.mastodon import MastodonChannel
from citychan.channels.matrix import MatrixChannel
from citychan.channels.ntfy import NtfyChannel
from citychan.channels.whatsapp import WhatsAppChannel
from citychan.testing import sample_post
from tests.support.cli import cli, store_rows
from tests.support.config import write_config
from tests.support.fault_server import FaultServer, Ok
from tests.support.files import NOTICE, write
from tests.support.plugin import install_plugin

SINCE = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)


def ntfy(base_url: str, token: str | None = None, http: httpx.Client | None = None
         ) -> NtfyChannel:
    """Built past from_config's checks, as a plugin or a hand-built channel could be."""
    return NtfyChannel("ntfy", base_url, "bautzen", token, ChannelContext(env={}, http=http))


# --- refused before any byte left: failed ----------------------------------------------------

@pytest.mark.integration
@pytest.mark.parametrize("port", ["99999", "65536", "-1", "abc", "0"])
def test_ntfy_base_url_with_a_bad_port_fails_and_is_never_unknown(port: str) -> None:
    with FaultServer([Ok({"id": "1"})] * 3) as server, httpx.Client() as http:
        channel = ntfy(f"http://127.0.0.1:{port}", http=http)
        with pytest.raises(ChannelError) as info:
            channel.send(sample_post(Dialect.NTFY))
    assert (info.value.outcome_known, info.value.retryable) == (True, False)
    assert "nothing was sent" in info.value.message
    assert server.requests == []


@pytest.mark.integration
def test_crlf_in_a_link_for_ntfys_click_header_fails_without_sending() -> None:
    """h11 would refuse the header mid-send, which httpx reports as a lost connection."""
    with FaultServer([Ok({"id": "1"})]) as server, httpx.Client() as http:
        channel = ntfy(server.url, http=http)
        post = sample_post(Dialect.NTFY, link="https://www.bautzen.de/a\r\nX-Injected: 1")
        with pytest.raises(ChannelError) as info:
            channel.send(post)
    assert (info.value.outcome_known, info.value.retryable) == (True, False)
    assert "header 'Click'" in info.value.message and "nothing was sent" in info.value.message
    assert "X-Injected" not in info.value.message
    assert server.requests == []


@pytest.mark.integration
def test_a_header_value_with_a_trailing_newline_fails_and_never_shows_the_value() -> None:
    token = "tk_0123456789abcdef0123456789"
    with FaultServer([Ok({"id": "1"})]) as server, httpx.Client() as http:
        with pytest.raises(ChannelError) as info:
            ntfy(server.url, token=token + "\n", http=http).send(sample_post(Dialect.NTFY))
    assert info.value.outcome_known and "header 'Authorization'" in info.value.message
    assert token not in info.value.message
    assert server.requests == []


@pytest.mark.integration
def test_a_bad_port_in_a_post_is_failed_and_the_next_post_tries_again(
        isolated: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The issue's attack: the delivery was recorded `unknown` ("internal error in channel:
    ValueError") and the next post skipped it as "already unknown". A plugin channel whose
    URL the config cannot check goes through the same request path."""
    install_plugin(tmp_path / "site", monkeypatch, dist="citychan-portal", module="portal",
                   source=PORTAL_PLUGIN, entry_points="portal = portal:PortalChannel")
    write_config(isolated / "citychan.toml",
                 channels={"portal": {"type": "portal", "endpoint": "https://ntfy.example:99999"}})
    write(isolated / "n.md", NOTICE)
    try:
        first = cli("post", "n.md", "--yes", "--output", "json")
        again = cli("post", "n.md", "--yes", "--output", "json")
    finally:
        sys.modules.pop("portal", None)
    for run in (first, again):
        (result,) = json.loads(run.stdout)["result"]["results"]
        assert (result["status"], run.code) == ("failed", 4), result
        assert "nothing was sent" in result["error"] and "internal error" not in result["error"]
    rows = store_rows(isolated / "citychan-out" / "citychan.db")
    assert [row for row in rows if "unknown" in row] == []


PORTAL_PLUGIN = """
from citychan.channels.base import Capabilities, Dialect, Option, Receipt
from citychan.channels.http import ApiPolicy, HttpChannel

class PortalChannel(HttpChannel):
    type_name = "portal"
    capabilities = Capabilities(dialect=Dialect.PLAIN)
    options = {"endpoint": Option(str, required=True)}

    def __init__(self, name, endpoint, ctx):
        self.name, self.endpoint, self._ctx = name, endpoint, ctx
        self.policy = ApiPolicy("portal")

    @classmethod
    def from_config(cls, name, options, ctx):
        return cls(name, options["endpoint"], ctx)

    def send(self, post):
        self._call("POST", self.endpoint + "/notices", json={"text": post.rendered.text})
        return Receipt(remote_id="1")
"""


# --- a read-back answer that says nothing: cannot tell ---------------------------------------

def mastodon(statuses: Any) -> MastodonChannel:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("verify_credentials"):
            return httpx.Response(200, json={"id": "42", "acct": "stadt"})
        return httpx.Response(200, json=statuses)

    ctx = ChannelContext(env={"MASTO": "masto-token"},
                         http=httpx.Client(transport=httpx.MockTransport(handler)))
    return MastodonChannel.from_config(
        "mastodon", {"base_url": "https://social.example", "token_env": "MASTO"}, ctx)


@pytest.mark.parametrize("statuses", [
    {"error": "Record not found"}, None, "[]", [1, 2], [{"content": "no id"}],
])
def test_mastodon_statuses_not_a_list_cannot_tell(statuses: Any) -> None:
    with pytest.raises(CannotTell, match="cannot tell"):
        mastodon(statuses).read_back(sample_post(), SINCE)


def test_mastodon_an_empty_list_of_statuses_is_provably_missing() -> None:
    assert mastodon([]).read_back(sample_post(), SINCE) is None


def matrix(page: Any) -> MatrixChannel:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/account/whoami"):
            return httpx.Response(200, json={"user_id": "@stadt:bautzen.de"})
        return httpx.Response(200, json=page)

    ctx = ChannelContext(env={"CITYCHAN_MATRIX_TOKEN": "syt_token"},
                         http=httpx.Client(transport=httpx.MockTransport(handler)))
    return MatrixChannel.from_config(
        "matrix", {"base_url": "https://matrix.example", "room_id": "!r:bautzen.de"}, ctx)


@pytest.mark.parametrize("page", [
    {}, [], {"chunk": {}}, {"chunk": [{"type": "m.room.message"}]}, {"chunk": ["x"]},
])
def test_matrix_messages_answer_without_its_events_cannot_tell(page: Any) -> None:
    with pytest.raises(CannotTell, match="cannot tell"):
        matrix(page).read_back(sample_post(Dialect.MATRIX), SINCE)


def test_matrix_the_start_of_the_room_is_provably_missing() -> None:
    assert matrix({"chunk": [], "start": "s1"}).read_back(
        sample_post(Dialect.MATRIX), SINCE) is None


@pytest.mark.parametrize("items", [{"messages": []}, [1, 2], [{"message": "text"}]])
def test_waha_channel_messages_not_a_list_of_messages_cannot_tell(items: Any) -> None:
    ctx = ChannelContext(env={}, http=httpx.Client(transport=httpx.MockTransport(
        lambda request: httpx.Response(200, json=items))))
    channel = WhatsAppChannel.from_config("whatsapp", {
        "provider": "waha", "base_url": "http://127.0.0.1:3000",
        "channel_id": "120363012345678901@newsletter"}, ctx)
    with pytest.raises(CannotTell):
        channel.read_back(sample_post(Dialect.WHATSAPP), SINCE)


GARBLED_PLUGIN = """
from citychan.channels.base import CannotTell, Capabilities, ChannelError, Dialect, Option

CALLS = []

class GarbledChannel:
    type_name = "garbled"
    capabilities = Capabilities(dialect=Dialect.PLAIN)
    options = {}

    def __init__(self, name):
        self.name = name

    @classmethod
    def from_config(cls, name, options, ctx):
        return cls(name)

    def send(self, post):
        CALLS.append(post)
        raise ChannelError("no answer after sending", outcome_known=False)

    def read_back(self, post, since):
        raise CannotTell("garbled: statuses answer is not a list; cannot tell")
"""


def test_a_malformed_read_back_answer_asks_a_person_and_is_never_resent_as_missing(
        isolated: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    install_plugin(tmp_path / "site", monkeypatch, dist="citychan-garbled", module="garbled",
                   source=GARBLED_PLUGIN, entry_points="garbled = garbled:GarbledChannel")
    try:
        import garbled  # type: ignore[import-not-found]

        write_config(isolated / "citychan.toml", channels={"social": {"type": "garbled"}})
        write(isolated / "n.md", NOTICE)
        assert cli("post", "n.md", "--yes").code == 4
        garbled.CALLS.clear()
        run = cli("retry", "--output", "json")  # nobody at a terminal to ask
        monkeypatch.setattr("citychan.cli.common.is_interactive", lambda: True)
        declined = cli("retry", input="n\n")  # a person is asked, and says no
    finally:
        sys.modules.pop("garbled", None)
    (row,) = json.loads(run.stdout)["result"]["deliveries"]
    assert (row["action"], row["new_status"]) == ("left", "unknown")
    assert row["detail"] == "cannot be read back; not resent"
    assert "cannot tell whether it arrived" in declined.stderr
    assert "Send it again?" in declined.stderr
    assert garbled.CALLS == [] and run.code == 4 and declined.code == 4
