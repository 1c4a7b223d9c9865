"""Danger warnings: a new warning, an update or the all-clear of an incident, and the list of
incidents. The warning domain (``alerts``) and its delivery (``warn``) load only here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from citychan.alerts import (
    CapStatus,
    Guard,
    MsgType,
    Warning,
    guard_accepts,
    guard_phrase,
    level_info,
)
from citychan.config import Config
from citychan.findings import Finding
from citychan.warn.incidents import open_incidents
from citychan.warn.service import WarnInput, WarnReport, run

__all__ = ["CapStatus", "WarnInput", "WarnReport", "Warning", "guard_accepts", "guard_phrase",
           "incidents", "needs_yes", "send"]

Confirm = Callable[[Warning, list[Finding]], bool]


def send(mode: str, inp: WarnInput, config: Config, *, incident: str | None = None,
         only: tuple[str, ...] = (), cap_out: str | None = None, dry_run: bool = False,
         confirm: Confirm | None = None,
         on_event: Callable[[str, str, str], None] | None = None) -> WarnReport:
    """``mode`` new, update or allclear: build, check, confirm, deliver, write CAP, record."""
    return run(mode, inp, config, incident=incident, only=only, cap_out=cap_out,
               dry_run=dry_run, confirm=confirm, on_event=on_event)


def incidents(config: Config) -> list[dict[str, Any]]:
    """Open incidents with their expiry; ``overdue`` when past expiry without an all-clear."""
    return open_incidents(config)


def needs_yes(w: Warning) -> bool:
    """Whether a yes/no prompt guards this message: every update and all-clear, and a new
    warning whose level asks for one (a low one goes out without)."""
    return not (w.level is not None and w.msg_type == MsgType.ALERT
                and level_info(w.level).guard == Guard.NONE)
