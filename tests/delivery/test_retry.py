"""send_with_retry and Pacer with a fake clock: which errors are retried, how long it waits."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import httpx
import pytest

from citychan.channels.base import ChannelError, Receipt
from citychan.channels.http import (
    ApiPolicy,
    error_from_exception,
    error_from_response,
    parse_reset_time,
    parse_retry_after,
    retry_after_of,
)
from citychan.delivery.retry import Pacer, RetryPolicy, send_with_retry


class FakeTime:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def scripted(*outcomes: ChannelError | Receipt):
    calls = []

    def send() -> Receipt:
        outcome = outcomes[len(calls)]
        calls.append(outcome)
        if isinstance(outcome, ChannelError):
            raise outcome
        return outcome

    return send, calls


def run(send, policy=None, **kw):
    t = FakeTime()
    result = send_with_retry(
        send, policy or RetryPolicy(), sleep=t.sleep, clock=t.clock, rng=lambda: 0.0, **kw
    )
    return result, t


def test_retryable_error_then_success_returns_the_receipt():
    ok = Receipt("42", "https://example.org/42")
    send, calls = scripted(ChannelError("refused", retryable=True), ok)
    result, t = run(send)
    assert result == ok
    assert len(calls) == 2
    assert t.sleeps == [0.5]


def test_backoff_doubles_up_to_max_delay():
    errors = [ChannelError("refused", retryable=True) for _ in range(6)]
    send, calls = scripted(*errors, Receipt("1"))
    policy = RetryPolicy(max_total_seconds=1000, base_delay=1, max_delay=8)
    _, t = run(send, policy)
    assert t.sleeps == [1, 2, 4, 8, 8, 8]


def test_jitter_shortens_the_wait_by_at_most_the_jitter_fraction():
    policy = RetryPolicy(base_delay=2, jitter=0.5)
    assert policy.backoff(1, rng=lambda: 0.0) == 2
    assert policy.backoff(1, rng=lambda: 1.0) == 1
    assert policy.backoff(2, rng=lambda: 0.5) == 3


def test_outcome_unknown_is_raised_at_once_without_retry():
    err = ChannelError("timeout after sending", outcome_known=False)
    send, calls = scripted(err, Receipt("never"))
    with pytest.raises(ChannelError) as info:
        run(send)
    assert info.value is err
    assert len(calls) == 1


def test_known_failure_is_not_retried():
    send, calls = scripted(ChannelError("HTTP 400: bad", status=400), Receipt("never"))
    with pytest.raises(ChannelError, match="HTTP 400"):
        run(send)
    assert len(calls) == 1


def test_retry_after_longer_than_backoff_is_honoured():
    send, calls = scripted(ChannelError("429", retryable=True, retry_after=7), Receipt("1"))
    _, t = run(send)
    assert t.sleeps == [7]


def test_retry_after_beyond_the_budget_gives_up_at_once():
    err = ChannelError("429", retryable=True, retry_after=120)
    send, calls = scripted(err, Receipt("never"))
    t = FakeTime()
    with pytest.raises(ChannelError) as info:
        send_with_retry(send, RetryPolicy(max_total_seconds=60), sleep=t.sleep, clock=t.clock)
    assert info.value is err
    assert t.sleeps == []
    assert len(calls) == 1


def test_total_budget_bounds_all_waits_and_the_last_error_is_raised():
    errors = [ChannelError(f"refused {i}", retryable=True) for i in range(20)]
    send, calls = scripted(*errors)
    policy = RetryPolicy(max_total_seconds=5, base_delay=1, max_delay=30)
    with pytest.raises(ChannelError) as info:
        run(send, policy)
    # waits 1 + 2 = 3 s; the next (4 s) would end at 7 s > 5 s budget
    assert len(calls) == 3
    assert info.value.message == "refused 2"


def test_time_spent_sending_counts_against_the_budget():
    t = FakeTime()
    starts = []

    def slow_send() -> Receipt:
        starts.append(t.now)
        t.now += 4  # each attempt takes 4 s (e.g. a connect timeout)
        raise ChannelError("connect timeout", retryable=True)

    with pytest.raises(ChannelError):
        send_with_retry(
            slow_send,
            RetryPolicy(max_total_seconds=10, base_delay=0.5),
            sleep=t.sleep,
            clock=t.clock,
            rng=lambda: 0.0,
        )
    # attempts start at 0, 4.5 (after 0.5 s) and 9.5 (after 1 s); a fourth would need a 2 s
    # wait from 13.5, past the 10 s budget
    assert starts == [0, 4.5, 9.5]


def test_on_retry_is_told_attempt_error_and_delay():
    err = ChannelError("429", retryable=True, retry_after=2)
    send, _ = scripted(err, Receipt("1"))
    seen = []
    run(send, on_retry=lambda attempt, error, delay: seen.append((attempt, error, delay)))
    assert seen == [(1, err, 2)]


def test_max_attempts_caps_retries():
    errors = [ChannelError("x", retryable=True) for _ in range(5)]
    send, calls = scripted(*errors)
    with pytest.raises(ChannelError):
        run(send, RetryPolicy(max_total_seconds=1000, max_attempts=3))
    assert len(calls) == 3


def test_pacer_spaces_calls_evenly():
    t = FakeTime()
    pacer = Pacer(20, clock=t.clock, sleep=t.sleep)
    waits = [pacer.wait() for _ in range(3)]
    assert waits == [0, 3.0, 3.0]
    t.now += 10  # idle time is not saved up into a burst beyond one free slot
    assert pacer.wait() == 0
    assert pacer.wait() == 3.0


def test_pacer_is_thread_safe_every_caller_gets_its_own_slot():
    lock = threading.Lock()
    now = [0.0]
    slots = []

    def sleep(seconds: float) -> None:
        with lock:
            slots.append(seconds)

    pacer = Pacer(60, clock=lambda: now[0], sleep=sleep)
    threads = [threading.Thread(target=pacer.wait) for _ in range(10)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(slots) == [float(i) for i in range(1, 10)]


def test_pacer_rejects_nonsense():
    with pytest.raises(ValueError):
        Pacer(0)


# --- waiting times the APIs ask for (channels/http.py) ---------------------------------------

NOW = datetime(2026, 11, 28, 13, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("5", 5.0),
        ("0.5", 0.5),
        ("-3", 0.0),
        ("Sat, 28 Nov 2026 13:00:30 GMT", 30.0),
        ("Sat, 28 Nov 2026 12:00:00 GMT", 0.0),
        ("soon", None),
        (None, None),
        ("", None),
    ],
)
def test_parse_retry_after_seconds_or_http_date(value, seconds):
    assert parse_retry_after(value, NOW) == seconds


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("2026-11-28T13:05:00.000Z", 300.0),
        ("2026-11-28T14:05:00+01:00", 300.0),
        ("2026-11-28T13:00:10", 10.0),
        ("yesterday", None),
    ],
)
def test_parse_mastodon_reset_time(value, seconds):
    assert parse_reset_time(value, NOW) == seconds


def test_retry_after_sources_in_order():
    telegram = {"ok": False, "parameters": {"retry_after": 12}}
    matrix = {"errcode": "M_LIMIT_EXCEEDED", "retry_after_ms": 2500}
    assert retry_after_of(httpx.Response(429, json=telegram), telegram, NOW) == 12
    assert retry_after_of(httpx.Response(429, json=matrix), matrix, NOW) == 2.5
    header_wins = httpx.Response(429, headers={"Retry-After": "3"}, json=matrix)
    assert retry_after_of(header_wins, matrix, NOW) == 3
    reset = httpx.Response(429, headers={"X-RateLimit-Reset": "2026-11-28T13:01:00Z"})
    assert retry_after_of(reset, None, NOW) == 60
    assert retry_after_of(httpx.Response(429), None, NOW) is None


def test_matrix_style_429_maps_to_retryable_with_its_wait():
    body = {"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many Requests", "retry_after_ms": 2000}
    err = error_from_response(httpx.Response(429, json=body), ApiPolicy("Matrix", idempotent=True))
    assert (err.retryable, err.outcome_known, err.retry_after) == (True, True, 2.0)
    assert err.message == "Matrix: HTTP 429: Too Many Requests"


def test_idempotent_api_makes_5xx_and_timeouts_retryable_but_still_unknown():
    idem, plain = ApiPolicy("Matrix", idempotent=True), ApiPolicy("WAHA")
    request = httpx.Request("POST", "https://hs.example/_matrix/x/secret-path")
    timeout = httpx.ReadTimeout("t", request=request)
    for policy, retryable in ((idem, True), (plain, False)):
        err = error_from_response(httpx.Response(500), policy)
        assert (err.retryable, err.outcome_known, err.status) == (retryable, False, 500)
        err = error_from_exception(timeout, policy, str(request.url))
        assert (err.retryable, err.outcome_known) == (retryable, False)
        assert "secret-path" not in err.message and "hs.example" in err.message
