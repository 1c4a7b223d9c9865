"""The matrix channel: request shapes and error mapping against httpx.MockTransport, and real
delivery, idempotency, pre-flight and read-back against a real Synapse on loopback."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from citychan.channels.base import (
    ChannelConfigError,
    ChannelContext,
    ChannelError,
    Dialect,
    Kind,
    LengthUnit,
    Post,
    Rendered,
)
from citychan.channels.matrix import MatrixChannel
from tests.support.servers import SynapseServer, free_port

TOKEN = "syt_c2VjcmV0_do-not-leak_0123456789"
TEXT = "Sperrung der Löbauer Straße / Zawrjenje: wobjězd přez Zwonkowu dróhu (ě ł ć ř ž)"
HTML = "<p><strong>Sperrung der Löbauer Straße</strong> / Zawrjenje: ě ł ć ř ž</p>"


def make_post(key: str = "citychan-0123456789abcdef0123456789abcdef", text: str = TEXT,
              html: str | None = HTML) -> Post:
    return Post(message_id="m" * 64, channel="matrix", kind=Kind.INFO,
                title="Sperrung der Löbauer Straße", rendered=Rendered(Dialect.MATRIX, text, html),
                langs=("de", "hsb"), idempotency_key=key)


def channel(options: dict[str, Any] | None = None, handler: Any = None,
            token: str = TOKEN) -> MatrixChannel:
    opts = {"base_url": "https://matrix.example.org", "room_id": "!abc:example.org",
            "token_env": "BAUTZEN_MATRIX_TOKEN", **(options or {})}
    http = httpx.Client(transport=httpx.MockTransport(handler)) if handler else None
    ctx = ChannelContext(env={"BAUTZEN_MATRIX_TOKEN": token}, http=http)
    return MatrixChannel.from_config("matrix", opts, ctx)


# --- request shapes and error mapping (MockTransport) -------------------------------------

def test_send_puts_a_notice_with_quoted_room_and_txn_id_and_bearer_token() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"event_id": "$ev1:example.org"})

    receipt = channel(handler=handler).send(make_post(key="citychan-a/b c"))

    (request,) = seen
    assert request.method == "PUT"
    assert request.url.raw_path.decode() == (
        "/_matrix/client/v3/rooms/%21abc%3Aexample.org/send/m.room.message/citychan-a%2Fb%20c")
    assert request.url.host == "matrix.example.org"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert json.loads(request.content) == {
        "msgtype": "m.notice", "body": TEXT,
        "format": "org.matrix.custom.html", "formatted_body": HTML}
    assert receipt.remote_id == "$ev1:example.org"
    assert receipt.url == "https://matrix.to/#/!abc:example.org/$ev1:example.org"


def test_plain_post_has_no_format_fields() -> None:
    bodies: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json={"event_id": "$e"})

    channel(handler=handler).send(make_post(html=None))
    assert bodies == [{"msgtype": "m.notice", "body": TEXT}]


@pytest.mark.parametrize(("headers", "body", "expected"), [
    ({}, {"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many", "retry_after_ms": 2500}, 2.5),
    ({"Retry-After": "7"}, {"errcode": "M_LIMIT_EXCEEDED", "retry_after_ms": 2500}, 7.0),
    ({}, {"errcode": "M_LIMIT_EXCEEDED"}, None),
])
def test_429_is_retryable_with_the_wait_the_server_asked_for(
        headers: dict[str, str], body: dict[str, Any], expected: float | None) -> None:
    ch = channel(handler=lambda r: httpx.Response(429, headers=headers, json=body))
    with pytest.raises(ChannelError) as info:
        ch.send(make_post())
    assert info.value.retryable and info.value.outcome_known
    assert info.value.retry_after == expected
    assert info.value.status == 429
    assert "M_LIMIT_EXCEEDED" in info.value.message


def test_500_with_txn_id_is_retryable_but_outcome_unknown() -> None:
    ch = channel(handler=lambda r: httpx.Response(502, text="<html>bad gateway</html>"))
    with pytest.raises(ChannelError) as info:
        ch.send(make_post())
    assert info.value.retryable is True
    assert info.value.outcome_known is False
    assert info.value.status == 502


def test_500_without_idempotency_key_is_not_blindly_retried() -> None:
    ch = channel(handler=lambda r: httpx.Response(500, json={"errcode": "M_UNKNOWN"}))
    with pytest.raises(ChannelError) as info:
        ch.send(make_post(key=""))
    assert info.value.retryable is False
    assert info.value.outcome_known is False


def test_timeout_after_sending_is_retryable_outcome_unknown() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(ChannelError) as info:
        channel(handler=handler).send(make_post())
    assert (info.value.retryable, info.value.outcome_known) == (True, False)
    with pytest.raises(ChannelError) as info:  # no persisted txnId: a resend is a new post
        channel(handler=handler).send(make_post(key=""))
    assert (info.value.retryable, info.value.outcome_known) == (False, False)


def test_200_without_event_id_is_not_success() -> None:
    with pytest.raises(ChannelError) as info:
        channel(handler=lambda r: httpx.Response(200, json={})).send(make_post())
    assert info.value.outcome_known is False


@pytest.mark.parametrize(("status", "errcode", "hint"), [
    (401, "M_UNKNOWN_TOKEN", "BAUTZEN_MATRIX_TOKEN"),
    (403, "M_FORBIDDEN", "join the room"),
    (404, "M_NOT_FOUND", "room_id"),
])
def test_auth_and_room_errors_fail_for_good_with_a_hint(status: int, errcode: str,
                                                       hint: str) -> None:
    body = {"errcode": errcode, "error": "nope"}
    with pytest.raises(ChannelError) as info:
        channel(handler=lambda r: httpx.Response(status, json=body)).send(make_post())
    err = info.value
    assert (err.retryable, err.outcome_known, err.status) == (False, True, status)
    assert errcode in err.message and hint in err.message
    assert TOKEN not in err.message


def test_config_rejects_plain_http_to_a_remote_homeserver() -> None:
    with pytest.raises(ChannelConfigError, match="https"):
        channel({"base_url": "http://matrix.example.org"})
    assert channel({"base_url": "http://127.0.0.1:8008/"}).base_url == "http://127.0.0.1:8008"


def test_config_rejects_a_room_alias_and_names_a_missing_token_variable() -> None:
    with pytest.raises(ChannelConfigError, match="room id starting with '!'"):
        channel({"room_id": "#stadt:example.org"})
    options = {"base_url": "https://m.example.org", "room_id": "!a:b",
               "token_env": "BAUTZEN_MATRIX_TOKEN"}
    with pytest.raises(ChannelConfigError, match="BAUTZEN_MATRIX_TOKEN"):
        MatrixChannel.from_config("matrix", options, ChannelContext(env={}))


def test_capabilities_and_repr_without_token() -> None:
    ch = channel()
    assert ch.capabilities.dialect is Dialect.MATRIX
    assert (ch.capabilities.max_length, ch.capabilities.length_unit) == (65536, LengthUnit.BYTES)
    assert TOKEN not in repr(ch) and "matrix.example.org" in repr(ch)
    assert TOKEN not in repr(ch.__dict__.get("capabilities"))


ME = "@stadt:example.org"


def busy_room(events: list[dict[str, Any]], page: int = 100) -> Any:
    """A room whose /messages pages back (dir=b) through ``events``, newest first."""
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/account/whoami"):
            return httpx.Response(200, json={"user_id": ME})
        start = int(request.url.params.get("from") or 0)
        chunk = events[start:start + page]
        body: dict[str, Any] = {"chunk": chunk, "start": str(start)}
        if start + page < len(events):
            body["end"] = str(start + page)
        return httpx.Response(200, json=body)
    return handler


def message(i: int, ts: float, body: str = "Wochenmarkt", sender: str = "@x:example.org",
            txn: str | None = None) -> dict[str, Any]:
    event = {"type": "m.room.message", "event_id": f"$e{i}", "sender": sender,
             "origin_server_ts": int(ts * 1000), "content": {"msgtype": "m.text", "body": body}}
    if txn:
        event["unsigned"] = {"transaction_id": txn}
    return event


def test_read_back_pages_past_newer_messages_to_find_the_post() -> None:
    now = time.time()
    ours = message(0, now - 600, TEXT, sender=ME)
    newer = [message(i, now - i) for i in range(1, 161)]  # 160 messages after ours
    ch = channel(handler=busy_room([*newer, ours, message(999, now - 7200)]))
    since = datetime.fromtimestamp(now - 900, UTC)
    found = ch.read_back(make_post(key="citychan-other-device"), since)
    assert found is not None and found.remote_id == "$e0"


def test_read_back_is_none_only_after_going_back_past_since() -> None:
    now = time.time()
    events = [message(i, now - i) for i in range(1, 150)] + [message(500, now - 7200)]
    ch = channel(handler=busy_room(events))
    assert ch.read_back(make_post(), datetime.fromtimestamp(now - 900, UTC)) is None


def test_read_back_in_a_room_too_busy_to_search_cannot_tell() -> None:
    now = time.time()
    events = [message(i, now - i * 0.01) for i in range(1, 1200)]
    ch = channel(handler=busy_room(events))
    with pytest.raises(ChannelError, match="cannot tell"):
        ch.read_back(make_post(), datetime.fromtimestamp(now - 900, UTC))


def test_connection_refused_is_retryable_nothing_sent() -> None:
    ch = channel({"base_url": f"http://127.0.0.1:{free_port()}"})
    with pytest.raises(ChannelError) as info:
        ch.send(make_post())
    assert (info.value.retryable, info.value.outcome_known) == (True, True)
    assert ch.preflight() and "cannot connect" in ch.preflight()[0]


# --- a real Synapse -----------------------------------------------------------------------

@pytest.fixture
def account(synapse: SynapseServer) -> tuple[str, str, str]:
    """A fresh bot account with its own room: (user_id, token, room_id)."""
    user_id, token = synapse.register("bot" + secrets.token_hex(4))
    return user_id, token, synapse.create_room(token)


_opened: list[MatrixChannel] = []


@pytest.fixture(autouse=True)
def close_real_channels() -> Iterator[None]:
    """A channel built without an injected client makes its own; close() ends it."""
    yield
    while _opened:
        _opened.pop().close()


def real_channel(synapse: SynapseServer, token: str, room_id: str) -> MatrixChannel:
    ctx = ChannelContext(env={"CITYCHAN_MATRIX_TOKEN": token}, timeout=10.0)
    channel = MatrixChannel.from_config(
        "stadt", {"base_url": synapse.base_url, "room_id": room_id}, ctx)
    _opened.append(channel)
    return channel


@pytest.mark.integration
def test_notice_arrives_with_body_and_html_intact(synapse: SynapseServer,
                                                  account: tuple[str, str, str]) -> None:
    user_id, token, room_id = account
    receipt = real_channel(synapse, token, room_id).send(make_post())

    (event,) = synapse.room_messages(token, room_id)
    assert event["event_id"] == receipt.remote_id
    assert event["sender"] == user_id
    assert event["content"] == {"msgtype": "m.notice", "body": TEXT,
                                "format": "org.matrix.custom.html", "formatted_body": HTML}
    assert receipt.url == f"https://matrix.to/#/{room_id}/{receipt.remote_id}"


@pytest.mark.integration
def test_resend_with_same_txn_id_gives_same_event_and_no_duplicate(
        synapse: SynapseServer, account: tuple[str, str, str]) -> None:
    _, token, room_id = account
    ch = real_channel(synapse, token, room_id)
    first = ch.send(make_post(key="citychan-retry-1"))
    again = ch.send(make_post(key="citychan-retry-1"))
    assert again.remote_id == first.remote_id
    assert len(synapse.room_messages(token, room_id)) == 1

    other = ch.send(make_post(key="citychan-retry-2"))  # a new delivery is a new event
    assert other.remote_id != first.remote_id
    assert len(synapse.room_messages(token, room_id)) == 2


@pytest.mark.integration
def test_preflight_ok_then_reports_a_room_we_are_not_in_and_a_bad_token(
        synapse: SynapseServer, account: tuple[str, str, str]) -> None:
    user_id, token, room_id = account
    assert real_channel(synapse, token, room_id).preflight() == []

    _, other_token = synapse.register("other" + secrets.token_hex(4))
    foreign_room = synapse.create_room(other_token, "Nicht unser Raum")
    problems = real_channel(synapse, token, foreign_room).preflight()
    assert len(problems) == 1
    assert foreign_room in problems[0] and user_id in problems[0]

    bad = real_channel(synapse, "syt_wrong_token", room_id).preflight()
    assert len(bad) == 1 and "M_UNKNOWN_TOKEN" in bad[0] and "CITYCHAN_MATRIX_TOKEN" in bad[0]
    assert "syt_wrong_token" not in bad[0]


@pytest.mark.integration
def test_preflight_reports_a_read_only_announcement_room(
        synapse: SynapseServer, account: tuple[str, str, str]) -> None:
    user_id, token, _ = account
    _, owner_token = synapse.register("pressestelle" + secrets.token_hex(4))
    room = str(synapse.call("POST", "/createRoom", owner_token, json={
        "preset": "public_chat", "power_level_content_override": {"events_default": 50},
    })["room_id"])
    synapse.call("POST", f"/rooms/{quote(room, safe='')}/join", token, json={})
    ch = real_channel(synapse, token, room)

    problems = ch.preflight()
    assert len(problems) == 1
    assert "power level 0" in problems[0] and "needs 50" in problems[0]
    with pytest.raises(ChannelError) as info:  # the pre-flight was right: posting fails
        ch.send(make_post())
    assert info.value.status == 403

    levels = synapse.call("GET", f"/rooms/{quote(room, safe='')}/state/m.room.power_levels/",
                          owner_token)
    levels["users"][user_id] = 50
    synapse.call("PUT", f"/rooms/{quote(room, safe='')}/state/m.room.power_levels/",
                 owner_token, json=levels)
    assert ch.preflight() == []

    # The bot's own read-only room: as its creator it may always post.
    own_room = str(synapse.call("POST", "/createRoom", token, json={
        "power_level_content_override": {"events_default": 50}})["room_id"])
    assert real_channel(synapse, token, own_room).preflight() == []


@pytest.mark.integration
def test_posting_to_a_foreign_room_fails_for_good(synapse: SynapseServer,
                                                  account: tuple[str, str, str]) -> None:
    _, token, _ = account
    _, other_token = synapse.register("owner" + secrets.token_hex(4))
    foreign_room = synapse.create_room(other_token)
    with pytest.raises(ChannelError) as info:
        real_channel(synapse, token, foreign_room).send(make_post())
    assert (info.value.status, info.value.retryable, info.value.outcome_known) == (403, False, True)
    assert token not in info.value.message
    assert synapse.room_messages(other_token, foreign_room) == []


@pytest.mark.integration
def test_read_back_finds_the_event_by_txn_id_or_body(synapse: SynapseServer,
                                                     account: tuple[str, str, str]) -> None:
    _, token, room_id = account
    ch = real_channel(synapse, token, room_id)
    before = datetime.now(UTC) - timedelta(seconds=5)
    sent = ch.send(make_post(key="citychan-readback-1"))
    ch.send(make_post(key="citychan-readback-2", text="Eine andere Meldung", html=None))

    found = ch.read_back(make_post(key="citychan-readback-1"), before)
    assert found is not None and found.remote_id == sent.remote_id
    assert found.url == sent.url
    # A delivery whose txnId the server never saw: found by our account's identical body.
    by_body = ch.read_back(make_post(key="citychan-never-used"), before)
    assert by_body is not None and by_body.remote_id == sent.remote_id
    # ...but not when it was posted before the delivery began.
    assert ch.read_back(make_post(key="citychan-never-used"),
                        datetime.now(UTC) + timedelta(minutes=1)) is None
    assert ch.read_back(make_post(key="citychan-x", text="Nie gesendet"), before) is None


@pytest.mark.integration
def test_real_rate_limit_is_retryable_and_the_same_txn_id_posts_once_after_waiting(
        synapse: SynapseServer, account: tuple[str, str, str]) -> None:
    user_id, token, room_id = account
    synapse.limit_messages(user_id, per_second=1, burst_count=1)
    ch = real_channel(synapse, token, room_id)
    limited: ChannelError | None = None
    for n in range(5):  # the bucket holds one message: a quick second one is refused
        try:
            ch.send(make_post(key=f"citychan-burst-{n}", text=f"Meldung {n}", html=None))
        except ChannelError as exc:
            limited, key, text = exc, f"citychan-burst-{n}", f"Meldung {n}"
            break
    assert limited is not None, "Synapse never answered 429"
    assert (limited.status, limited.retryable, limited.outcome_known) == (429, True, True)
    assert "M_LIMIT_EXCEEDED" in limited.message
    assert limited.retry_after is not None and 0 < limited.retry_after <= 2
    assert text not in [e["content"]["body"] for e in synapse.room_messages(token, room_id)]

    time.sleep(limited.retry_after)
    receipt = ch.send(make_post(key=key, text=text, html=None))
    bodies = [(e["event_id"], e["content"]["body"]) for e in synapse.room_messages(token, room_id)]
    assert [event for event, body in bodies if body == text] == [receipt.remote_id]


def test_documented_config_table_builds_the_channel() -> None:
    import tomllib

    from citychan.config import parse_config

    config = parse_config(tomllib.loads("""
version = 1
[channels.matrix]
type = "matrix"
base_url = "https://matrix.bautzen.de/"
room_id = "!QxYzAbCdEf:bautzen.de"
"""))
    ctx = ChannelContext(env={"CITYCHAN_MATRIX_TOKEN": TOKEN})
    ch = MatrixChannel.from_config("matrix", config.channels["matrix"].options, ctx)
    assert (ch.base_url, ch.room_id) == ("https://matrix.bautzen.de", "!QxYzAbCdEf:bautzen.de")
    assert ch.token_env == "CITYCHAN_MATRIX_TOKEN" and TOKEN not in repr(ch)


# --- the size rule against a real Synapse --------------------------------------------------
# matrix-org/matrix-spec content/client-server-api/_index.md, "Size limits": the complete
# event, federation format with signatures, as Canonical JSON, at most 65,536 bytes; Synapse
# (synapse/event_auth.py, the PDU size check) refuses a larger one with 413 M_TOO_LARGE.

def _notice_of_size(ch: MatrixChannel, size: int) -> Post:
    """A notice full of line breaks and quotes (two bytes each in JSON) that citychan's one
    measure puts at exactly ``size`` bytes."""
    html = '<p class="x">Sperrung "Löbauer Straße"</p>\n' * 200
    body = "Sperrung \"Löbauer Straße\"\n" * 1500
    post = make_post(text=body, html=html)
    missing = size - ch.capabilities.measure(post.rendered)
    assert missing > 0
    return make_post(text=body + "x" * missing, html=html)


@pytest.mark.integration
def test_a_notice_exactly_at_the_measured_limit_is_accepted_by_synapse(
        synapse: SynapseServer, account: tuple[str, str, str]) -> None:
    _, token, room_id = account
    ch = real_channel(synapse, token, room_id)
    post = _notice_of_size(ch, ch.capabilities.max_length or 0)
    assert ch.capabilities.length_of(post.rendered).over is False
    receipt = ch.send(post)
    (event,) = synapse.room_messages(token, room_id)
    assert event["event_id"] == receipt.remote_id and event["content"]["body"] == post.rendered.text


@pytest.mark.integration
def test_a_notice_whose_text_fits_but_whose_event_does_not_is_measured_over(
        synapse: SynapseServer, account: tuple[str, str, str]) -> None:
    """What counting body and formatted_body alone let through: Synapse answers 413
    M_TOO_LARGE, and the one measure now calls it too long before anything is sent."""
    _, token, room_id = account
    ch = real_channel(synapse, token, room_id)
    post = make_post(text="Sperrung\n\"B 96\"\n" * 4000, html=None)  # 64,000 bytes of text
    assert len(post.rendered.text.encode()) <= 65536
    assert ch.capabilities.length_of(post.rendered).over is True
    with pytest.raises(ChannelError) as info:
        ch.send(post)  # what the rules now keep from being sent
    assert info.value.status == 413 and "M_TOO_LARGE" in info.value.message
    assert synapse.room_messages(token, room_id) == []
