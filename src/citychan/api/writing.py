"""Help while writing: ``citychan fmt`` (the fixes of :mod:`citychan.notices.fmt`, written
back or only checked), the look at a notice file that comes before any question, and which
day a bare clock time of ``post --at 00:58`` was read as."""

from __future__ import annotations

import stat
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from citychan.errors import InputError
from citychan.fsutil import atomic_write
from citychan.hygiene import clean_controls
from citychan.notices.fmt import Change, format_notice
from citychan.notices.frontmatter import split_front_matter
from citychan.notices.message import read_exact_text, read_text
from citychan.notices.schedule import clock_day


@dataclass(frozen=True)
class Formatted:
    """One file after ``fmt``: the lines changed (or that would change, with ``--check``)."""

    path: Path
    changes: tuple[Change, ...] = ()
    written: bool = False
    error: str | None = None
    hint: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"file": str(self.path), "written": self.written, "error": self.error,
                "hint": self.hint,
                "changes": [{"line": c.line, "old": c.old.rstrip("\r\n"),
                             "new": c.new.rstrip("\r\n"), "why": c.why}
                            for c in self.changes]}


def fmt(paths: Sequence[str | Path], *, write: bool) -> list[Formatted]:
    """Each file with its values quoted and its dates escaped where they need it; written
    back (atomically, mode kept) when ``write`` and something changed. A file whose front
    matter stays broken after the fixes is left as it is, with the error."""
    out = []
    for given in paths:
        path = Path(given)
        try:
            out.append(_fmt_one(path, write))
        except InputError as exc:
            out.append(Formatted(path, error=exc.message, hint=exc.hint))
    return out


def _fmt_one(path: Path, write: bool) -> Formatted:
    text = read_exact_text(path)
    result = format_notice(text)
    # read back as every command reads it: still broken, the error (and nothing written)
    split_front_matter(clean_controls(result.text.removeprefix("\ufeff")), path)
    if write and result.changed:
        target = path.resolve()  # a link stays a link to the fixed file
        atomic_write(target, result.text, stat.S_IMODE(target.stat().st_mode))
    return Formatted(path, result.changes, written=write and result.changed)


def readable(path: str | Path) -> None:
    """Raise the error a notice file gives (no such file, not UTF-8, …) before a command
    asks anything about the terminal or the channels."""
    read_text(Path(path))


def read_as(at: str, due: datetime, since: datetime, tz: str) -> str | None:
    """``today`` or ``tomorrow``: the day the bare clock time ``at`` (``post --at 00:58``)
    was read as for a post due at ``due``, scheduled at ``since``; None for a full date."""
    day = clock_day(at, due, since, tz)
    return None if day is None else str(day)
