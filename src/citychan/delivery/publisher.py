"""Fan-out: one delivery per target, concurrently, each recorded before its first attempt and
finished with its outcome. Retries only where the channel says it is safe; a delivery whose
outcome may be that it went out is ``unknown`` and never blindly resent."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from citychan import clock, operators
from citychan.channels.base import (
    Channel,
    ChannelError,
    Length,
    Post,
    idempotency_key,
    perform,
)
from citychan.config import Config
from citychan.delivery.posts import expiry_of, make_post, post_to_json
from citychan.delivery.retry import Pacer, RetryPolicy, send_with_retry
from citychan.delivery.secrets import mask_receipt, redactor
from citychan.errors import ExitCode, StoreError
from citychan.findings import Finding
from citychan.i18n import N_, Msg
from citychan.kinds import Kind, Level
from citychan.notices.target import Plan, Target
from citychan.store.db import Store
from citychan.store.deliveries import Delivery, DeliveryStore, Status


@dataclass(frozen=True)
class Result:
    channel: str
    type: str
    status: Status
    remote_id: str | None = None
    url: str | None = None
    error: str | None = None
    delivery_id: int | None = None
    attempts: int = 0
    summary_used: bool = False
    unresolved: bool = False  # skipped because an earlier delivery's outcome is still open
    length: Length | None = None  # the plan's measure of what was sent, against the limit
    store_error: str | None = None  # the store could not record the outcome: where it is

    def as_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "type": self.type,
            "status": str(self.status),
            "remote_id": self.remote_id,
            "url": self.url,
            "error": self.error,
            "delivery_id": self.delivery_id,
            "attempts": self.attempts,
            "summary_used": self.summary_used,
            "unresolved": self.unresolved,
            "length": self.length.size if self.length else None,
            "limit": self.length.limit if self.length else None,
            "store_error": self.store_error,
        }


@dataclass
class Report:
    message_hash: str
    title: str
    kind: Kind
    results: list[Result] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    dry_run: bool = False
    forced: bool = False

    @property
    def exit_code(self) -> ExitCode:
        bad = {Status.FAILED, Status.UNKNOWN}
        return (ExitCode.DELIVERY
                if any(r.status in bad or r.unresolved or r.store_error for r in self.results)
                else ExitCode.OK)

    def as_dict(self) -> dict[str, Any]:
        return {
            "message": self.message_hash,
            "title": self.title,
            "kind": self.kind,
            "dry_run": self.dry_run,
            "forced": self.forced,
            "results": [r.as_dict() for r in self.results],
            "findings": [f.as_dict() for f in self.findings],
        }


class _Unclaimed(Exception):
    """The store refused to record a delivery before its first attempt: it was not sent."""

    def __init__(self, error: StoreError) -> None:
        super().__init__(error.message)
        self.error = error


def _with(error: str | None, kept: str | None) -> str | None:
    """A result's error text, plus what became of its record when the store refused it."""
    if kept is None:
        return error
    return error + "; " + kept if error else kept  # `+` keeps a message's template


def _masked(redact: Callable[[str], str], text: str) -> str:
    """``text`` with every secret masked. A message (N_) stays one, its values masked, when
    that gives exactly the masked text: the report then shows it in the operator's language
    (the store keeps the English text either way)."""
    masked = redact(text)
    if isinstance(text, Msg):
        parts = getattr(text, "parts", None)  # pieces joined with `+`
        again: str = (
            type(text)(tuple(_masked(redact, p) for p in parts))  # type: ignore[arg-type]
            if parts is not None
            else Msg(text.template, {k: _masked(redact, v) if isinstance(v, str) else v
                                     for k, v in text.params.items()}))
        if again == masked:
            return again
    return masked


PACING_MAX = 120.0  # seconds a delivery may wait for its turn before the hard limit applies


Event = Callable[[str, str, str], None]  # (channel, what, detail)


@dataclass
class Publisher:
    """Delivers a plan. Collaborators are injected: store, channels, clock, retry policy."""

    store: Store
    channels: Mapping[str, Channel]
    now: Callable[[], datetime]
    max_total_seconds: float = 60.0
    hard_limit: float | None = None  # seconds; a delivery still running then is `unknown`
    redact: Callable[[str], str] = lambda s: s
    on_event: Event | None = None
    sleep: Callable[[float], None] | None = None
    operator: str = field(default_factory=operators.current)  # recorded with each delivery
    _pacers: dict[str, Any] = field(default_factory=dict)
    _window_checked: set[str] = field(default_factory=set)
    _dids: dict[str, int] = field(default_factory=dict)  # channel -> its delivery this run
    _started: dict[str, float] = field(default_factory=dict)  # channel -> first attempt
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _expires: datetime | None = None  # the published notice's expires:, as a time
    deliveries: DeliveryStore = field(init=False)

    def __post_init__(self) -> None:
        self.deliveries = DeliveryStore(self.store)

    def publish(
        self,
        plan: Plan,
        *,
        force: bool = False,
        level: Level | None = None,
        cap_file: str | None = None,
    ) -> Report:
        """Deliver to every target; ``cap_file`` names a warning's CAP document (a channel
        may link it)."""
        msg = plan.message
        report = Report(
            msg.content_hash, msg.title, msg.kind, findings=list(plan.findings), forced=force
        )
        self.deliveries.record_message(
            msg.content_hash, msg.kind, msg.title, msg.langs, str(msg.path)
        )
        if msg.not_a_warning and any(f.code == "CC206" for f in plan.findings):
            self.deliveries.record_override(msg.content_hash, "CC201", msg.not_a_warning)
        self._expires = expiry_of(msg.expires, self.now())
        if self._expires is not None:  # `log` shows it expired, `citychan expire` acts then
            self.deliveries.set_expiry(msg.content_hash, self._expires)
        _ = self.store.owner  # this run's lock, held before any delivery is claimed
        skipped = [Result(s.name, "", Status.SKIPPED, error=s.reason) for s in plan.skipped]
        if not plan.targets:
            report.results = skipped
            return report
        self._dids.clear()  # this run's deliveries only: a Publisher may publish again
        self._started.clear()
        outcomes: dict[int, Result | BaseException] = {}
        abandoned = threading.Event()

        done = [threading.Event() for _ in plan.targets]

        def run(i: int, target: Target) -> None:
            try:
                outcomes[i] = self._deliver(plan, target, force, level, cap_file)
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                if not abandoned.is_set():
                    outcomes[i] = exc
            finally:
                done[i].set()

        # daemon threads: one that hangs past the hard limit must not keep the process alive
        threads = [threading.Thread(target=run, args=(i, t), daemon=True,
                                    name=f"citychan-send-{t.name}")
                   for i, t in enumerate(plan.targets)]
        for th in threads:
            th.start()
        interrupted, stopped = self._wait(plan, done)
        abandoned.set()
        why = (N_("citychan stopped waiting (Ctrl-C)") if stopped else
               N_("no answer within {seconds} s (the server is answering too slowly)").format(
                   seconds=f"{self.hard_limit or 0:.0f}"))
        unclaimed = [o for o in outcomes.values() if isinstance(o, _Unclaimed)]
        if unclaimed and len(unclaimed) == len(plan.targets):
            raise unclaimed[0].error  # the store refused every claim: nothing was sent
        results: list[Result] = []
        for i, target in enumerate(plan.targets):
            outcome = outcomes.get(i)
            if isinstance(outcome, _Unclaimed):  # others went out: this one was not sent
                outcome = Result(target.name, target.type, Status.FAILED,
                                 error=N_("not sent: {why}").format(why=outcome.error.message),
                                 summary_used=target.summary_used)
            if isinstance(outcome, BaseException):
                raise outcome
            result = outcome if outcome is not None else self._overdue(target, why)
            results.append(replace(result, length=target.length))
        report.results = results + skipped
        if interrupted:
            raise KeyboardInterrupt  # after every result that came in was recorded
        return report

    def _wait(self, plan: Plan, done: list[threading.Event]) -> tuple[bool, bool]:
        """Wait for the senders. Each has ``hard_limit`` seconds from its first attempt (pacing
        before it does not count). Ctrl-C keeps waiting, so that what went out is recorded
        and not resent later; a second Ctrl-C stops waiting. Returns (interrupted, stopped).
        (Events, not Thread.join: a join interrupted by Ctrl-C can report a live thread
        as finished.)"""
        t0, interrupted = time.monotonic(), False
        while alive := [i for i, d in enumerate(done) if not d.is_set()]:
            if self.hard_limit is not None:
                now = time.monotonic()
                starts = [self._started.get(plan.targets[i].name, t0 + PACING_MAX) for i in alive]
                if all(now >= start + self.hard_limit for start in starts):
                    break
            try:
                done[alive[0]].wait(0.05)
            except KeyboardInterrupt:
                if interrupted:
                    return True, True
                interrupted = True
                self._emit("*", "interrupted", N_("recording the deliveries in flight; "
                                                  "Ctrl-C again to stop waiting"))
        return interrupted, False

    def _overdue(self, target: Target, why: str) -> Result:
        """A delivery with no outcome when the waiting ended: the request may still arrive."""
        text = N_("{why}; the post may still arrive").format(why=why)
        did = self._dids.get(target.name)
        kept = None
        if did is not None:  # only if its own thread has not finished it meanwhile
            kept = self.deliveries.finish(did, Status.UNKNOWN, error=text, only_pending=True)
        self._emit(target.name, "unknown", text)
        return Result(target.name, target.type, Status.UNKNOWN, error=_with(text, kept),
                      delivery_id=did, summary_used=target.summary_used, store_error=kept)

    def _emit(self, channel: str, what: str, detail: str = "") -> None:
        if self.on_event:
            self.on_event(channel, what, detail)

    def _deliver(
        self, plan: Plan, target: Target, force: bool, level: Level | None, cap_file: str | None
    ) -> Result:
        msg = plan.message
        stored = (
            target.rendered.text
            if target.rendered.html is None
            else (target.rendered.text + "\n\n" + target.rendered.html)
        )
        made: list[Post] = []

        def prepare(did: int) -> tuple[str, str]:
            key = idempotency_key(msg.content_hash, target.name, did)
            made.append(make_post(plan, target, key, self.now(), level, cap_file,
                                  self._expires))
            return key, post_to_json(made[0])

        # "already sent?" and the pending record with its key and post (Matrix txnId,
        # Mastodon key) are one step in the store: of several runs, one sends
        try:
            claim = self.deliveries.claim(msg.content_hash, target.name, target.type, stored,
                                          force, prepare, operator=self.operator)
        except StoreError as exc:
            raise _Unclaimed(exc) from None
        if claim.id is None:
            assert claim.taken is not None
            self._emit(target.name, "skipped")
            return self._taken(target, claim.taken)
        self._dids[target.name] = claim.id
        return self.send_recorded(target, made[0], claim.id)

    def _taken(self, target: Target, prev: Delivery) -> Result:
        """Skipped: the delivery that went out, may have, or is being sent by another run."""
        when = prev.created.astimezone(self.now().tzinfo)  # the city's clock, as log
        if prev.status is Status.PENDING and self.store.owner_alive(prev.claim):
            what = (f"already pending: another citychan run is sending it right now "
                    f"(delivery #{prev.id}); see citychan log for its outcome")
        else:
            # --force after an unknown outcome would be the blind resend we never do
            then = (
                "use --force to send again"
                if prev.status is Status.SENT
                else "run 'citychan retry' to find out whether it arrived"
            )
            what = f"already {prev.status} on {when:%Y-%m-%d %H:%M} (delivery #{prev.id}); {then}"
        return Result(
            target.name,
            target.type,
            Status.SKIPPED,
            prev.remote_id,
            prev.url,
            what,
            prev.id,
            summary_used=target.summary_used,
            unresolved=prev.status is not Status.SENT,
        )

    def send_recorded(self, target: Target, post: Post, did: int) -> Result:
        """Send one post for an already recorded delivery and finish its record."""
        channel = self.channels[target.name]
        attempts = 0

        def attempt() -> Any:
            nonlocal attempts
            self._pace(target)
            self._started.setdefault(target.name, time.monotonic())
            attempts += 1
            self._emit(target.name, "sending", N_("attempt {n}").format(n=attempts))
            return perform(channel, post)  # send, or edit/delete (corrections)

        policy = RetryPolicy(max_total_seconds=self.max_total_seconds)
        kwargs: dict[str, Any] = {"on_retry": lambda *a: self._emit(target.name, "retrying", "")}
        if self.sleep is not None:
            kwargs["sleep"] = self.sleep
        try:
            receipt = send_with_retry(attempt, policy, **kwargs)
        except ChannelError as exc:
            status = Status.FAILED if exc.outcome_known else Status.UNKNOWN
            # a partial send: `citychan retry` resends to the recipients it missed alone
            narrowed = post_to_json(replace(post, recipients=exc.missed)) if exc.missed else None
            return self._finished(target, did, attempts, status,
                                  error=_masked(self.redact, exc.message), post=narrowed,
                                  permanent=_permanent(exc))
        except (Exception, SystemExit) as exc:  # a channel's bug (even sys.exit): it may
            # have sent, so never assume not
            text = _masked(self.redact, N_("internal error in channel: {name}: {exc}").format(
                name=type(exc).__name__, exc=str(exc)))
            return self._finished(target, did, attempts, Status.UNKNOWN, error=text)
        # a server may echo a token inside the id or URL it answers with
        remote_id, url = mask_receipt(receipt, lambda text: _masked(self.redact, text))
        return self._finished(target, did, attempts, Status.SENT, remote_id=remote_id, url=url)

    def _finished(self, target: Target, did: int, attempts: int, status: Status, *,
                  error: str | None = None, remote_id: str | None = None,
                  url: str | None = None, post: str | None = None,
                  permanent: bool = False) -> Result:
        """Record a delivery's outcome, report it, and return its result row (which also says
        what became of the record when the store refused it)."""
        kept = self.deliveries.finish(did, status, remote_id=remote_id, url=url, error=error,
                                      attempts=attempts, post=post, permanent=permanent)
        self._emit(target.name, str(status), error or url or remote_id or "")
        return Result(target.name, target.type, status, remote_id, url,
                      error=_with(error, kept), delivery_id=did, attempts=attempts,
                      summary_used=target.summary_used, store_error=kept)

    def _pace(self, target: Target) -> None:
        per_minute = target.capabilities.per_minute
        if not per_minute:
            return
        with self._lock:
            pacer = self._pacers.setdefault(target.name, Pacer(per_minute))
            first = target.name not in self._window_checked
            self._window_checked.add(target.name)
        if first:  # earlier runs count too: a script posting in a loop stays under the limit
            (self.sleep or time.sleep)(self._window_wait(target.name, per_minute))
        pacer.wait()

    def _window_wait(self, channel: str, per_minute: int) -> float:
        """Seconds until fewer than ``per_minute`` deliveries to ``channel`` were started in
        the last minute, counting this run's own (already recorded) delivery."""
        from datetime import timedelta

        now = clock.utcnow()
        started = self.deliveries.started_since(channel, now - timedelta(minutes=1))
        if len(started) <= per_minute:
            return 0.0
        oldest_to_expire = started[len(started) - per_minute - 1]
        return max(0.0, (oldest_to_expire + timedelta(minutes=1) - now).total_seconds())


def _permanent(exc: ChannelError) -> bool:
    """The service refused the post for good: sending the same again fails the same way
    (a 4xx other than 408 timeout and 429 rate limit, with nothing sent)."""
    return (exc.outcome_known and not exc.retryable and exc.status is not None
            and 400 <= exc.status < 500 and exc.status not in (408, 429))


def publisher_for(config: Config, store: Store, channels: Mapping[str, Any], env: Mapping[str, str],
              on_event: Callable[[str, str, str], None] | None = None,
              operator: str | None = None) -> Publisher:
    """The fan-out for this config: its clock, retry budget and secrets to mask."""
    budget = config.publish.max_total_seconds
    return Publisher(store=store, channels=channels, now=config.now,
                     max_total_seconds=budget,
                     # retries stop within the budget; this catches what the per-read timeout
                     # cannot, a server that answers a byte at a time (with room for
                     # Mastodon's wait for an uploaded image)
                     hard_limit=2 * budget + config.publish.timeout + min(40.0, 4 * budget),
                     redact=redactor(config, env), on_event=on_event,
                     operator=operator or operators.current())
