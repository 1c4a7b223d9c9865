"""What every command shares: error handling, the JSON envelope, whether a person is there.
(How things look is :mod:`citychan.cli.views`; shared options are :mod:`citychan.cli.options`.)"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

import typer

from citychan.errors import CitychanError, ExitCode

ENVELOPE_VERSION = 1
T = TypeVar("T")


@dataclass
class _State:
    debug: bool = False
    output: str = "text"  # set by --output: errors then also go to stdout as an envelope
    command: str = ""


STATE = _State()


def route_warnings() -> None:
    """Python warnings (a plugin that failed to load, …) become one 'Warning:' line."""
    import warnings

    from citychan.api import PluginWarning

    original = getattr(warnings.showwarning, "citychan_original", warnings.showwarning)

    def show(message: Any, category: Any, *args: Any, **kwargs: Any) -> None:
        if issubclass(category, PluginWarning):
            typer.echo(f"Warning: {message}", err=True)
        else:
            original(message, category, *args, **kwargs)

    show.citychan_original = original  # type: ignore[attr-defined]
    warnings.showwarning = show


def check_output(ctx: typer.Context, value: str) -> str:
    if value not in ("text", "json"):
        raise typer.BadParameter("use 'text' or 'json'")
    top: Any = ctx  # `warn update` reports as `warn`, as its envelope does
    while top.parent is not None and top.parent.parent is not None:
        top = top.parent
    STATE.output, STATE.command = value, top.info_name or ""
    return value


def fail(exc: CitychanError) -> NoReturn:
    message = " ".join(exc.message.split("\n"))
    typer.echo(f"Error: {message}", err=True)
    if exc.hint:
        typer.echo(f"Hint: {exc.hint}", err=True)
    if STATE.output == "json":  # a script reading stdout learns what went wrong, too
        emit_json(STATE.command, False, {"error": {"message": message, "hint": exc.hint}},
                  int(exc.exit_code))
    raise typer.Exit(int(exc.exit_code))


def run(action: Callable[[], T]) -> T:
    """Run a command's core; turn every error into one line on stderr and an exit code."""
    try:
        return action()
    except typer.Exit:
        raise
    except CitychanError as exc:
        if STATE.debug:
            import traceback

            traceback.print_exc()
        fail(exc)
    except (KeyboardInterrupt, typer.Abort):  # Abort: Ctrl-C or Ctrl-D at a prompt
        typer.echo("\nInterrupted. (citychan log shows anything that went out)", err=True)
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    except Exception as exc:  # a bug: say so in one line, full trace only with --debug
        if STATE.debug:
            raise
        typer.echo(f"Error: internal error: {type(exc).__name__}: {exc}", err=True)
        typer.echo("Hint: run again with 'citychan --debug …' and report the traceback", err=True)
        raise typer.Exit(int(ExitCode.INTERNAL)) from None


def emit_json(command: str, ok: bool, result: Any, exit_code: int = 0) -> None:
    """Write the versioned envelope to stdout."""
    envelope = {
        "citychan": ENVELOPE_VERSION,
        "command": command,
        "ok": ok,
        "exit_code": exit_code,
        "result": result,
    }
    sys.stdout.write(json.dumps(envelope, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


def is_interactive() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


def run_rejectable(action: Callable[[], T], command: str, output: str) -> T:
    """Like run(), but a rules rejection (exit 3) also shows every finding."""
    from citychan.errors import RejectedError

    def guarded() -> T:
        try:
            return action()
        except RejectedError as exc:
            findings = getattr(exc, "findings", [])
            if output == "json":
                emit_json(
                    command,
                    False,
                    {"findings": [f.as_dict() for f in findings],
                     "error": {"message": exc.message, "hint": exc.hint}},
                    int(exc.exit_code),
                )
                STATE.output = "text"  # the envelope is out: fail() adds only the stderr line
            else:
                from citychan.cli import views

                views.findings_table(findings, views.err_console())
            raise

    return run(guarded)
