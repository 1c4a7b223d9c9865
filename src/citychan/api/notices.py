"""Notices: preview, post (check, confirm, deliver, record) and the log of what went out."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from citychan import clock, operators
from citychan.config import ChannelConfig, Config
from citychan.delivery.clients import Channels, open_channels
from citychan.delivery.publisher import Report, publisher_for
from citychan.errors import UsageError
from citychan.kinds import Kind
from citychan.notices.message import Message, load_message
from citychan.notices.plan import plan, select
from citychan.notices.rules import NEAR_DUPLICATE_WINDOW, near_duplicate_findings
from citychan.notices.target import Plan
from citychan.store.db import Store
from citychan.store.deliveries import DeliveryStore


@contextmanager
def planned(
    path: str | Path,
    config: Config,
    *,
    only: Sequence[str] = (),
    force: bool = False,
    offline: bool,
    env: Mapping[str, str],
    store: Store | None = None,
    kind: Kind | None = None,
    now: datetime | None = None,
) -> Iterator[tuple[Plan, Channels]]:
    """Load, select channels, render, and check: everything up to sending, with the channel
    clients open until the block ends. The daily cap is counted from ``store``, else from the
    store file if there is one (preview, dry run). A notice every chosen channel already has
    is not held by quiet hours, the cap or a near-duplicate: the post will only say "already
    sent"."""
    now = now or config.now()
    message = load_message(path, config.city.languages, kind=kind)
    chosen = select(config, message, only)
    with open_channels(config, chosen, offline=offline, env=env) as channels:
        yield _plan(config, message, chosen, channels, store, force, now), channels


def _plan(config: Config, message: Message, chosen: list[ChannelConfig], channels: Channels,
          store: Store | None, force: bool, now: datetime) -> Plan:
    so_far = _SoFar()
    if message.kind == Kind.INFO:
        if store is not None:
            so_far = _sent_so_far(store, message, chosen, now, force)
        elif config.store.exists():
            with Store.open(config.store) as existing:
                so_far = _sent_so_far(existing, message, chosen, now, force)
    result = plan(
        config, message, channels, chosen, now=None if so_far.everywhere else now,
        sent_today=so_far.today, force=force
    )
    if not so_far.everywhere:
        result.findings += near_duplicate_findings(
            message.title, so_far.lately, force, config.city.timezone)
    return result


@dataclass(frozen=True)
class _SoFar:
    today: int = 0  # info messages sent today, other than this one
    everywhere: bool = False  # every chosen channel has this one already
    lately: tuple[tuple[str, str, datetime], ...] = ()  # others sent in the last 24 hours


def _sent_so_far(
    store: Store, message: Message, chosen: list[ChannelConfig], now: datetime, force: bool
) -> _SoFar:
    deliveries, h = DeliveryStore(store), message.content_hash
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    lately = tuple(s for s in deliveries.sent_since(now - NEAR_DUPLICATE_WINDOW) if s[0] != h)
    return _SoFar(deliveries.count_info_since(midnight, other_than=h),
                  not force and all(deliveries.already_sent(h, c.name) for c in chosen), lately)


def preview(path: str | Path, config: Config, *, only: Sequence[str] = ()) -> Plan:
    with planned(path, config, only=only, offline=True, env={}) as (p, _):
        return p


def is_warning(path: str | Path, config: Config) -> bool:
    """Whether the file is a danger warning (kind: warning, or a level): its preview is the
    dry run of `citychan warn`, so that it shows what the warning sends."""
    return load_message(path, config.city.languages).kind == Kind.WARNING


def open_store(config: Config) -> Store:
    return Store.open(config.store)


def post(
    path: str | Path,
    config: Config,
    *,
    only: Sequence[str] = (),
    force: bool = False,
    dry_run: bool = False,
    confirm: Callable[[Plan], bool] | None = None,
    on_event: Callable[[str, str, str], None] | None = None,
    env: Mapping[str, str] | None = None,
    operator: str | None = None,
    expect_hash: str | None = None,
) -> Report:
    """Check, confirm, deliver to every target concurrently and record every attempt, under
    ``operator`` (``--by``; default: the login name). ``expect_hash``: refuse unless the file still
    says what it said then (a scheduled post)."""
    env = os.environ if env is None else env
    who = operators.operator(operator)  # a bad --by is refused before anything else
    if dry_run:  # offline, but with the real secrets: a missing one fails here as in a post
        with planned(path, config, only=only, force=force, offline=True, env=dict(env)) as (p, _):
            pass
        _refuse_warning(p)
        p.reject_if_errors()
        report = Report(
            p.message.content_hash,
            p.message.title,
            p.message.kind,
            findings=p.findings,
            dry_run=True,
            forced=force,
        )
        return report
    with planned(path, config, only=only, force=force, offline=False, env=env) as (p, channels):
        if expect_hash is not None and p.message.content_hash != expect_hash:
            raise UsageError(
                f"{p.message.path.name} changed since it was scheduled (was message "
                f"{expect_hash[:12]}, now {p.message.content_hash[:12]}); nothing was sent",
                hint="check the file, then schedule it again with citychan post FILE --at …")
        _refuse_warning(p)
        p.reject_if_errors()
        if confirm is not None and not confirm(p):
            raise UsageError("not confirmed; nothing was sent")
        with open_store(config) as store:  # only now: bad input leaves no store behind
            return publisher_for(config, store, channels, env, on_event,
                                 operator=who).publish(p, force=force)


def _refuse_warning(p: Plan) -> None:
    """A danger warning goes through `citychan warn`: its rules, its guards, its CAP file."""
    if p.message.kind == Kind.WARNING:
        raise UsageError(
            f"{p.message.path.name} is a danger warning (kind: warning or a level): "
            "'citychan post' sends information only",
            hint=f"send it with: citychan warn {p.message.path}",
        )


def log(config: Config, limit: int = 20) -> list[dict[str, Any]]:
    """The latest deliveries, newest first; a read-only store is read as it is."""
    if not config.store.exists():
        return []
    with Store.open_for_reading(config.store) as store:
        deliveries = DeliveryStore(store)
        expiries, now = deliveries.expiries(), clock.utcnow()  # issue 12: expired notices
        return [{**d.as_dict(), "expired": d.message_hash in expiries
                 and expiries[d.message_hash] <= now} for d in deliveries.recent(limit)]
