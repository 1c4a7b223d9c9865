"""Retries, timeouts and idempotency over real loopback sockets, with the scripted FaultServer.

The question every test answers: how many requests really reached the server, and is the
delivery's outcome reported truthfully (sent, failed, or unknown)?
"""

from __future__ import annotations

import time

import httpx
import pytest

from citychan.channels.base import ChannelContext, ChannelError
from citychan.channels.mastodon import MastodonChannel
from citychan.channels.whatsapp import WhatsAppChannel
from citychan.delivery.retry import RetryPolicy, send_with_retry
from citychan.testing import sample_post
from tests.support.fault_server import (
    Drop,
    Empty,
    FaultServer,
    Ok,
    Slow,
    Status,
    closed_port,
    rate_limited,
)
from tests.support.limits import MemoryLimits

TIMEOUT = 0.3
FAST = RetryPolicy(max_total_seconds=3, base_delay=0.05, max_delay=0.2)
WAHA_OK = Ok({"id": {"_serialized": "true_120363@newsletter_3EB0ABC"}}, status=201)
STATUS_OK = Ok({"id": "111", "url": "https://social.example/@stadt/111"})


@pytest.fixture
def http():
    with httpx.Client(timeout=TIMEOUT) as client:
        yield client


def waha(base_url: str, http: httpx.Client) -> WhatsAppChannel:
    ctx = ChannelContext(env={"WAHA_KEY": "waha-secret-key"}, http=http, timeout=TIMEOUT)
    options = {
        "provider": "waha",
        "base_url": base_url,
        "session": "default",
        "channel_id": "120363012345678901@newsletter",
        "token_env": "WAHA_KEY",
    }
    return WhatsAppChannel.from_config("whatsapp", options, ctx)


def mastodon(base_url: str, http: httpx.Client) -> MastodonChannel:
    # the instance limit known from an earlier post: every request here is the post's
    ctx = ChannelContext(env={"MASTO": "masto-secret"}, http=http, timeout=TIMEOUT,
                         limits=MemoryLimits({"mastodon": 500}))
    options = {"base_url": base_url, "token_env": "MASTO"}
    return MastodonChannel.from_config("mastodon", options, ctx)


@pytest.mark.integration
def test_server_records_requests_and_follows_its_script(http):
    with FaultServer([Ok({"a": 1}, status=201), Status(503, {"error": "down"})]) as server:
        first = http.post(server.url + "/x", json={"n": 1})
        second = http.get(server.url + "/y?q=1")
        third = http.get(server.url + "/z")
    assert (first.status_code, first.json()) == (201, {"a": 1})
    assert (second.status_code, second.json()) == (503, {"error": "down"})
    assert third.status_code == 500  # script exhausted
    assert [(r.method, r.path) for r in server.requests] == [
        ("POST", "/x"),
        ("GET", "/y?q=1"),
        ("GET", "/z"),
    ]
    assert server.requests[0].json() == {"n": 1}


@pytest.mark.integration
@pytest.mark.parametrize(
    "step",
    [Slow(1.0, WAHA_OK), Status(500, {"error": "internal"}), Drop(), Empty(200)],
    ids=["slow", "500", "dropped", "empty-2xx"],
)
def test_waha_possible_delivery_is_unknown_and_sent_exactly_once(http, step):
    with FaultServer([step, WAHA_OK, WAHA_OK]) as server:
        channel = waha(server.url, http)
        with pytest.raises(ChannelError) as info:
            send_with_retry(lambda: channel.send(sample_post()), FAST)
        received = len(server.requests)
    assert info.value.outcome_known is False
    assert info.value.retryable is False
    assert received == 1  # never a blind resend
    assert "waha-secret-key" not in str(info.value)


@pytest.mark.integration
def test_waha_ok_returns_the_message_id(http):
    with FaultServer([WAHA_OK]) as server:
        receipt = waha(server.url, http).send(sample_post())
    assert receipt.remote_id == "true_120363@newsletter_3EB0ABC"
    assert server.requests[0].headers["x-api-key"] == "waha-secret-key"


@pytest.mark.integration
def test_mastodon_500_then_ok_is_retried_with_the_same_key(http):
    # between the two: the look-up (verify_credentials, statuses: nothing there yet)
    with FaultServer([Status(500, {"error": "oops"}), Ok({"id": "7"}), Ok([]), STATUS_OK]
                     ) as server:
        channel = mastodon(server.url, http)
        receipt = send_with_retry(lambda: channel.send(sample_post()), FAST)
    posts = [r for r in server.requests if r.path == "/api/v1/statuses"]
    assert len(posts) == 2
    assert {r.headers["idempotency-key"] for r in posts} == {"citychan-contract-key-0001"}
    assert receipt.remote_id == "111"


@pytest.mark.integration
def test_mastodon_timeout_then_ok_is_retried_with_the_same_key(http):
    with FaultServer([Slow(1.0, STATUS_OK), Ok({"id": "7"}), Ok([]), STATUS_OK]) as server:
        channel = mastodon(server.url, http)
        receipt = send_with_retry(lambda: channel.send(sample_post()), FAST)
    keys = [r.headers["idempotency-key"] for r in server.requests if r.method == "POST"]
    assert keys == ["citychan-contract-key-0001"] * 2
    assert receipt.url == "https://social.example/@stadt/111"


@pytest.mark.integration
def test_429_retry_after_one_second_is_honoured(http):
    waits = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    with FaultServer([rate_limited("1"), STATUS_OK]) as server:
        channel = mastodon(server.url, http)
        start = time.monotonic()
        receipt = send_with_retry(lambda: channel.send(sample_post()), FAST, sleep=sleep)
        elapsed = time.monotonic() - start
    assert receipt.remote_id == "111"
    assert waits == [1.0]
    assert elapsed >= 1.0
    assert len(server.requests) == 2


@pytest.mark.integration
def test_connection_refused_is_retried_until_the_server_is_up(http):
    port = closed_port()
    started: list[FaultServer] = []

    def start_server(attempt, error, delay):
        if not started:  # the gateway comes up while we wait
            started.append(FaultServer([WAHA_OK], port=port).__enter__())

    channel = waha(f"http://127.0.0.1:{port}", http)
    try:
        receipt = send_with_retry(lambda: channel.send(sample_post()), FAST, on_retry=start_server)
    finally:
        for server in started:
            server.__exit__(None, None, None)
    assert receipt.remote_id == "true_120363@newsletter_3EB0ABC"
    assert len(started[0].requests) == 1


def test_connection_refused_within_budget_fails_known_and_retryable(http):
    channel = waha(f"http://127.0.0.1:{closed_port()}", http)
    attempts = []
    policy = RetryPolicy(max_total_seconds=0.5, base_delay=0.05, max_delay=0.1)
    start = time.monotonic()
    with pytest.raises(ChannelError) as info:
        send_with_retry(lambda: attempts.append(1) or channel.send(sample_post()), policy)
    elapsed = time.monotonic() - start
    assert info.value.outcome_known is True  # nothing was sent: a plain failure
    assert "cannot connect to 127.0.0.1" in info.value.message
    assert len(attempts) > 1
    assert elapsed < 0.5 + TIMEOUT  # the budget holds


@pytest.mark.integration
def test_rate_limit_beyond_the_budget_gives_up_without_waiting(http):
    with FaultServer([rate_limited("30"), STATUS_OK]) as server:
        channel = mastodon(server.url, http)
        start = time.monotonic()
        with pytest.raises(ChannelError) as info:
            send_with_retry(lambda: channel.send(sample_post()), FAST)
        elapsed = time.monotonic() - start
    assert info.value.status == 429
    assert info.value.retry_after == 30
    assert elapsed < 1
    assert len(server.requests) == 1
