"""ntfy: Markdown body, RFC 2047 title, priority by kind, tags, click, auth."""

from __future__ import annotations

from dataclasses import replace
from email.header import decode_header, make_header

import httpx
import pytest

from citychan.channels.base import (
    ChannelConfigError,
    ChannelContext,
    ChannelError,
    Dialect,
    Kind,
    LengthUnit,
    Rendered,
)
from citychan.channels.ntfy import NtfyChannel, encode_header
from citychan.testing import sample_post

TITLE = "Straßensperrung Löbauer Straße"
BODY = "**Gesperrt:** Löbauer Straße, ab Montag."


def make(handler, env=None, **options) -> NtfyChannel:
    ctx = ChannelContext(env=env or {}, http=httpx.Client(transport=httpx.MockTransport(handler)))
    return NtfyChannel.from_config(
        "ntfy", {"base_url": "https://ntfy.bautzen.de", "topic": "stadt-bautzen", **options}, ctx
    )


def capture(seen):
    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={"id": "hwQ2YpKdmg", "event": "message"})

    return handler


def post(**kw):
    return sample_post(Dialect.NTFY, text=BODY, title=TITLE, **kw)


def decoded(value: str) -> str:
    return str(make_header(decode_header(value)))


def test_title_with_umlauts_is_rfc2047_and_decodes_back():
    encoded = encode_header(TITLE)
    assert encoded.isascii()
    assert encoded.startswith("=?UTF-8?B?")
    assert decoded(encoded) == TITLE


def test_long_titles_split_into_short_encoded_words():
    title = "Ŝ" * 80 + " Budyšin"
    encoded = encode_header(title)
    assert all(len(word) <= 75 for word in encoded.split(" "))
    assert decoded(encoded) == title


def test_ascii_titles_stay_plain():
    assert encode_header("Road closed\nat night") == "Road closed at night"


def test_info_post_request_shape():
    seen: list[httpx.Request] = []
    receipt = make(capture(seen)).send(post(tags=("verkehr",)))
    (req,) = seen
    assert (req.method, str(req.url)) == ("POST", "https://ntfy.bautzen.de/stadt-bautzen")
    assert req.content == BODY.encode("utf-8")
    assert decoded(req.headers["title"]) == TITLE
    assert req.headers["priority"] == "3"
    assert req.headers["tags"] == "verkehr"
    assert req.headers["click"] == "https://www.bautzen.de/aktuelles/sperrung"
    assert req.headers["markdown"] == "yes"
    assert "authorization" not in req.headers
    assert receipt.remote_id == "hwQ2YpKdmg"


def test_a_link_with_umlauts_goes_out_percent_encoded_in_click():
    seen: list[httpx.Request] = []
    make(capture(seen)).send(post(link="https://www.bautzen.de/aktuelles/straßensperrung?ort=Löbau"))
    assert seen[0].headers["click"] == (
        "https://www.bautzen.de/aktuelles/stra%C3%9Fensperrung?ort=L%C3%B6bau")


def test_a_request_that_cannot_be_encoded_is_a_failure_with_nothing_sent():
    """Built before anything goes out: not an 'unknown' that blocks the notice for good."""
    from citychan.channels.http import ApiPolicy, request

    seen: list[httpx.Request] = []
    channel = make(capture(seen))
    with pytest.raises(ChannelError, match="could not be built, nothing was sent") as err:
        request(channel._ctx, ApiPolicy("ntfy"), "POST", "https://ntfy.bautzen.de/t",
                headers={"Click": "https://www.bautzen.de/straße"})
    assert err.value.outcome_known and not err.value.retryable and seen == []


def test_warning_has_priority_5_and_a_warning_tag_first():
    seen: list[httpx.Request] = []
    make(capture(seen)).send(post(kind=Kind.WARNING, link=None, tags=("hochwasser",)))
    req = seen[0]
    assert req.headers["priority"] == "5"
    assert req.headers["tags"] == "warning,hochwasser"
    assert "click" not in req.headers


def test_rendered_title_wins_and_token_goes_in_authorization():
    seen: list[httpx.Request] = []
    channel = make(capture(seen), env={"NTFY_TOKEN": "tk_secret"}, token_env="NTFY_TOKEN")
    channel.send(replace(post(), rendered=Rendered(Dialect.NTFY, BODY, title="Sperrung")))
    assert seen[0].headers["title"] == "Sperrung"
    assert seen[0].headers["authorization"] == "Bearer tk_secret"
    assert "tk_secret" not in repr(channel)


def test_errors_map_to_non_idempotent_policy():
    for status, flags in ((500, (False, False)), (429, (True, True)), (403, (False, True))):
        channel = make(lambda r, s=status: httpx.Response(s, json={"error": "nope"}))
        with pytest.raises(ChannelError) as info:
            channel.send(post())
        assert (info.value.retryable, info.value.outcome_known) == flags, status


def test_capabilities_are_4096_bytes_with_title_field():
    caps = make(capture([])).capabilities
    assert (caps.dialect, caps.max_length, caps.length_unit, caps.title_field) == (
        Dialect.NTFY,
        4096,
        LengthUnit.BYTES,
        True,
    )


def test_config_errors():
    with pytest.raises(ChannelConfigError, match="topic must be"):
        make(capture([]), topic="stadt/bautzen")
    with pytest.raises(ChannelConfigError, match="No secret: set NTFY_TOKEN"):
        make(capture([]), token_env="NTFY_TOKEN")


# ntfy's 429 answers as binwiederhier/ntfy server/errors.go defines them (errHTTP JSON: code,
# http, error, link; main branch, checked 2026-11-29): errHTTPTooManyRequestsLimitRequests,
# ...LimitMessages (returned by handlePublishWithoutResponse in server/server.go once the
# visitor's daily message quota is used) and ...LimitAuthFailure (returned by
# maybeAuthenticate before it even checks the token, once the auth-failure limiter is empty).
def ntfy_429(code: int, error: str):
    def handler(request):
        return httpx.Response(429, json={"code": code, "http": 429, "error": error,
                                         "link": "https://ntfy.sh/docs/publish/#limitations"})

    return handler


def test_a_429_for_the_daily_message_quota_is_failed_with_the_reason_and_not_retried():
    channel = make(ntfy_429(42908, "limit reached: daily message quota reached"))
    with pytest.raises(ChannelError) as info:
        channel.send(post())
    err = info.value
    assert (err.retryable, err.outcome_known, err.status) == (False, True, 429)
    assert "daily message quota reached" in err.message
    assert "retry tomorrow" in err.message


def test_a_429_for_too_many_auth_failures_is_failed_with_the_reason_and_not_retried():
    channel = make(ntfy_429(42909, "limit reached: too many auth failures"),
                   env={"NTFY_TOKEN": "tk_wrong"}, token_env="NTFY_TOKEN")
    with pytest.raises(ChannelError) as info:
        channel.send(post())
    err = info.value
    assert (err.retryable, err.outcome_known) == (False, True)
    assert "too many auth failures" in err.message
    assert "token_env" in err.message
    assert "tk_wrong" not in err.message


def test_a_plain_429_rate_limit_is_still_retried_after_retry_after():
    def handler(request):
        return httpx.Response(429, headers={"Retry-After": "7"},
                              json={"code": 42901, "http": 429,
                                    "error": "limit reached: too many requests"})

    with pytest.raises(ChannelError) as info:
        make(handler).send(post())
    assert (info.value.retryable, info.value.retry_after) == (True, 7.0)
    assert "too many requests" in info.value.message
