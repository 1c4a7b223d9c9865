"""`citychan check`: every file against every configured channel's rules, and a warning file
also against the warning rules. No network, no store, no hour."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from citychan import alerts
from citychan.config import Config
from citychan.delivery.clients import open_channels
from citychan.errors import CitychanError, ExitCode, InputError, did_you_mean
from citychan.findings import Finding, error, has_errors, warning
from citychan.kinds import Kind
from citychan.notices.message import Message, load_message, primary_path
from citychan.notices.plan import plan


@dataclass
class Checked:
    path: Path
    message: Message | None
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None  # the file could not be read at all
    hint: str | None = None  # what to do about ``error`` (the corrected line, …)

    @property
    def ok(self) -> bool:
        return self.error is None and not has_errors(self.findings)

    def as_dict(self) -> dict[str, Any]:
        m = self.message
        return {
            "file": str(self.path),
            "ok": self.ok,
            "error": self.error,
            "hint": self.hint,
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
    kind: Kind | None = None,
    now: datetime | None = None,
) -> list[Checked]:
    """Validate message files against every configured channel. No network, no store, and
    no hour: quiet hours and the daily cap are for post (a notice checked at night for the
    morning is fine). `now` is the reference for a warning's relative `expires`."""
    now = now or config.now()
    chosen = config.enabled_channels()
    out: list[Checked] = []
    seen: set[Path] = set()
    with open_channels(config, chosen, offline=True, env={}, cached_limits=False) as channels:
        for path in paths:
            # notice.md and notice.hsb.md (as `check *.md` gives them) are one notice
            primary = primary_path(Path(path)).absolute()
            if primary in seen:
                continue
            seen.add(primary)
            try:
                message = load_message(path, config.city.languages, kind=kind)
            except InputError as exc:
                out.append(Checked(Path(path), None, error=exc.message, hint=exc.hint))
                continue
            path = message.path  # the notice by its primary file, as its findings name it
            p = plan(config, message, channels, _eligible(chosen, message), now=None)
            findings = p.findings + _unknown_channels(message, config) + (
                _warning_findings(message, config, now) if message.kind == Kind.WARNING else [])
            findings += _setup_warnings(channels, _eligible(chosen, message))
            out.append(Checked(Path(path), message, findings))
    return out


def _warning_findings(message: Message, config: Config, now: datetime) -> list[Finding]:
    """A warning file is also checked against the warning rules (level, instruction, …)."""
    try:
        w = alerts.from_message(message, now=now, alerts=config.alerts, tz=config.city.timezone)
    except CitychanError as exc:
        return [error("CC002", exc.message, hint=exc.hint)]
    return alerts.check_warning(w, config.alerts, now=now)


def _unknown_channels(message: Message, config: Config) -> list[Finding]:
    """A 'channels:' name the config does not know: post would refuse it, so check does."""
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


def _setup_warnings(channels: Any, eligible: list[Any]) -> list[Finding]:
    """What a channel's config alone shows should be set up (a WAHA without its API key);
    a warning, since the gateway may run with its security switched off."""
    out = []
    for cc in eligible:
        said = getattr(channels.get(cc.name), "config_warnings", None)
        out += [warning("CC106", text, channel=cc.name,
                        hint="citychan channels --test asks the gateway itself")
                for text in (said() if said else [])]
    return out


def _eligible(chosen: list[Any], message: Message) -> list[Any]:
    if not message.channels:
        return chosen
    return [c for c in chosen if c.name in message.channels]


def exit_code(results: list[Checked]) -> ExitCode:
    """2 when a file could not be read at all, 3 when the rules found errors, else 0."""
    if any(r.error for r in results):
        return ExitCode.USAGE
    return ExitCode.OK if all(r.ok for r in results) else ExitCode.REJECTED
