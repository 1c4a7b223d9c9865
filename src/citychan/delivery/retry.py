"""Retrying one delivery, and pacing the posts to one channel.

Only a :class:`ChannelError` with ``retryable=True`` is tried again: the channel has said a
resend cannot post twice. Everything else, above all an error whose outcome is unknown, is
raised at once: that delivery is recorded as ``unknown`` and resolved by reading back, never by
resending blindly.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from citychan.channels.base import ChannelError, Receipt

OnRetry = Callable[[int, ChannelError, float], None]  # (attempt that failed, error, delay)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter inside a bounded total time.

    The n-th retry waits ``min(max_delay, base_delay * 2**(n-1))``, shortened by up to
    ``jitter`` of itself at random (so parallel senders spread out), but never less than
    the ``retry_after`` the API asked for.
    """

    max_total_seconds: float = 60.0
    base_delay: float = 0.5
    max_delay: float = 30.0
    jitter: float = 0.5  # 0: no randomness; 1: anywhere between 0 and the full backoff
    max_attempts: int = 10

    def backoff(self, retry: int, rng: Callable[[], float] = random.random) -> float:
        """The wait before retry number ``retry`` (1-based), before honouring retry_after."""
        full = min(self.max_delay, self.base_delay * 2 ** (retry - 1))
        return full * (1 - self.jitter * rng())


def send_with_retry(
    send: Callable[[], Receipt],
    policy: RetryPolicy | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    rng: Callable[[], float] = random.random,
    on_retry: OnRetry | None = None,
) -> Receipt:
    """Call ``send`` until it returns a Receipt or retrying is no longer safe or possible.

    Raises the last ChannelError when it is not retryable, when the attempts are used up, or
    when the next wait (backoff or the API's retry_after) would end beyond the total budget.
    The budget counts from the first attempt and includes the time spent sending.

    ``retryable`` decides, not ``outcome_known``: an idempotent API (Mastodon's key, Matrix's
    txnId) raises ``retryable=True, outcome_known=False`` after a timeout or 5xx, and is
    retried; if the budget runs out, that error (outcome unknown) is what the caller records.
    """
    policy = policy or RetryPolicy()
    start = clock()
    attempt = 0
    while True:
        attempt += 1
        try:
            return send()
        except ChannelError as exc:
            if not exc.retryable or attempt >= policy.max_attempts:
                raise
            delay = max(policy.backoff(attempt, rng), exc.retry_after or 0.0)
            remaining = policy.max_total_seconds - (clock() - start)
            if delay > remaining:
                # a wait we cannot afford: give up now rather than sleep and fail anyway
                raise
            if on_retry is not None:
                on_retry(attempt, exc, delay)
            sleep(delay)


class Pacer:
    """Spaces calls to one channel evenly: at most ``per_minute`` starts per minute.

    Thread-safe: each caller reserves the next free slot under a lock, then sleeps outside
    it, so concurrent senders queue up instead of bursting.
    """

    def __init__(
        self,
        per_minute: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.interval = 60.0 / per_minute
        self._clock = clock
        self._sleep = sleep
        self._next: float | None = None
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Block until this caller may send; return the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = now if self._next is None else max(now, self._next)
            self._next = slot + self.interval
        delay = slot - now
        if delay > 0:
            self._sleep(delay)
        return delay
