"""Danger warnings: a new warning, an update or the all-clear of an incident, and the list of
incidents. The warning domain (``alerts``) and its delivery (``warn``) load only here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
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
from citychan.config import Config, load_config
from citychan.warn.incidents import open_incidents
from citychan.warn.preview import MSG_TYPE_DE, STATUS_DE, WarnPreview
from citychan.warn.service import Confirm, WarnInput, WarnReport, run

__all__ = ["MSG_TYPE_DE", "STATUS_DE", "CapStatus", "Confirm", "Level", "WarnInput",
           "WarnPreview", "WarnReport", "Warning", "allclear", "guard_accepts", "guard_phrase",
           "incidents", "load", "needs_yes", "new", "parse_level", "preview", "update"]

Event = Callable[[str, str, str], None]


def load(config_path: str | Path | None) -> Config:
    """The config for a warning: a broken [channels.NAME] table does not stop it; that
    channel fails alone when the warning goes out (an info post still refuses the config)."""
    return load_config(config_path, lenient_channels=True)


def new(inp: WarnInput, config: Config, *, only: tuple[str, ...] = (),
        cap_out: str | None = None, dry_run: bool = False, confirm: Confirm | None = None,
        on_event: Event | None = None) -> WarnReport:
    """A new warning: build, check, confirm, record the incident, write CAP, deliver."""
    return run("new", inp, config, incident=None, only=only, cap_out=cap_out,
               dry_run=dry_run, confirm=confirm, on_event=on_event)


def preview(file: Path, config: Config, *, only: tuple[str, ...] = ()) -> WarnReport:
    """`citychan preview` of a warning file: the dry run of `citychan warn FILE`, so that it
    shows per channel exactly the text the warning sends. It shows the text even while a
    matching incident is open (``warn`` itself would refuse and point to ``warn update``)."""
    return run("new", WarnInput(file=file, separate=True), config, incident=None, only=only,
               cap_out=None,
               dry_run=True, confirm=None, on_event=None)


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
