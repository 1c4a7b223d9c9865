"""WhatsApp Channel via WAHA, Whapi.Cloud and Evolution API: exact request shapes, message ids,
the empty-2xx trap, WAHA pre-flight and read back."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import httpx
import pytest

from citychan.channels.base import ChannelConfigError, ChannelContext, ChannelError, Dialect
from citychan.channels.whatsapp import WhatsAppChannel, message_id_of
from citychan.testing import sample_post

CHANNEL = "120363012345678901@newsletter"
KEY = "gateway-api-key-42"
TEXT = "*Straßensperrung* Löbauer Straße"


def make(handler, provider="waha", **options) -> WhatsAppChannel:
    ctx = ChannelContext(
        env={"WA_KEY": KEY}, http=httpx.Client(transport=httpx.MockTransport(handler))
    )
    base = {
        "provider": provider,
        "base_url": "https://wa.bautzen.de",
        "channel_id": CHANNEL,
        "token_env": "WA_KEY",
    }
    return WhatsAppChannel.from_config("whatsapp", {**base, **options}, ctx)


def capture(seen, body=None, status=201):
    def handler(request):
        seen.append(request)
        return httpx.Response(status, json=body if body is not None else {"id": "wamid.1"})

    return handler


def post(**kw):
    return sample_post(Dialect.WHATSAPP, text=TEXT, **kw)


@pytest.mark.parametrize(
    ("provider", "options", "url", "auth", "body"),
    [
        (
            "waha",
            {"session": "stadt"},
            "https://wa.bautzen.de/api/sendText",
            ("x-api-key", KEY),
            {"session": "stadt", "chatId": CHANNEL, "text": TEXT},
        ),
        (
            "whapi",
            {},
            "https://wa.bautzen.de/messages/text",
            ("authorization", f"Bearer {KEY}"),
            {"to": CHANNEL, "body": TEXT},
        ),
        (
            "evolution",
            {"instance": "bautzen"},
            "https://wa.bautzen.de/message/sendText/bautzen",
            ("apikey", KEY),
            {"number": CHANNEL, "text": TEXT},
        ),
    ],
)
def test_text_request_shape_per_provider(provider, options, url, auth, body):
    seen: list[httpx.Request] = []
    receipt = make(capture(seen), provider, **options).send(post())
    (req,) = seen
    assert (req.method, str(req.url)) == ("POST", url)
    assert req.headers[auth[0]] == auth[1]
    assert json.loads(req.content) == body
    assert receipt.remote_id == "wamid.1"


def test_waha_session_defaults_to_default():
    seen: list[httpx.Request] = []
    make(capture(seen)).send(post())
    assert json.loads(seen[0].content)["session"] == "default"


def test_waha_image_uses_send_image_with_caption(tmp_path):
    image = tmp_path / "sperrung.jpg"
    image.write_bytes(b"\xff\xd8JPEG")
    seen: list[httpx.Request] = []
    make(capture(seen)).send(post(image=image))
    req = seen[0]
    assert str(req.url) == "https://wa.bautzen.de/api/sendImage"
    body = json.loads(req.content)
    assert body["session"] == "default" and body["chatId"] == CHANNEL
    assert body["caption"] == TEXT
    assert body["file"]["mimetype"] == "image/jpeg"
    assert body["file"]["filename"] == "sperrung.jpg"
    assert base64.b64decode(body["file"]["data"]) == b"\xff\xd8JPEG"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"key": {"id": "3EB0A1"}}, "3EB0A1"),
        ({"id": {"_serialized": "true_1@newsletter_3EB0"}}, "true_1@newsletter_3EB0"),
        ({"id": "wamid.XYZ"}, "wamid.XYZ"),
        ({"sent": True, "message": {"id": "PsqX.1"}}, "PsqX.1"),
        ({}, None),
        ({"id": ""}, None),
        ([], None),
    ],
)
def test_message_id_of(body, expected):
    assert message_id_of(body) == expected


@pytest.mark.parametrize("response", [httpx.Response(200), httpx.Response(201, json={"ok": 1})])
def test_2xx_without_message_id_is_unknown(response):
    with pytest.raises(ChannelError) as info:
        make(lambda r: response).send(post())
    assert (info.value.retryable, info.value.outcome_known) == (False, False)
    assert "without a message id" in info.value.message


@pytest.mark.parametrize(
    ("status", "flags"),
    [(500, (False, False)), (503, (False, False)), (429, (True, True)), (401, (False, True))],
)
def test_error_mapping(status, flags):
    channel = make(lambda r: httpx.Response(status, json={"message": f"bad key {KEY}"}))
    with pytest.raises(ChannelError) as info:
        channel.send(post())
    assert (info.value.retryable, info.value.outcome_known) == flags
    assert KEY not in str(info.value) and "bad key ***" in info.value.message


def test_read_timeout_is_unknown():
    def handler(request):
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(ChannelError) as info:
        make(handler).send(post())
    assert (info.value.retryable, info.value.outcome_known) == (False, False)


def waha_api(session_status="WORKING", owner=(), admin=(), messages=()):
    seen: list[str] = []

    def handler(request):
        seen.append(str(request.url))
        path = request.url.path
        if path == "/api/sessions/default":
            return httpx.Response(200, json={"name": "default", "status": session_status})
        if path == "/api/default/channels":
            ids = owner if request.url.params["role"] == "OWNER" else admin
            return httpx.Response(200, json=[{"id": i, "name": "Bautzen"} for i in ids])
        if path == f"/api/default/channels/{CHANNEL}/messages/preview":
            return httpx.Response(200, json=list(messages))
        return httpx.Response(404)

    return handler, seen


def test_preflight_ok_when_working_and_owner():
    handler, seen = waha_api(owner=[CHANNEL])
    assert make(handler).preflight() == []
    assert seen == [
        "https://wa.bautzen.de/api/sessions/default",
        "https://wa.bautzen.de/api/default/channels?role=OWNER",
    ]


def test_preflight_ok_when_admin():
    handler, seen = waha_api(owner=["1@newsletter"], admin=[CHANNEL])
    assert make(handler).preflight() == []
    assert seen[-1].endswith("role=ADMIN")


def test_preflight_problems():
    handler, _ = waha_api(session_status="SCAN_QR_CODE")
    assert make(handler).preflight() == ["WAHA session 'default' is SCAN_QR_CODE, not WORKING"]
    handler, _ = waha_api(owner=["1@newsletter"])
    (problem,) = make(handler).preflight()
    assert CHANNEL in problem and "owns or admins" in problem


def test_preflight_evolution_connection_state():
    def handler(request):
        assert request.url.path == "/instance/connectionState/bautzen"
        return httpx.Response(200, json={"instance": {"instanceName": "bautzen", "state": "close"}})

    channel = make(handler, "evolution", instance="bautzen")
    assert channel.preflight() == ["instance 'bautzen' is close, not open"]


SINCE = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
AFTER = int(SINCE.timestamp()) + 60


def test_read_back_finds_the_post_in_channel_messages():
    mine = {"message": {"id": "true_1@newsletter_AB", "timestamp": AFTER, "body": TEXT + "\n"}}
    other = {"message": {"id": "x", "timestamp": AFTER, "body": "Etwas anderes"}}
    handler, seen = waha_api(messages=[other, mine])
    receipt = make(handler).read_back(post(), SINCE)
    assert receipt is not None and receipt.remote_id == "true_1@newsletter_AB"
    assert "limit=50" in seen[0] and "downloadMedia=false" in seen[0]


def test_read_back_missing_when_only_older_copies():
    old = {"id": "old", "timestamp": AFTER - 3600, "body": TEXT}
    handler, _ = waha_api(messages=[old])
    assert make(handler).read_back(post(), SINCE) is None


def test_read_back_not_possible_for_whapi():
    with pytest.raises(NotImplementedError):
        make(capture([]), "whapi").read_back(post(), SINCE)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"provider": "meta"}, "provider must be one of waha, whapi, evolution"),
        ({"channel_id": "4935912345@c.us"}, "@newsletter"),
        ({"provider": "evolution"}, "needs 'instance'"),
        ({"base_url": "http://wa.example.org"}, "https://"),
        ({"provider": "whapi", "token_env": None}, "needs 'token_env'"),
    ],
)
def test_config_errors(options, message):
    base = {
        "provider": "waha",
        "base_url": "https://wa.bautzen.de",
        "channel_id": CHANNEL,
        "token_env": "WA_KEY",
    }
    with pytest.raises(ChannelConfigError, match=message):
        WhatsAppChannel.from_config(
            "whatsapp", {**base, **options}, ChannelContext(env={"WA_KEY": KEY})
        )


def test_waha_without_api_key_on_loopback_sends_no_key_header():
    seen: list[httpx.Request] = []
    ctx = ChannelContext(env={}, http=httpx.Client(transport=httpx.MockTransport(capture(seen))))
    channel = WhatsAppChannel.from_config(
        "whatsapp",
        {"provider": "waha", "base_url": "http://127.0.0.1:3000", "channel_id": CHANNEL},
        ctx,
    )
    channel.send(post())
    assert "x-api-key" not in seen[0].headers
    assert KEY not in repr(make(capture([])))
