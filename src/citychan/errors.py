"""The one error family a user sees, and the exit codes of the command-line contract."""

from __future__ import annotations

from enum import IntEnum

from citychan.i18n import N_


class ExitCode(IntEnum):
    OK = 0
    INTERNAL = 1
    USAGE = 2
    REJECTED = 3
    DELIVERY = 4
    INTERRUPTED = 130


class CitychanError(Exception):
    """An error a person can act on: one line of message, an optional hint, an exit code."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(CitychanError):
    """Wrong options or arguments."""

    exit_code = ExitCode.USAGE


class ConfigError(CitychanError):
    """The configuration file is missing, broken or inconsistent."""

    exit_code = ExitCode.USAGE


class InputError(CitychanError):
    """A message file or other input cannot be read or understood."""

    exit_code = ExitCode.USAGE


class StoreError(CitychanError):
    """The SQLite store cannot be opened or written."""

    exit_code = ExitCode.USAGE


class RejectedError(CitychanError):
    """The rules found errors; nothing was sent."""

    exit_code = ExitCode.REJECTED


def did_you_mean(word: str, choices: list[str] | tuple[str, ...] | set[str]) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest choice, or an empty string."""
    import difflib

    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return N_(" Did you mean '{choice}'?").format(choice=close[0]) if close else ""
