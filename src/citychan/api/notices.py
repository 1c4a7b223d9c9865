"""Notices: preview, post (check, confirm, deliver, record) and the log of what went out."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from citychan import clock, operators
from citychan.config import ChannelConfig, Config
from citychan.delivery.clients import Channels, open_channels
from citychan.delivery.publisher import Report, publisher_for
from citychan.errors import UsageError, did_you_mean
from citychan.i18n import N_
from citychan.kinds import Kind
from citychan.notices.message import Message, load_message
from citychan.notices.plan import plan, select
from citychan.notices.rules import NEAR_DUPLICATE_WINDOW, near_duplicate_findings
from citychan.notices.target import Plan
from citychan.store.db import Store
from citychan.store.deliveries import DeliveryStore, Status
from citychan.timeparse import parse_duration, parse_when


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
    shown_as: str | Path | None = None,
) -> Iterator[tuple[Plan, Channels]]:
    """Load, select channels, render, and check: everything up to sending, with the channel
    clients open until the block ends. The daily cap is counted from ``store``, else from the
    store file if there is one (preview, dry run). A notice every chosen channel already has
    is not held by quiet hours, the cap or a near-duplicate: the post will only say "already
    sent". ``shown_as``: the notice's own path where ``path`` is a copy of it (a draft's
    files from the store): the records name it, not the copy."""
    now = now or config.now()
    message = load_message(path, config.city.languages, kind=kind)
    if shown_as is not None:
        message = replace(message, path=Path(shown_as))
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
    shown_as: str | Path | None = None,
) -> Report:
    """Check, confirm, deliver to every target concurrently and record every attempt, under
    ``operator`` (``--by``; default: the login name). ``expect_hash``: refuse unless the file still
    says what it said then (a scheduled post). ``shown_as``: see :func:`planned`."""
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
    with planned(path, config, only=only, force=force, offline=False, env=env,
                 shown_as=shown_as) as (p, channels):
        if expect_hash is not None and p.message.content_hash != expect_hash:
            raise UsageError(
                N_("{name} changed since it was scheduled (was message {expect_hash}, now "
                   "{content_hash}); nothing was sent").format(
                    name=p.message.path.name, expect_hash=expect_hash[:12],
                    content_hash=p.message.content_hash[:12]),
                hint=N_("check the file, then schedule it again with citychan post FILE --at …"))
        _refuse_warning(p)
        p.reject_if_errors()
        if confirm is not None and not confirm(p):
            raise UsageError(N_("not confirmed; nothing was sent"))
        with open_store(config) as store:  # only now: bad input leaves no store behind
            return publisher_for(config, store, channels, env, on_event,
                                 operator=who).publish(p, force=force)


def _refuse_warning(p: Plan) -> None:
    """A danger warning goes through `citychan warn`: its rules, its guards, its CAP file."""
    if p.message.kind == Kind.WARNING:
        raise UsageError(
            N_("{name} is a danger warning (kind: warning or a level): 'citychan post' "
               "sends information only").format(name=p.message.path.name),
            hint=N_("send it with: citychan warn {path}").format(path=p.message.path),
        )


@dataclass(frozen=True)
class LogFilter:
    """What `citychan log` shows: deliveries since a time, to some channels, with some
    statuses, of some kinds (empty: all)."""

    since: datetime | None = None
    channels: tuple[str, ...] = ()
    statuses: tuple[Status, ...] = ()
    kinds: tuple[Kind, ...] = ()


def parse_filter(config: Config, *, since: str | None = None, channels: Sequence[str] = (),
                 statuses: Sequence[str] = (), kinds: Sequence[str] = ()) -> LogFilter:
    """The filters as typed (``--since 2d`` or ``--since 29.11.2026``, ``--status failed``);
    a UsageError naming the option for what cannot be read."""
    when = None
    if since:
        text = since.strip()
        day = _GERMAN_DAY.fullmatch(text)
        if day:
            text = f"{text} 00:00"
        elif parse_duration(text) is None and len(text) == 10:
            text = f"{text}T00:00"  # an ISO day: from its start
        ahead = parse_duration(text)
        base = config.now()
        when = base - ahead if ahead is not None else parse_when(
            text, base=base, tz=config.city.timezone, what="--since")
    return LogFilter(when, tuple(channels), tuple(_enum(Status, s, "--status") for s in statuses),
                     tuple(_enum(Kind, k, "--kind") for k in kinds))


_GERMAN_DAY = re.compile(r"[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}")
E = TypeVar("E", Status, Kind)


def _enum(cls: type[E], value: str, option: str) -> E:
    try:
        return cls(value.strip().lower())
    except ValueError:
        names = [str(x) for x in cls]
        raise UsageError(N_("{option} {value!r} is not one of {join}.").format(
                             option=option, value=value,
                             join=', '.join(names)) + did_you_mean(value, names)) from None


def log(config: Config, limit: int = 20, filters: LogFilter | None = None, *,
        by_notice: bool = False) -> list[dict[str, Any]]:
    """The latest deliveries, newest first; with ``by_notice`` the latest ``limit`` notices,
    each with its deliveries (corrections and withdrawals included). A read-only store is
    read as it is."""
    f = filters or LogFilter()
    if not config.store.exists():
        return []
    with Store.open_for_reading(config.store) as store:
        deliveries = DeliveryStore(store)
        expiries, now = deliveries.expiries(), clock.utcnow()  # issue 12: expired notices
        found = deliveries.search(since=f.since, channels=f.channels, statuses=f.statuses,
                                  kinds=tuple(str(k) for k in f.kinds), limit=limit,
                                  notices=by_notice)
        why = deliveries.overrides("CC201")  # issue 14: not_a_warning, as it went out
        rows = [{**d.as_dict(), "expired": d.message_hash in expiries
                 and expiries[d.message_hash] <= now, "not_a_warning": why.get(d.message_hash)}
                for d in found]
        if not by_notice:
            return rows
        return _by_notice(deliveries, found, rows)


def _by_notice(deliveries: DeliveryStore, found: list[Any],
               rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows grouped by the notice they post, correct or take back, newest notice first."""
    hash_of = {d.id: d.message_hash for d in found}
    notices: dict[str, dict[str, Any]] = {}
    for d, row in zip(found, rows, strict=True):
        root = d.message_hash
        if d.relates_to is not None:
            if d.relates_to not in hash_of:
                original = deliveries.get(d.relates_to)
                hash_of[d.relates_to] = original.message_hash if original else d.message_hash
            root = hash_of[d.relates_to]
        notice = notices.setdefault(root, {"message": root, "title": "", "kind": d.kind,
                                           "deliveries": []})
        if d.relates_to is None and not notice["title"]:
            notice["title"] = d.title
        notice["deliveries"].append(row)
    for notice in notices.values():
        notice["title"] = notice["title"] or notice["deliveries"][0]["title"]
        posts = [r for r in notice["deliveries"] if r["relates_to"] is None]
        notice["first"] = min((r["created"] for r in notice["deliveries"]), default=None)
        notice["channels"] = _latest_status(posts)
        notice["operators"] = sorted({r["operator"] for r in notice["deliveries"]
                                      if r["operator"]})
        notice["expired"] = any(r["expired"] for r in notice["deliveries"])
        notice["purposes"] = sorted({r["purpose"] for r in notice["deliveries"]
                                     if r["purpose"]})
    return list(notices.values())


def _latest_status(posts: list[dict[str, Any]]) -> dict[str, str]:
    """Each channel's status: its newest post (rows come newest first), by channel name."""
    out: dict[str, str] = {}
    for r in posts:
        out.setdefault(r["channel"], r["status"])
    return dict(sorted(out.items()))


def history(config: Config, ref: str) -> dict[str, Any]:
    """One notice's whole history (``ref``: a hash prefix, ``latest`` or a delivery id):
    every post, correction, withdrawal and dismissal, oldest first, with who did it."""
    if not config.store.exists():
        raise UsageError(N_("{ref}: nothing was posted yet").format(
                             ref=ref), hint=N_("see citychan log"))
    with Store.open_for_reading(config.store) as store:
        deliveries = DeliveryStore(store)
        root = deliveries.find_notice(ref)
        posts = [d for d in deliveries.of_message(root) if d.message_hash == root]
        related = [r for d in posts for r in deliveries.related(d.id)]
    events = sorted([*posts, *related], key=lambda d: (d.created, d.id))
    title = next((d.title for d in posts), "")
    return {"message": root, "title": title, "kind": posts[0].kind if posts else "",
            "deliveries": [d.as_dict() for d in events]}
