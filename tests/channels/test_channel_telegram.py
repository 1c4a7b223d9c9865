"""Telegram: request shapes, receipts, pre-flight, error mapping, and the token never shown."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from citychan.channels.base import (
    ChannelConfigError,
    ChannelContext,
    ChannelError,
    Dialect,
    Kind,
)
from citychan.channels.telegram import TelegramChannel
from citychan.testing import sample_post

TOKEN = "123456:AAH-secret-bot-token"
ENV = {"TG_TOKEN": TOKEN}
SENT = {"ok": True, "result": {"message_id": 77, "chat": {"id": -1001, "type": "channel"}}}


def make(handler, chat_id="@bautzen_info", **options) -> TelegramChannel:
    http = httpx.Client(transport=httpx.MockTransport(handler))
    ctx = ChannelContext(env=ENV, http=http)
    return TelegramChannel.from_config(
        "telegram", {"chat_id": chat_id, "token_env": "TG_TOKEN", **options}, ctx
    )


def recording(response: httpx.Response | dict, seen: list[httpx.Request]):
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return (
            response if isinstance(response, httpx.Response) else httpx.Response(200, json=response)
        )

    return handler


def post(**kw):
    return sample_post(Dialect.TELEGRAM, text="<b>Sperrung</b> Löbauer Straße", **kw)


def test_send_message_request_shape_for_an_info_post():
    seen: list[httpx.Request] = []
    receipt = make(recording(SENT, seen)).send(post())
    (req,) = seen
    assert req.method == "POST"
    assert str(req.url) == f"https://api.telegram.org/bot{TOKEN}/sendMessage"
    assert json.loads(req.content) == {
        "chat_id": "@bautzen_info",
        "text": "<b>Sperrung</b> Löbauer Straße",
        "parse_mode": "HTML",
        "disable_notification": True,
        "link_preview_options": {
            "is_disabled": False,
            "url": "https://www.bautzen.de/aktuelles/sperrung",
        },
    }
    assert receipt.remote_id == "77"
    assert receipt.url == "https://t.me/bautzen_info/77"


def test_a_warning_rings_and_a_post_without_link_has_no_preview():
    seen: list[httpx.Request] = []
    make(recording(SENT, seen)).send(post(kind=Kind.WARNING, link=None))
    body = json.loads(seen[0].content)
    assert body["disable_notification"] is False
    assert body["link_preview_options"] == {"is_disabled": True}


def test_numeric_chat_has_no_public_url_and_custom_api_url():
    seen: list[httpx.Request] = []
    receipt = make(
        recording(SENT, seen), chat_id=-1001234567890, api_url="http://127.0.0.1:8081"
    ).send(post())
    assert str(seen[0].url) == f"http://127.0.0.1:8081/bot{TOKEN}/sendMessage"
    assert json.loads(seen[0].content)["chat_id"] == "-1001234567890"
    assert receipt == type(receipt)(remote_id="77", url=None)


def test_image_post_uses_send_photo_with_caption(tmp_path):
    image = tmp_path / "karte.png"
    image.write_bytes(b"\x89PNG fake")
    seen: list[httpx.Request] = []
    make(recording(SENT, seen)).send(post(image=image))
    req = seen[0]
    assert req.url.path == f"/bot{TOKEN}/sendPhoto"
    content = req.content
    assert b'name="caption"' in content and "Löbauer".encode() in content
    assert b'name="photo"; filename="karte.png"' in content and b"\x89PNG fake" in content
    assert b'name="parse_mode"\r\n\r\nHTML' in content


def test_429_carries_retry_after_from_parameters():
    answer = httpx.Response(
        429,
        json={
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 5",
            "parameters": {"retry_after": 5},
        },
    )
    with pytest.raises(ChannelError) as info:
        make(recording(answer, [])).send(post())
    err = info.value
    assert (err.retryable, err.outcome_known, err.retry_after, err.status) == (True, True, 5, 429)


def test_400_is_a_known_failure_with_telegrams_description():
    answer = httpx.Response(
        400, json={"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
    )
    with pytest.raises(ChannelError) as info:
        make(recording(answer, [])).send(post())
    assert info.value.message == "Telegram: HTTP 400: Bad Request: chat not found"
    assert (info.value.retryable, info.value.outcome_known) == (False, True)


def test_500_is_unknown_never_retryable():
    answer = httpx.Response(502, text="Bad Gateway")
    with pytest.raises(ChannelError) as info:
        make(recording(answer, [])).send(post())
    assert (info.value.retryable, info.value.outcome_known) == (False, False)


def test_401_never_shows_the_token_anywhere():
    def handler(request):
        return httpx.Response(401, json={"ok": False, "description": f"Unauthorized {TOKEN}"})

    channel = make(handler)
    with pytest.raises(ChannelError) as info:
        channel.send(post())
    err = info.value
    for text in (str(err), repr(err), err.message, repr(channel), str(channel)):
        assert TOKEN not in text
    assert err.message.startswith("Telegram: HTTP 401: Unauthorized")
    assert err.__cause__ is None and err.__context__ is None


@pytest.mark.parametrize("exc", [httpx.ConnectError, httpx.ReadTimeout, httpx.RemoteProtocolError])
def test_transport_errors_never_show_the_token(exc, caplog):
    def handler(request):
        raise exc(f"failed {request.url}", request=request)

    channel = make(handler)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ChannelError) as info:
        channel.send(post())
    err = info.value
    assert TOKEN not in str(err) and TOKEN not in repr(err)
    assert "api.telegram.org" in err.message
    assert err.__cause__ is None and err.__suppress_context__  # no httpx text in tracebacks
    assert TOKEN not in caplog.text
    if exc is httpx.ConnectError:
        assert (err.retryable, err.outcome_known) == (True, True)
    else:
        assert (err.retryable, err.outcome_known) == (False, False)


def test_httpx_request_log_line_is_redacted(caplog):
    caplog.set_level(logging.INFO, logger="httpx")
    make(recording(SENT, [])).send(post())
    assert "sendMessage" in caplog.text  # the line is there ...
    assert TOKEN not in caplog.text  # ... without the token


def test_preflight_ok_and_problems():
    chat = {"ok": True, "result": {"id": -1001, "type": "channel", "title": "Bautzen"}}
    seen: list[httpx.Request] = []
    assert make(recording(chat, seen)).preflight() == []
    assert seen[0].url.path == f"/bot{TOKEN}/getChat"
    assert json.loads(seen[0].content) == {"chat_id": "@bautzen_info"}
    missing = httpx.Response(400, json={"ok": False, "description": "Bad Request: chat not found"})
    problems = make(recording(missing, [])).preflight()
    assert problems == [
        "getChat for @bautzen_info failed: Telegram: HTTP 400: Bad Request: chat not found"
    ]
    private = {"ok": True, "result": {"id": 5, "type": "private"}}
    assert make(recording(private, [])).preflight() == [
        "@bautzen_info is a private chat, not a channel"
    ]


def test_capabilities():
    caps = make(recording(SENT, [])).capabilities
    assert (caps.dialect, caps.max_length, caps.caption_max, caps.per_minute) == (
        Dialect.TELEGRAM,
        4096,
        1024,
        20,
    )


@pytest.mark.parametrize(
    ("options", "env", "message"),
    [
        ({"chat_id": "bautzen"}, ENV, "chat_id must be '@channelname'"),
        (
            {"chat_id": "@bautzen_info", "api_url": "http://api.example.org"},
            ENV,
            "api_url must be an https:// URL",
        ),
        ({"chat_id": "@bautzen_info"}, {}, "No secret: set TG_TOKEN"),
    ],
)
def test_config_errors(options, env, message):
    ctx = ChannelContext(env=env)
    with pytest.raises(ChannelConfigError, match=message):
        TelegramChannel.from_config("telegram", {"token_env": "TG_TOKEN", **options}, ctx)
