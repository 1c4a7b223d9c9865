"""open_channels builds the channels of one command around one HTTP client, and whoever
opens them closes that client: after a post, after a failed start, never one it was given."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from citychan.config import parse_config
from citychan.delivery.clients import open_channels
from citychan.errors import ConfigError

TELEGRAM = {"type": "telegram", "chat_id": "@stadt_bautzen", "token_env": "TG"}
MATRIX = {"type": "matrix", "base_url": "https://matrix.bautzen.de", "room_id": "!r:bautzen.de",
          "token_env": "MX"}
ENV = {"TG": "123:secret", "MX": "syt_secret"}


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[httpx.Client]:
    clients: list[httpx.Client] = []

    def client(*_: Any) -> httpx.Client:
        clients.append(httpx.Client(transport=httpx.MockTransport(
            lambda request: httpx.Response(500))))
        return clients[-1]

    monkeypatch.setattr("citychan.delivery.clients.make_client", client)
    return clients


def test_the_channels_share_one_client_closed_with_them(made: list[httpx.Client]) -> None:
    config = parse_config({"version": 1, "channels": {"tg": TELEGRAM, "mx": MATRIX}})
    with open_channels(config, list(config.channels.values()), offline=False,
                       env=ENV) as channels:
        assert set(channels) == {"tg", "mx"}
        assert len(made) == 1 and not made[0].is_closed
    assert made[0].is_closed


def test_outbox_and_feed_need_no_client(made: list[httpx.Client]) -> None:
    config = parse_config({"version": 1, "channels": {"o": {"type": "outbox"},
                                                      "f": {"type": "feed"}}})
    with open_channels(config, list(config.channels.values()), offline=False,
                       env={}) as channels:
        assert set(channels) == {"o", "f"}
    assert made == []  # a post to them alone never loads httpx's connection pool


def test_a_channel_that_cannot_start_closes_the_client_already_made(
        made: list[httpx.Client]) -> None:
    bad = {**MATRIX, "room_id": "bautzen"}  # not a room id: the table is refused
    config = parse_config({"version": 1, "channels": {"tg": TELEGRAM, "mx": bad}})
    with pytest.raises(ConfigError, match="room_id must be a room id"):
        open_channels(config, list(config.channels.values()), offline=False, env=ENV)
    assert len(made) == 1 and made[0].is_closed


def test_a_client_given_to_it_stays_open(made: list[httpx.Client]) -> None:
    config = parse_config({"version": 1, "channels": {"tg": TELEGRAM}})
    with httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(500))) as given:
        with open_channels(config, list(config.channels.values()), offline=False, env=ENV,
                           http=given):
            pass
        assert not given.is_closed and made == []  # its owner closes it
