"""Correct, withdraw and expire a notice that went out (`citychan correct`, `withdraw`,
`expire`): find it by its reference, plan what each channel gets, and carry it out."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from citychan import operators
from citychan.api.notices import planned
from citychan.channels.base import Post
from citychan.config import Config
from citychan.delivery.clients import open_channels
from citychan.delivery.lifecycle import (
    LifeReport,
    Purpose,
    carry_out,
    correction_steps,
    current_title,
    expiry_steps,
    withdrawal_steps,
)
from citychan.delivery.posts import expiry_of, post_from_json
from citychan.delivery.publisher import publisher_for
from citychan.errors import UsageError
from citychan.i18n import N_
from citychan.kinds import Kind
from citychan.links import clean_url
from citychan.render.types import Dialect, Rendered
from citychan.store.db import Store
from citychan.store.deliveries import Delivery, DeliveryStore

Confirm = Callable[[LifeReport], bool]
Event = Callable[[str, str, str], None]


@contextmanager
def _notice(config: Config, ref: str, *,
            writing: bool) -> Iterator[tuple[Store, str, list[Delivery]]]:
    """The store, the notice ``ref`` names and its posts, one per channel."""
    if not config.store.exists():
        raise UsageError(N_("{ref}: nothing was posted yet (no store at {store_path})").format(
                             ref=ref, store_path=config.store_path))
    opened = Store.open(config.store) if writing else Store.open_for_reading(
        config.store)
    with opened as store:
        deliveries = DeliveryStore(store)
        message_hash = deliveries.find_notice(ref)
        originals = deliveries.originals(message_hash)
        if any(d.kind == Kind.WARNING for d in originals):
            raise UsageError(
                N_("{ref} is a danger warning: it is corrected and withdrawn through its "
                   "incident").format(ref=ref),
                hint=N_("citychan warn update INCIDENT (a correction) or citychan warn allclear "
                        "INCIDENT (CAP Cancel); citychan incidents lists them"))
        yield store, message_hash, originals


def _configured(config: Config, originals: list[Delivery]) -> list[str]:
    return [d.channel for d in originals
            if d.channel in config.channels and config.channels[d.channel].enabled]


def _confirmed(report: LifeReport, confirm: Confirm | None) -> None:
    if confirm is not None and not confirm(report):
        raise UsageError(N_("not confirmed; nothing was changed"))


def correct(
    ref: str, path: str | Path, config: Config, *, dry_run: bool = False,
    confirm: Confirm | None = None, on_event: Event | None = None,
    env: Mapping[str, str] | None = None, operator: str | None = None,
) -> LifeReport:
    """Correct the notice ``ref`` names with the text of ``path``: in place where the channel
    can edit, else a short "Korrektur: …" post; ``dry_run`` shows what each would get."""
    env = os.environ if env is None else env
    with _notice(config, ref, writing=not dry_run) as (store, message_hash, originals):
        names = _configured(config, originals)
        if not names:
            raise UsageError(N_("{ref}: none of the channels it went to is configured now").format(
                                 ref=ref))
        # force: a correction is not held by quiet hours or the daily cap
        with planned(path, config, only=names, force=True, offline=dry_run, env=dict(env),
                     store=store) as (plan, channels):
            msg = plan.message
            if msg.kind == Kind.WARNING:
                raise UsageError(N_("{path}: a danger warning cannot correct a notice").format(
                                     path=path),
                                 hint=N_("use citychan warn update"))
            if msg.content_hash == message_hash:
                raise UsageError(N_("{path} is the notice as it went out: nothing to "
                                    "correct").format(path=path))
            _same_languages(path, msg.langs, DeliveryStore(store), originals)
            plan.reject_if_errors()
            now = config.now()
            new = Post(message_id=msg.content_hash, channel="", kind=Kind(msg.kind),
                       title=msg.title, rendered=Rendered(Dialect.PLAIN, ""),
                       langs=msg.langs, link=clean_url(msg.link)[0] if msg.link else None,
                       summary=msg.primary.summary, image=msg.image,
                       image_alt=msg.primary.image_alt, expires=expiry_of(msg.expires, now))
            deliveries = DeliveryStore(store)
            steps = correction_steps(deliveries, message_hash, {t.name: t for t in plan.targets},
                                     config.channels, new, now)
            report = LifeReport(Purpose.CORRECTION, message_hash, msg.title, steps,
                                dry_run=dry_run)
            if dry_run:
                return report
            _confirmed(report, confirm)
            deliveries.record_message(msg.content_hash, msg.kind, msg.title, msg.langs,
                                      str(msg.path))
            if new.expires is not None:
                deliveries.set_expiry(message_hash, new.expires)
            publisher = publisher_for(config, store, channels, env, on_event,
                                      operator=operators.operator(operator))
            report.results = carry_out(publisher, Purpose.CORRECTION, steps)
            return report


def _same_languages(path: str | Path, langs: tuple[str, ...], deliveries: DeliveryStore,
                    originals: list[Delivery]) -> None:
    """A correction in fewer languages than the notice went out in would silently drop a
    language's text from every channel (a copied file without its .hsb.md sibling)."""
    posts = [deliveries.post_of(d.id) for d in originals]
    went = {lang for raw in posts if raw for lang in post_from_json(raw).langs}
    missing = sorted(went - set(langs))
    if missing:
        stem = Path(path).with_suffix("")
        raise UsageError(
            N_("{path}: has no text in {join}, which the notice went out in; the "
               "correction would drop it everywhere").format(path=path, join=', '.join(missing)),
            hint=N_("put the corrected {missing} text beside it as {stem}.{missing}.md").format(
                     missing=missing[0], stem=stem))


def withdraw(
    ref: str, reason: str, config: Config, *, dry_run: bool = False,
    confirm: Confirm | None = None, on_event: Event | None = None,
    env: Mapping[str, str] | None = None, operator: str | None = None,
) -> LifeReport:
    """Withdraw the notice ``ref`` names: deleted where the channel can, elsewhere a short
    withdrawal notice with ``reason``. A danger warning is refused (CAP Cancel instead)."""
    env = os.environ if env is None else env
    if not " ".join(reason.split()):
        raise UsageError(N_("--reason must say why the notice is withdrawn"),
                         hint=N_('citychan withdraw latest --reason "Termin entfällt"'))
    reason = operators.reason(reason) or ""  # readers see it: one line, no control characters
    with _notice(config, ref, writing=not dry_run) as (store, message_hash, originals):
        chosen = [config.channels[n] for n in _configured(config, originals)]
        with open_channels(config, chosen, offline=dry_run, env=dict(env)) as channels:
            caps = {n: ch.capabilities for n, ch in channels.items()}
            deliveries = DeliveryStore(store)
            steps = withdrawal_steps(deliveries, message_hash, caps, reason, config.now())
            title = current_title(deliveries, originals[0]) if originals else ""
            report = LifeReport(Purpose.WITHDRAWAL, message_hash, title, steps, dry_run=dry_run)
            if dry_run:
                return report
            _confirmed(report, confirm)
            publisher = publisher_for(config, store, channels, env, on_event,
                                      operator=operators.operator(operator))
            report.results = carry_out(publisher, Purpose.WITHDRAWAL, steps)
            return report


def expire(config: Config, *, env: Mapping[str, str] | None = None) -> tuple[LifeReport,
                                                                            list[str]]:
    """What expiry does now: every feed written again where an entry expired since (marked,
    off the front page), and expired notices deleted on channels with
    ``withdraw_on_expiry = true`` that can delete. Returns the deletions and the feeds
    written. Safe to run from cron at any interval: each deletion is done once."""
    env = os.environ if env is None else env
    chosen = [c for c in config.enabled_channels()
              if c.type == "feed" or c.withdraw_on_expiry]
    report = LifeReport(Purpose.EXPIRY, "", "")
    refreshed: list[str] = []
    if not chosen:
        return report, refreshed
    with open_channels(config, chosen, offline=False, env=env) as channels:
        for name, channel in channels.items():
            refresh = getattr(channel, "refresh", None)
            if callable(refresh) and refresh():
                refreshed.append(name)
        if not config.store.exists():
            return report, refreshed
        with Store.open(config.store) as store:
            deliveries = DeliveryStore(store)
            report.steps = expiry_steps(deliveries, channels, config.channels, config.now())
            if report.steps:
                publisher = publisher_for(config, store, channels, env)
                report.results = carry_out(publisher, Purpose.EXPIRY, report.steps)
    return report, refreshed
