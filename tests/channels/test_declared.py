"""Capabilities are data known before a client exists: check, preview and the planner read
them from the channel type, and a built client takes exactly what its type declared."""

from __future__ import annotations

import httpx
import pytest

from citychan.channels.base import Capabilities, ChannelContext, Dialect, declared
from citychan.channels.registry import BUILTINS, load_type

OPTIONS = {
    "outbox": {"path": "out", "dialect": "telegram"},
    "feed": {"path": "feed", "title": "Bautzen", "public_url": "https://www.bautzen.de/"},
    "whatsapp": {"provider": "waha", "base_url": "http://127.0.0.1:1", "session": "default",
                 "channel_id": "1203630@newsletter", "token_env": "T"},
    "telegram": {"chat_id": "@bautzen", "token_env": "T"},
    "mastodon": {"base_url": "http://127.0.0.1:1", "token_env": "T"},
    "matrix": {"base_url": "http://127.0.0.1:1", "room_id": "!r:localhost", "token_env": "T"},
    "ntfy": {"base_url": "http://127.0.0.1:1", "topic": "bautzen"},
    "email": {"host": "127.0.0.1", "port": 25, "security": "none", "from": "a@bautzen.de",
              "to": "b@bautzen.de"},
    "signal": {"base_url": "http://127.0.0.1:1", "number": "+4935910", "recipients": ["+4935911"]},
    "webhook": {"url": "http://127.0.0.1:1/hook", "secret_env": "T"},
}


@pytest.mark.parametrize("type_name", sorted(BUILTINS))
def test_every_builtin_declares_what_its_clients_take(type_name, tmp_path):
    cls = load_type(type_name)
    caps = declared(cls, OPTIONS[type_name])
    assert isinstance(caps, Capabilities)
    refuse = httpx.MockTransport(lambda request: httpx.Response(599))  # never reached
    with httpx.Client(transport=refuse) as http:
        ctx = ChannelContext(env={"T": "secret-token-value"}, http=http, base_dir=tmp_path)
        client = cls.from_config(type_name, OPTIONS[type_name], ctx)
        if type_name == "mastodon":  # the instance refines only the limit, read when sending
            assert caps.max_length == 500 and caps.url_length == 23
        else:
            assert client.capabilities == caps
    assert caps.network is (type_name not in ("outbox", "feed"))


def test_an_option_dependent_type_declares_from_its_options():
    outbox = load_type("outbox")
    assert declared(outbox, {"dialect": "ntfy"}).dialect == Dialect.NTFY
    assert declared(outbox, {"dialect": "ntfy"}).title_field
    assert declared(outbox, {}).dialect == Dialect.WHATSAPP


def test_a_plugin_that_declares_only_on_its_instances_is_not_guessed():
    class InstanceOnly:
        def __init__(self) -> None:
            self.capabilities = Capabilities(dialect=Dialect.PLAIN)

    assert declared(InstanceOnly, {}) is None
