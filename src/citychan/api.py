"""The library behind the commands: each function takes plain arguments, returns a result
object and raises CitychanError; the CLI only parses options and renders results."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from citychan import clock
from citychan.config import Config, load_config
from citychan.delivery.publisher import Publisher, Redactor, Report
from citychan.errors import RejectedError
from citychan.findings import Finding, has_errors
from citychan.notices.message import Message, load_message
from citychan.notices.plan import Channels, Plan, open_channels, plan, secrets_of, select
from citychan.store.db import Store


def now_in(config: Config) -> datetime:
    return clock.now(config.city.timezone)


@dataclass
class Checked:
    path: Path
    message: Message | None
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None  # the file could not be read at all

    @property
    def ok(self) -> bool:
        return self.error is None and not has_errors(self.findings)

    def as_dict(self) -> dict[str, Any]:
        m = self.message
        return {
            "file": str(self.path),
            "ok": self.ok,
            "error": self.error,
            "title": m.title if m else None,
            "kind": m.kind if m else None,
            "hash": m.content_hash if m else None,
            "langs": list(m.langs) if m else [],
            "findings": [f.as_dict() for f in self.findings],
        }


def check(
    paths: Sequence[str | Path],
    config: Config,
    *,
    kind: str | None = None,
    now: datetime | None = None,
) -> list[Checked]:
    """Validate message files against every configured channel. No network, no store, and
    no hour: quiet hours and the daily cap are for post (a notice checked at night for the
    morning is fine). `now` is the reference for a warning's relative `expires`."""
    from citychan.errors import InputError

    now = now or now_in(config)
    chosen = config.enabled_channels()
    out: list[Checked] = []
    with open_channels(config, chosen, offline=True, env={}) as channels:
        for path in paths:
            try:
                message = load_message(path, config.city.languages, kind=kind)
            except InputError as exc:
                out.append(Checked(Path(path), None, error=exc.message))
                continue
            p = plan(config, message, channels, _eligible(chosen, message), now=None)
            findings = p.findings + _unknown_channels(message, config) + (
                _warning_findings(message, config, now) if message.kind == "warning" else [])
            out.append(Checked(Path(path), message, findings))
    return out


def _warning_findings(message: Message, config: Config, now: datetime) -> list[Finding]:
    """A warning file is also checked against the warning rules (level, instruction, …)."""
    from citychan import alerts
    from citychan.errors import CitychanError
    from citychan.findings import error

    try:
        w = alerts.from_message(message, now=now, alerts=config.alerts, tz=config.city.timezone)
    except CitychanError as exc:
        return [error("CC002", exc.message, hint=exc.hint)]
    return alerts.check_warning(w, config.alerts, now=now)


def _unknown_channels(message: Message, config: Config) -> list[Finding]:
    """A 'channels:' name the config does not know: post would refuse it, so check does."""
    from citychan.errors import did_you_mean
    from citychan.findings import error

    out = [error("CC002", f"channels: unknown channel '{name}'."
                 f"{did_you_mean(name, list(config.channels))}",
                 hint=f"configured: {', '.join(config.channels) or 'none'}")
           for name in message.channels if name not in config.channels]
    named = [config.channels[n] for n in message.channels if n in config.channels]
    if named and not any(c.enabled for c in named):
        out.append(error("CC002", f"channels: {', '.join(c.name for c in named)} "
                         f"{'is' if len(named) == 1 else 'are'} disabled",
                         hint="enable it in the config, or name another channel"))
    return out


def _eligible(chosen: list[Any], message: Message) -> list[Any]:
    if not message.channels:
        return chosen
    return [c for c in chosen if c.name in message.channels]


def make_plan(
    path: str | Path,
    config: Config,
    *,
    only: Sequence[str] = (),
    force: bool = False,
    offline: bool,
    env: Mapping[str, str],
    store: Store | None = None,
    kind: str | None = None,
    now: datetime | None = None,
) -> tuple[Plan, Channels]:
    """Load, select channels, render, and check: everything up to sending. The daily cap is
    counted from ``store``, else from the store file if there is one (preview, dry run).
    A notice every chosen channel already has is not held by quiet hours or the cap: the
    post will only say "already sent". The caller closes the channels."""
    now = now or now_in(config)
    message = load_message(path, config.city.languages, kind=kind)
    chosen = select(config, message, only)
    channels = open_channels(config, chosen, offline=offline, env=env)
    try:
        return _plan_with(config, message, chosen, channels, store=store, force=force,
                          now=now), channels
    except BaseException:
        channels.close()
        raise


def _plan_with(config: Config, message: Message, chosen: list[Any], channels: Channels, *,
               store: Store | None, force: bool, now: datetime) -> Plan:
    sent_today, everywhere = 0, False
    if message.kind == "info":
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        existing = store if store is not None else (
            Store(config.store_path) if config.store_path.is_file() else None)
        try:
            if existing is not None:
                h = message.content_hash
                sent_today = existing.count_info_since(midnight, other_than=h)
                everywhere = not force and all(existing.already_sent(h, c.name) for c in chosen)
        finally:
            if existing is not None and existing is not store:
                existing.close()
    return plan(
        config, message, channels, chosen, now=None if everywhere else now,
        sent_today=sent_today, force=force
    )


def preview(path: str | Path, config: Config, *, only: Sequence[str] = ()) -> Plan:
    p, channels = make_plan(path, config, only=only, offline=True, env={})
    channels.close()
    return p


def open_store(config: Config) -> Store:
    return Store(config.store_path)


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
) -> Report:
    """Check, confirm, deliver to every target concurrently and record every attempt."""
    env = os.environ if env is None else env
    if dry_run:  # offline, but with the real secrets: a missing one fails here as in a post
        p, channels = make_plan(path, config, only=only, force=force, offline=True, env=dict(env))
        channels.close()
        _refuse_warning(p)
        _reject_if_errors(p)
        report = Report(
            p.message.content_hash,
            p.message.title,
            p.message.kind,
            findings=p.findings,
            dry_run=True,
            forced=force,
        )
        return report
    p, channels = make_plan(path, config, only=only, force=force, offline=False, env=env)
    with channels:
        _refuse_warning(p)
        _reject_if_errors(p)
        if confirm is not None and not confirm(p):
            from citychan.errors import UsageError

            raise UsageError("not confirmed; nothing was sent")
        store = open_store(config)  # only now: bad input leaves no store behind
        try:
            return publisher(config, store, channels, env, on_event).publish(p, force=force)
        finally:
            store.close()


def _refuse_warning(p: Plan) -> None:
    """A danger warning goes through `citychan warn`: its rules, its guards, its CAP file."""
    if p.message.kind == "warning":
        from citychan.errors import UsageError

        raise UsageError(
            f"{p.message.path.name} is a danger warning (kind: warning or a level): "
            "'citychan post' sends information only",
            hint=f"send it with: citychan warn {p.message.path}",
        )


def publisher(config: Config, store: Store, channels: Mapping[str, Any], env: Mapping[str, str],
              on_event: Callable[[str, str, str], None] | None = None) -> Publisher:
    """The fan-out for this config: its clock, retry budget and secrets to mask."""
    budget = config.publish.max_total_seconds
    return Publisher(store=store, channels=channels, now=lambda: now_in(config),
                     max_total_seconds=budget,
                     # retries stop within the budget; this catches what the per-read timeout
                     # cannot, a server that answers a byte at a time (with room for
                     # Mastodon's wait for an uploaded image)
                     hard_limit=2 * budget + config.publish.timeout + min(40.0, 4 * budget),
                     redact=Redactor(secrets_of(config, env)), on_event=on_event)


def _reject_if_errors(p: Plan) -> None:
    if not p.ok:
        errors = [f for f in p.findings if f.severity == "error"]
        exc = RejectedError(
            f"{len(errors)} rule error(s); nothing was sent: {errors[0].code} {errors[0].message}",
            hint=errors[0].hint,
        )
        exc.findings = p.findings  # type: ignore[attr-defined]
        raise exc


def log(config: Config, limit: int = 20) -> list[dict[str, Any]]:
    if not config.store_path.exists():
        return []
    store = open_store(config)
    try:
        return [d.as_dict() for d in store.recent(limit)]
    finally:
        store.close()


def load(config_path: str | Path | None) -> Config:
    return load_config(config_path)
