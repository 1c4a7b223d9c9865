"""Every built-in HTTP channel passes the contract suite plugin authors run; and the suite
itself catches the mistakes it exists to catch."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from citychan.channels.base import Capabilities, ChannelContext, ChannelError, Dialect, Receipt
from citychan.channels.mastodon import MastodonChannel
from citychan.channels.ntfy import NtfyChannel
from citychan.channels.signal import SignalChannel
from citychan.channels.telegram import TelegramChannel
from citychan.channels.webhook import WebhookChannel
from citychan.channels.whatsapp import WhatsAppChannel
from citychan.testing import ContractError, check_channel, sample_post

SECRET = "contract-secret-value-123"
ENV = {"SECRET": SECRET}


def answer(body: Any, status: int = 200):
    return lambda request: httpx.Response(status, json=body)


WA = {
    "base_url": "https://wa.example.org",
    "channel_id": "120363000000000001@newsletter",
    "token_env": "SECRET",
}
CASES = {
    "whatsapp-waha": (
        WhatsAppChannel,
        {"provider": "waha", **WA},
        answer({"id": {"_serialized": "true_x"}}, 201),
    ),
    "whatsapp-whapi": (
        WhatsAppChannel,
        {"provider": "whapi", **WA},
        answer({"sent": True, "message": {"id": "m1"}}),
    ),
    "whatsapp-evolution": (
        WhatsAppChannel,
        {"provider": "evolution", "instance": "i", **WA},
        # Evolution's GET / tells its version (channels need 2.4, see tests/support/gateways)
        lambda r: (httpx.Response(200, json={"version": "2.4.0"}) if r.url.path == "/"
                   else httpx.Response(201, json={"key": {"id": "k1"}})),
    ),
    "telegram": (
        TelegramChannel,
        {"chat_id": "@bautzen", "token_env": "SECRET"},
        answer({"ok": True, "result": {"message_id": 5}}),
    ),
    "mastodon": (
        MastodonChannel,
        {"base_url": "https://social.example", "token_env": "SECRET"},
        answer({"id": "9", "url": "https://social.example/@s/9"}),
    ),
    "ntfy": (
        NtfyChannel,
        {"base_url": "https://ntfy.example", "topic": "t", "token_env": "SECRET"},
        answer({"id": "n1"}),
    ),
    "signal": (
        SignalChannel,
        {
            "base_url": "https://signal.example",
            "number": "+4935915340",
            "recipients": ["+4915100000000"],
        },
        answer({"timestamp": "1"}, 201),
    ),
    "webhook": (
        WebhookChannel,
        {"url": "https://hook.example/x", "secret_env": "SECRET"},
        answer(None, 204),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_builtin_channel_passes_the_contract(case):
    cls, options, ok = CASES[case]
    receipt = check_channel(
        lambda ctx: cls.from_config(case, options, ctx), ok=ok, env=ENV, secrets=[SECRET]
    )
    assert isinstance(receipt, Receipt)
    assert cls.type_name == case.split("-")[0]


# --- the suite finds broken channels -----------------------------------------------------------


class Sloppy:
    """A plugin written the apprise way: returns bools, lets httpx errors escape, leaks."""

    def __init__(self, ctx: ChannelContext) -> None:
        self.name = "sloppy"
        self.capabilities = Capabilities(dialect=Dialect.PLAIN)
        self.http = ctx.http
        self.token = ctx.env["SECRET"]

    def __repr__(self) -> str:
        return f"Sloppy(token={self.token})"

    def send(self, post):
        response = self.http.post(f"https://api.example/{self.token}", json={"t": "x"})
        if response.status_code >= 500:
            raise ChannelError(f"HTTP {response.status_code} for {self.token}")
        return response.is_success


def test_the_suite_reports_every_broken_promise():
    with pytest.raises(ContractError) as info:
        check_channel(Sloppy, ok=answer({}), env=ENV, secrets=[SECRET])
    problems = "\n".join(info.value.problems)
    assert "send returned bool, not a Receipt" in problems
    assert "HTTP 500: retryable=False, outcome_known=True is wrong" in problems
    assert "HTTP 500: str(error) shows a secret" in problems
    assert "connection refused: raised ConnectError, not ChannelError" in problems
    assert "HTTP 400: send returned False instead of raising ChannelError" in problems
    assert "repr(channel) shows a secret" in problems
    assert "vars(channel) as text shows a secret" in problems
    assert "sloppy" in str(info.value)


def test_a_channel_without_http_runs_with_faults_off():
    class Quiet:
        name = "quiet"
        capabilities = Capabilities(dialect=Dialect.PLAIN, network=False)

        def send(self, post):
            return Receipt(remote_id=post.message_id)

    receipt = check_channel(lambda ctx: Quiet(), ok=None, faults=False)
    assert receipt.remote_id == sample_post().message_id


def test_a_factory_that_fails_is_reported():
    def factory(ctx):
        raise RuntimeError("no config")

    with pytest.raises(ContractError, match="factory failed: RuntimeError: no config"):
        check_channel(factory, ok=None)


def test_missing_protocol_parts_are_reported():
    class NoCaps:
        name = ""

        def send(self, post):
            return Receipt()

    with pytest.raises(ContractError) as info:
        check_channel(lambda ctx: NoCaps(), ok=None, faults=False)
    assert set(info.value.problems) >= {
        "does not satisfy the Channel protocol (name, capabilities, send)",
        "name must be a non-empty string",
        "capabilities must be a citychan Capabilities",
    }


def test_importing_the_channels_does_not_import_httpx():
    # `citychan --help` and `check` must not pay for httpx (CONTRIBUTING.md, "Benchmarks")
    import subprocess
    import sys

    modules = [f"citychan.channels.{m}" for m in CHANNEL_MODULES]
    modules += ["citychan.delivery.retry", "citychan.testing"]
    code = f"import sys, {', '.join(modules)}; print('httpx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


CHANNEL_MODULES = ("whatsapp", "telegram", "mastodon", "ntfy", "signal", "webhook", "http")


def test_unknown_after_a_400_passes_only_for_a_channel_that_declares_ambiguous_4xx():
    class Undeclared(SignalChannel):
        ambiguous_4xx = False

    options = CASES["signal"][1]

    def factory(ctx):
        return Undeclared.from_config("signal", options, ctx)

    with pytest.raises(ContractError) as info:
        check_channel(factory, ok=answer({"timestamp": "1"}, 201))
    assert info.value.problems == [
        "HTTP 400: retryable=False, outcome_known=False is wrong (allowed: [(False, True)])"
    ]
