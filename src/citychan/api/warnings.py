"""Danger warnings: a new warning, an update or the all-clear of an incident, and the list of
incidents. The warning domain (``alerts``) and its delivery (``warn``) load only here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from citychan.alerts import (
    CapStatus,
    Guard,
    Level,
    MsgType,
    Warning,
    guard_accepts,
    guard_phrase,
    level_info,
    parse_level,
)
from citychan.config import Config
from citychan.findings import Finding
from citychan.warn.incidents import open_incidents
from citychan.warn.service import WarnInput, WarnReport, run

__all__ = ["CapStatus", "Level", "WarnInput", "WarnReport", "Warning", "allclear",
           "guard_accepts", "guard_phrase", "incidents", "needs_yes", "new", "parse_level",
           "update"]

Confirm = Callable[[Warning, list[Finding]], bool]
Event = Callable[[str, str, str], None]


def new(inp: WarnInput, config: Config, *, only: tuple[str, ...] = (),
        cap_out: str | None = None, dry_run: bool = False, confirm: Confirm | None = None,
        on_event: Event | None = None) -> WarnReport:
    """A new warning: build, check, confirm, record the incident, write CAP, deliver."""
    return run("new", inp, config, incident=None, only=only, cap_out=cap_out,
               dry_run=dry_run, confirm=confirm, on_event=on_event)


def update(incident: str, inp: WarnInput, config: Config, *, cap_out: str | None = None,
           dry_run: bool = False, confirm: Confirm | None = None,
           on_event: Event | None = None) -> WarnReport:
    """A CAP Update of ``incident`` to exactly the channels of the original."""
    return run("update", inp, config, incident=incident, only=(), cap_out=cap_out,
               dry_run=dry_run, confirm=confirm, on_event=on_event)


def allclear(incident: str, inp: WarnInput, config: Config, *, cap_out: str | None = None,
             dry_run: bool = False, confirm: Confirm | None = None,
             on_event: Event | None = None) -> WarnReport:
    """The all-clear (CAP Cancel, responseType AllClear) of ``incident``."""
    return run("allclear", inp, config, incident=incident, only=(), cap_out=cap_out,
               dry_run=dry_run, confirm=confirm, on_event=on_event)


def incidents(config: Config) -> list[dict[str, Any]]:
    """Open incidents with their expiry; ``overdue`` when past expiry without an all-clear."""
    return open_incidents(config)


def needs_yes(w: Warning) -> bool:
    """Whether a yes/no prompt guards this message: every update and all-clear, and a new
    warning whose level asks for one (a low one goes out without)."""
    return not (w.level is not None and w.msg_type == MsgType.ALERT
                and level_info(w.level).guard == Guard.NONE)
