"""WhatsApp Channel via WAHA, Whapi.Cloud and Evolution API: exact request shapes, message ids,
the empty-2xx trap, pre-flight and read back, and each gateway's version differences (the
fakes in tests/support/gateways.py name their upstream sources)."""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, datetime

import httpx
import pytest
from PIL import Image as PilImage

from citychan.channels.base import ChannelConfigError, ChannelContext, ChannelError, Dialect
from citychan.channels.whatsapp import WhatsAppChannel, message_id_of
from citychan.testing import sample_post
from tests.support.cli import cli
from tests.support.e2e import ApiServer
from tests.support.fault_server import Ok
from tests.support.files import NOTICE, write
from tests.support.gateways import EvolutionFake, WahaFake, WhapiFake
from tests.support.openapi import WAHA, validate
from tests.support.pictures import (
    BLUE,
    ORIENTATION,
    WHITE,
    decoded,
    png_with_alpha,
    sideways_photo,
)

CHANNEL = "120363012345678901@newsletter"
KEY = "gateway-api-key-42"
TEXT = "*Straßensperrung* Löbauer Straße"


def make(handler, provider="waha", **options) -> WhatsAppChannel:
    """The channel against ``handler``; every request to a WAHA is checked against WAHA's
    OpenAPI document first (tests/support/openapi.py)."""

    def checked(request: httpx.Request) -> httpx.Response:
        if provider == "waha":
            validate(WAHA, request)
        return handler(request)

    ctx = ChannelContext(
        env={"WA_KEY": KEY}, http=httpx.Client(transport=httpx.MockTransport(checked))
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
        if request.url.path == "/":  # Evolution's version (a 2.4 server, see EvolutionFake)
            return httpx.Response(200, json={"version": "2.4.0"})
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
    (req,) = [r for r in seen if r.method == "POST"]
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
    PilImage.new("RGB", (640, 480), (200, 30, 30)).save(image, "JPEG")
    seen: list[httpx.Request] = []
    make(capture(seen)).send(post(image=image))
    req = seen[0]
    assert str(req.url) == "https://wa.bautzen.de/api/sendImage"
    body = json.loads(req.content)
    assert body["session"] == "default" and body["chatId"] == CHANNEL
    assert body["caption"] == TEXT
    assert body["file"]["mimetype"] == "image/jpeg"
    assert body["file"]["filename"] == "sperrung.jpg"
    with PilImage.open(io.BytesIO(base64.b64decode(body["file"]["data"]))) as got:
        assert (got.format, got.size) == ("JPEG", (640, 480))
        assert got.getpixel((320, 240)) == pytest.approx((200, 30, 30), abs=3)


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
        if path == f"/api/default/chats/{CHANNEL}/messages":
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
        if request.url.path == "/":
            return httpx.Response(200, json={"version": "2.4.1"})
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


def test_read_back_not_possible_for_evolution():
    with pytest.raises(NotImplementedError):
        make(EvolutionFake(), "evolution", instance="bautzen").read_back(post(), SINCE)


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


# --- Evolution API: 2.3 cannot post to a channel, 2.4 needs its licence -----------------------


def evolution(fake: EvolutionFake) -> WhatsAppChannel:
    return make(fake, "evolution", instance="bautzen")


def test_evolution_2_3_refuses_a_channel_post_before_sending():
    fake = EvolutionFake(version="2.3.7")
    with pytest.raises(ChannelError) as info:
        evolution(fake).send(post())
    assert (info.value.retryable, info.value.outcome_known) == (False, True)
    assert info.value.message == (
        "Evolution API 2.3.7 cannot post to a WhatsApp Channel; upgrade the server to 2.4.0 "
        "or later; nothing was sent"
    )
    assert fake.writes == [] and [r.url.path for r in fake.seen] == ["/"]


def test_evolution_2_3_preflight_says_so_in_one_line():
    fake = EvolutionFake(version="2.3.7")
    assert evolution(fake).preflight() == [
        "Evolution API 2.3.7 cannot post to a WhatsApp Channel; upgrade the server to 2.4.0 "
        "or later"
    ]


def test_evolution_2_3_would_send_the_channel_id_to_a_group():
    """What the check above prevents: createJid on 2.3.x makes the id a group id."""
    fake = EvolutionFake(version="2.3.7")
    answer = fake(httpx.Request("POST", "https://wa.bautzen.de/message/sendText/bautzen",
                                json={"number": CHANNEL, "text": TEXT}))
    assert answer.status_code == 400
    assert answer.json()["response"]["message"][0]["jid"] == "120363012345678901@g.us"


def test_evolution_without_a_version_is_refused():
    def handler(request):
        return httpx.Response(200, json={"status": 200, "message": "ok"})

    (problem,) = make(handler, "evolution", instance="bautzen").preflight()
    assert "did not tell its version" in problem and "2.4.0" in problem


def test_evolution_2_4_activated_posts_to_the_channel_and_asks_the_version_once():
    fake = EvolutionFake(version="2.4.2")
    channel = evolution(fake)
    assert channel.send(post()).remote_id == "3EB0C0FFEE1234"
    assert channel.send(post()).remote_id == "3EB0C0FFEE1234"
    assert [r.url.path for r in fake.seen] == [
        "/", "/message/sendText/bautzen", "/message/sendText/bautzen"]
    assert json.loads(fake.writes[0].content)["number"] == CHANNEL


def test_evolution_2_4_preflight_ok_when_activated_and_open():
    assert evolution(EvolutionFake(version="2.4.0")).preflight() == []


def test_evolution_2_4_not_activated_is_failed_with_hint_not_unknown():
    fake = EvolutionFake(version="2.4.0", activated=False)
    with pytest.raises(ChannelError) as info:
        evolution(fake).send(post())
    assert (info.value.retryable, info.value.outcome_known) == (False, True)
    assert info.value.status == 503
    assert "HTTP 503: service not activated; nothing was sent" in info.value.message
    assert "Activate the Evolution API licence" in info.value.message


def test_evolution_2_4_not_activated_preflight_names_the_licence():
    with pytest.raises(ChannelError) as info:
        evolution(EvolutionFake(version="2.4.0", activated=False)).preflight()
    assert "service not activated" in info.value.message and "licence" in info.value.message


def test_evolution_error_text_comes_from_response_message():
    def handler(request):
        if request.url.path == "/":
            return httpx.Response(200, json={"version": "2.4.0"})
        return EvolutionFake.error(400, "Bad Request", ["Text is required", "number invalid"])

    with pytest.raises(ChannelError) as info:
        make(handler, "evolution", instance="bautzen").send(post())
    assert info.value.message == "Evolution API: HTTP 400: Text is required; number invalid"
    assert "Bad Request" not in info.value.message


# --- Whapi.Cloud ------------------------------------------------------------------------------


def test_whapi_preflight_asks_health_without_waking_the_channel():
    fake = WhapiFake(health="AUTH")
    assert make(fake, "whapi").preflight() == []
    (req,) = fake.seen
    assert (req.url.path, dict(req.url.params)) == ("/health", {"wakeup": "false"})


@pytest.mark.parametrize("state", ["QR", "LAUNCH", "ERROR"])
def test_whapi_preflight_problem_unless_auth(state):
    (problem,) = make(WhapiFake(health=state), "whapi").preflight()
    assert problem.startswith(f"Whapi channel is {state}, not AUTH")


def test_whapi_sent_false_is_unknown_not_sent():
    fake = WhapiFake(sent=False)
    with pytest.raises(ChannelError) as info:
        make(fake, "whapi").send(post())
    assert (info.value.retryable, info.value.outcome_known) == (False, False)
    assert "sent: false" in info.value.message


def test_whapi_sent_true_is_sent():
    assert make(WhapiFake(), "whapi").send(post()).remote_id == "PsqXn5SAD5v7HRA-wHqB9g"


def whapi_message(ident: str, stamp: int, body: str) -> dict:
    return {"id": ident, "type": "text", "chat_id": CHANNEL, "from_me": True,
            "timestamp": stamp, "text": {"body": body}}


def test_whapi_read_back_finds_the_post_in_newsletter_messages():
    fake = WhapiFake(messages=[whapi_message("other", AFTER, "Etwas anderes"),
                               whapi_message("mine", AFTER, TEXT)])
    receipt = make(fake, "whapi").read_back(post(), SINCE)
    assert receipt is not None and receipt.remote_id == "mine"
    (req,) = fake.seen
    assert req.url.path == f"/newsletters/{CHANNEL}/messages"
    assert req.url.params["count"] == "50"


def test_whapi_read_back_missing_when_only_older_copies():
    fake = WhapiFake(messages=[whapi_message("old", AFTER - 3600, TEXT)])
    assert make(fake, "whapi").read_back(post(), SINCE) is None


# --- WAHA ------------------------------------------------------------------------------------


def test_waha_read_back_reads_the_own_channel_as_a_chat_not_the_preview():
    mine = {"id": "true_x@newsletter_AB", "timestamp": AFTER, "fromMe": True, "body": TEXT}
    fake = WahaFake(api_key=KEY, engine="GOWS", messages=[mine])
    receipt = make(fake).read_back(post(), SINCE)
    assert receipt is not None and receipt.remote_id == "true_x@newsletter_AB"
    (req,) = fake.seen
    assert req.url.path == f"/api/default/chats/{CHANNEL}/messages"
    assert "preview" not in str(req.url)


def test_waha_without_token_env_gets_a_problem_when_waha_wants_the_key():
    fake = WahaFake(api_key=KEY, owner=(CHANNEL,))
    ctx = ChannelContext(env={}, http=httpx.Client(transport=httpx.MockTransport(fake)))
    channel = WhatsAppChannel.from_config(
        "whatsapp",
        {"provider": "waha", "base_url": "http://127.0.0.1:3000", "channel_id": CHANNEL},
        ctx,
    )
    (problem,) = channel.preflight()
    assert "set token_env" in problem and "X-Api-Key" in problem


def test_waha_with_its_key_passes_the_preflight():
    assert make(WahaFake(api_key=KEY, owner=(CHANNEL,))).preflight() == []


def test_evolution_version_question_without_answer_lets_the_post_tell():
    """A 5xx on GET / neither blocks the post nor becomes its outcome: the post's own
    answer decides, and the version is asked again next time."""
    fake = EvolutionFake(version="2.4.0")

    def handler(request):
        if request.url.path == "/":
            fake.seen.append(request)
            return httpx.Response(502, text="Bad Gateway")
        return fake(request)

    channel = make(handler, "evolution", instance="bautzen")
    assert channel.send(post()).remote_id == "3EB0C0FFEE1234"
    with pytest.raises(ChannelError, match="HTTP 502"):
        channel.preflight()
    assert [r.url.path for r in fake.seen] == ["/", "/message/sendText/bautzen", "/"]


# --- through the CLI, against a loopback gateway ---------------------------------------------


def gateway_table(provider: str, url: str, **extra: str) -> dict:
    return {"type": "whatsapp", "provider": provider, "base_url": url, "channel_id": CHANNEL,
            **extra}


@pytest.mark.integration
def test_cli_channels_test_warns_about_waha_without_token_env(isolated, make_config):
    # WAHA with its security switched off (devlikeapro/waha-docs, how-to/security): it
    # answers without a key, the check passes, and the missing key is a warning
    fixed = {("GET", "/api/sessions/default"): Ok({"name": "default", "status": "WORKING"}),
             ("GET", "/api/default/channels"): Ok([{"id": CHANNEL, "role": "OWNER"}])}
    with ApiServer(fixed=fixed) as waha:
        make_config(channels={"whatsapp": gateway_table("waha", waha.url)})
        run = cli("channels", "--test", "--output", "json")
        text = cli("channels", "--test")
    (check,) = json.loads(run.stdout)["result"]["checks"]
    assert run.code == 0 and check["ok"] and check["problems"] == []
    (warning,) = check["warnings"]
    assert "no token_env in [channels.whatsapp]" in warning and "X-Api-Key" in warning
    # the table a person reads shows the warning too, beside "ok"
    assert text.code == 0 and "X-Api-Key" in " ".join(text.stdout.split())


@pytest.mark.integration
def test_cli_evolution_2_3_channels_test_and_post_say_so_in_one_line(isolated, make_config):
    line = ("Evolution API 2.3.7 cannot post to a WhatsApp Channel; upgrade the server to "
            "2.4.0 or later")
    with ApiServer(fixed={("GET", "/"): Ok({"version": "2.3.7"})}, default=Ok({})) as evo:
        make_config(channels={"whatsapp": gateway_table(
            "evolution", evo.url, instance="bautzen", token_env="WA_KEY")})
        env = {"WA_KEY": KEY}
        test = cli("channels", "--test", "--output", "json", env=env)
        write(isolated / "n.md", NOTICE)
        sent = cli("post", "n.md", "--yes", "--output", "json", env=env)
        writes = evo.writes
    (check,) = json.loads(test.stdout)["result"]["checks"]
    assert test.code == 4 and check["problems"] == [line]
    (result,) = json.loads(sent.stdout)["result"]["results"]
    assert result["status"] == "failed" and result["error"] == line + "; nothing was sent"
    assert writes == []


# --- images: a JPEG drawn by Pillow, to every gateway ------------------------------------------


def gateway_fake(provider: str):
    return {"waha": WahaFake(api_key=KEY, engine="GOWS"), "whapi": WhapiFake(),
            "evolution": EvolutionFake(version="2.4.0")}[provider]


GATEWAYS = [("waha", {}), ("whapi", {}), ("evolution", {"instance": "bautzen"})]


@pytest.mark.parametrize(("provider", "options"), GATEWAYS)
def test_png_with_alpha_reaches_every_gateway_as_jpeg_on_white(tmp_path, provider, options):
    fake = gateway_fake(provider)
    make(fake, provider, **options).send(post(image=png_with_alpha(tmp_path / "plan.png")))
    (data,) = fake.images
    got = decoded(data)
    assert (got.format, got.mode, got.size) == ("JPEG", "RGB", (200, 100))
    assert all(abs(a - b) <= 4 for a, b in zip(got.getpixel((50, 50)), WHITE, strict=True))
    assert all(abs(a - b) <= 4 for a, b in zip(got.getpixel((150, 50)), BLUE, strict=True))


@pytest.mark.parametrize(("provider", "options"), GATEWAYS)
def test_rotated_exif_photo_reaches_every_gateway_upright(tmp_path, provider, options):
    fake = gateway_fake(provider)
    make(fake, provider, **options).send(post(image=sideways_photo(tmp_path / "foto.jpg")))
    (data,) = fake.images
    got = decoded(data)
    assert got.size == (200, 300) and ORIENTATION not in got.getexif()
    red, green = got.getpixel((100, 50)), got.getpixel((100, 250))
    assert red[0] > 200 > red[1] and green[1] > 140 > green[0]


@pytest.mark.parametrize(("provider", "options"), GATEWAYS)
def test_image_request_names_jpeg_for_every_gateway(tmp_path, provider, options):
    fake = gateway_fake(provider)
    make(fake, provider, **options).send(post(image=png_with_alpha(tmp_path / "plan.png")))
    (req,) = [r for r in fake.seen if r.method == "POST"]
    body = json.loads(req.content)
    named = {"waha": lambda b: (b["file"]["mimetype"], b["file"]["filename"]),
             "whapi": lambda b: tuple(b["media"].split(";base64,")[0][5:].split(";name=")),
             "evolution": lambda b: (b["mimetype"], b["fileName"])}[provider](body)
    assert named == ("image/jpeg", "plan.jpg")


def test_image_that_is_not_a_picture_is_failed_before_anything_is_sent(tmp_path):
    bad = tmp_path / "sperrung.png"
    bad.write_bytes(b"not a picture")
    fake = WahaFake(api_key=KEY, engine="GOWS")
    with pytest.raises(ChannelError) as info:
        make(fake).send(post(image=bad))
    assert info.value.outcome_known and "sperrung.png: not an image" in info.value.message
    assert fake.seen == []


# --- WAHA engines and channel images -----------------------------------------------------------


@pytest.mark.parametrize(
    ("engine", "issues"),
    [("NOWEB", ["#1523", "error 479"]), ("WEBJS", ["#1775", "#2149", "#2277", "#1863"])],
)
def test_waha_engine_known_to_fail_with_channel_images_is_named_and_warned(engine, issues):
    channel = make(WahaFake(api_key=KEY, engine=engine, owner=(CHANNEL,)))
    assert channel.preflight() == []
    assert channel.preflight_notes() == [f"WAHA engine {engine}"]
    (warning,) = channel.preflight_warnings()
    assert f"runs the {engine} engine" in warning and "images to a channel" in warning
    assert all(issue in warning for issue in issues)


def test_waha_gows_engine_is_named_without_a_warning():
    channel = make(WahaFake(api_key=KEY, engine="GOWS", owner=(CHANNEL,)))
    assert channel.preflight() == []
    assert channel.preflight_notes() == ["WAHA engine GOWS"]
    assert channel.preflight_warnings() == []


def test_waha_noweb_channel_image_is_201_but_never_shown_so_read_back_finds_nothing(tmp_path):
    # devlikeapro/waha #1523: why the engine warning matters - the post looks sent
    fake = WahaFake(api_key=KEY, engine="NOWEB")
    channel = make(fake)
    picture = png_with_alpha(tmp_path / "plan.png")
    assert channel.send(post(image=picture)).remote_id is not None
    assert channel.read_back(post(image=picture), SINCE) is None


def test_waha_webjs_channel_image_500_is_unknown(tmp_path):
    fake = WahaFake(api_key=KEY, engine="WEBJS")
    with pytest.raises(ChannelError) as info:
        make(fake).send(post(image=png_with_alpha(tmp_path / "plan.png")))
    assert (info.value.outcome_known, info.value.status) == (False, 500)
    assert "msg.avParams is not a function" in info.value.message


@pytest.mark.integration
def test_cli_channels_test_names_the_waha_engine_and_warns_for_noweb(isolated, make_config):
    # GET /api/sessions/{s} as src/core/manager.core.ts getSessionInfo answers it
    session = {"name": "default", "status": "WORKING", "engine": {"engine": "NOWEB"}}
    fixed = {("GET", "/api/sessions/default"): Ok(session),
             ("GET", "/api/default/channels"): Ok([{"id": CHANNEL, "role": "OWNER"}])}
    with ApiServer(fixed=fixed) as waha:
        make_config(channels={"whatsapp": gateway_table("waha", waha.url, token_env="WA_KEY")})
        run = cli("channels", "--test", "--output", "json", env={"WA_KEY": KEY})
        text = cli("channels", "--test", env={"WA_KEY": KEY})
    (check,) = json.loads(run.stdout)["result"]["checks"]
    assert run.code == 0 and check["ok"] and check["notes"] == ["WAHA engine NOWEB"]
    (warning,) = check["warnings"]
    assert "NOWEB engine" in warning and "#1523" in warning
    shown = text.stdout.split()  # the table folds long cells: look for words
    assert text.code == 0 and "NOWEB" in shown and "#1523:" in shown


def test_check_warns_about_a_waha_channel_without_token_env(isolated, make_config):
    make_config(channels={"whatsapp": gateway_table("waha", "https://wa.bautzen.de")})
    write(isolated / "n.md", NOTICE)
    run = cli("check", "n.md", "--output", "json")
    (result,) = json.loads(run.stdout)["result"]["files"]
    (finding,) = [f for f in result["findings"] if f["code"] == "CC106"]
    assert run.code == 0 and finding["severity"] == "warning"
    assert finding["channel"] == "whatsapp" and "no token_env in [channels.whatsapp]" in (
        finding["message"]) and "X-Api-Key" in finding["message"]


def test_check_is_quiet_about_a_waha_channel_with_token_env(isolated, make_config):
    make_config(channels={"whatsapp": gateway_table("waha", "https://wa.bautzen.de",
                                                    token_env="WA_KEY")})
    write(isolated / "n.md", NOTICE)
    run = cli("check", "n.md", "--output", "json")
    (result,) = json.loads(run.stdout)["result"]["files"]
    assert run.code == 0 and [f for f in result["findings"] if f["code"] == "CC106"] == []


def test_waha_webjs_empty_201_is_unknown_and_read_back_finds_nothing(tmp_path):
    # devlikeapro/waha #1863: 201 without a body, and nothing in the channel
    fake = WahaFake(api_key=KEY, engine="WEBJS", empty_201=True)
    channel = make(fake)
    with pytest.raises(ChannelError) as info:
        channel.send(post())
    assert info.value.outcome_known is False and "without a message id" in info.value.message
    assert channel.read_back(post(), SINCE) is None
