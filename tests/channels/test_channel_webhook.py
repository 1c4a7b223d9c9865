"""Webhook: the JSON document, and a signature the receiver can verify with hmac."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

import httpx
import pytest

from citychan.channels.base import ChannelConfigError, ChannelContext, ChannelError, Kind
from citychan.channels.webhook import WebhookChannel
from citychan.testing import sample_post

SECRET = "whsec-bautzen-0815"
V1_FIELDS = ("id", "kind", "level", "lang", "title", "text", "link", "sent")


def make(handler, url="https://cms.bautzen.de/hooks/citychan/") -> WebhookChannel:
    ctx = ChannelContext(
        env={"HOOK_SECRET": SECRET}, http=httpx.Client(transport=httpx.MockTransport(handler))
    )
    return WebhookChannel.from_config("web", {"url": url, "secret_env": "HOOK_SECRET"}, ctx)


def capture(seen, response=None):
    def handler(request):
        seen.append(request)
        return response or httpx.Response(204)

    return handler


def test_body_and_signature_verify_like_a_receiver_would():
    seen: list[httpx.Request] = []
    warning = sample_post(
        kind=Kind.WARNING,
        level="medium",
        langs=("de", "hsb"),
        sent=datetime(2026, 11, 28, 13, 5, tzinfo=UTC),
    )
    receipt = make(capture(seen)).send(warning)
    (req,) = seen
    assert (req.method, str(req.url)) == ("POST", "https://cms.bautzen.de/hooks/citychan/")
    assert req.headers["content-type"].startswith("application/json")
    # the receiver's side: HMAC over the raw bytes with the shared secret
    expected = "sha256=" + hmac.new(SECRET.encode(), req.content, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(req.headers["x-citychan-signature"], expected)
    body = json.loads(req.content)
    # version 1's fields, unchanged: receivers built for it keep working (version 2 adds more)
    assert {k: body[k] for k in V1_FIELDS} == {
        "id": "c0ffee" * 4,
        "kind": "warning",
        "level": "medium",
        "lang": "de",
        "title": "Straßensperrung Löbauer Straße",
        "text": "Die Löbauer Straße ist ab Montag gesperrt.",
        "link": "https://www.bautzen.de/aktuelles/sperrung",
        "sent": "2026-11-28T13:05:00+00:00",
    }
    assert "Löbauer".encode() in req.content  # UTF-8, not \\u escapes
    assert req.headers["idempotency-key"] == "citychan-contract-key-0001"
    assert receipt.remote_id == "citychan-contract-key-0001"


def test_a_tampered_body_fails_verification():
    seen: list[httpx.Request] = []
    make(capture(seen)).send(sample_post())
    tampered = seen[0].content.replace(b"Montag", b"Dienstag")
    forged = "sha256=" + hmac.new(SECRET.encode(), tampered, hashlib.sha256).hexdigest()
    assert seen[0].headers["x-citychan-signature"] != forged


def test_remote_id_from_the_receivers_answer():
    response = httpx.Response(201, json={"id": 4711})
    assert make(capture([], response)).send(sample_post()).remote_id == "4711"


def test_errors_and_no_secret_in_them():
    for status, flags in ((500, (False, False)), (404, (False, True)), (429, (True, True))):
        channel = make(lambda r, s=status: httpx.Response(s, text=f"no {SECRET}"))
        with pytest.raises(ChannelError) as info:
            channel.send(sample_post())
        assert (info.value.retryable, info.value.outcome_known) == flags
        assert SECRET not in str(info.value)
        assert info.value.message.endswith(
            ": no ***" + ("" if status != 500 else " (the post may have gone out)")
        )
        assert SECRET not in repr(channel)


def test_config_requires_https_and_a_secret():
    with pytest.raises(ChannelConfigError, match="url must be an https:// URL"):
        make(capture([]), url="http://cms.bautzen.de/hook")
    with pytest.raises(ChannelConfigError, match="needs 'secret_env'"):
        WebhookChannel.from_config("web", {"url": "https://x.example"}, ChannelContext(env={}))
    assert make(capture([]), url="http://127.0.0.1:9000/hook").url == "http://127.0.0.1:9000/hook"
    assert make(capture([]), url="http://[::1]:9000/hook").url == "http://[::1]:9000/hook"
    for lookalike in ("http://127.evil.example/hook", "http://127.0.0.1.nip.io/hook",
                      "http://localhost.evil.example/hook"):
        with pytest.raises(ChannelConfigError, match="must be an https:// URL"):
            make(capture([]), url=lookalike)
