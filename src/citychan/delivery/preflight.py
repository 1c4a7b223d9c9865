"""`citychan channels --test`: pre-flight checks of every enabled channel, without posting."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from citychan.channels.base import ChannelError
from citychan.config import Config
from citychan.delivery.clients import open_channels
from citychan.delivery.secrets import redactor
from citychan.errors import ConfigError


@dataclass(frozen=True)
class Check:
    channel: str
    type: str
    ok: bool
    problems: tuple[str, ...] = ()
    checked: bool = True  # False: the channel has nothing to ask before a post (ntfy, webhook)
    warnings: tuple[str, ...] = ()  # not wrong today, but to set up (WAHA without its key)
    notes: tuple[str, ...] = ()  # what the check found out (WAHA's engine)

    def as_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "type": self.type,
            "ok": self.ok,
            "checked": self.checked,
            "problems": list(self.problems),
            "warnings": list(self.warnings),
            "notes": list(self.notes),
        }


def run_checks(config: Config, env: Mapping[str, str] | None = None) -> list[Check]:
    env = os.environ if env is None else env
    redact = redactor(config, env)
    out = []
    for cc in config.enabled_channels():
        check = None
        warnings: list[str] = []
        notes: list[str] = []
        try:
            with open_channels(config, [cc], offline=False, env=env) as opened:
                check = getattr(opened[cc.name], "preflight", None)
                warn = getattr(opened[cc.name], "preflight_warnings", None)
                note = getattr(opened[cc.name], "preflight_notes", None)
                try:
                    problems = list(check()) if check else []
                finally:  # after the check: what it read (WAHA's engine) may warn too
                    warnings = list(warn()) if warn else []
                    notes = list(note()) if note else []
        except ConfigError as exc:
            problems = [exc.message.split(": ", 1)[-1]]
        except ChannelError as exc:
            problems = [exc.message]
        except Exception as exc:  # a plugin's bug must not hide the other channels' results
            problems = [f"internal error: {type(exc).__name__}: {exc}"]
        out.append(Check(cc.name, cc.type, not problems, tuple(redact(p) for p in problems),
                         checked=check is not None or bool(problems),
                         warnings=tuple(redact(w) for w in warnings),
                         notes=tuple(redact(n) for n in notes)))
    return out
