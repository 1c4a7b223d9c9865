"""What every command shares: error handling, the JSON envelope, whether a person is there.
(How things look is :mod:`citychan.cli.views`; shared options are :mod:`citychan.cli.options`.)"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer

from citychan.errors import CitychanError, ExitCode
from citychan.i18n import N_, gettext, language, localize

_ = gettext

ENVELOPE_VERSION = 1
# JSON escapes C0 controls itself; these it would write raw, though a terminal obeys C1
# controls and bidi overrides, and lone surrogates cannot be written at all. As \u escapes
# the text a script decodes stays exactly the same.
_JSON_ESCAPED = {
    c: f"\\u{c:04x}"
    for c in (*range(0x7F, 0xA0), 0x061C, 0x200E, 0x200F, *range(0x2028, 0x202F),
              *range(0x2066, 0x206A), *range(0xD800, 0xE000))
}
T = TypeVar("T")


@dataclass
class _State:
    debug: bool = False
    output: str = "text"  # set by --output: errors then also go to stdout as an envelope
    command: str = ""


STATE = _State()


def start(args: Sequence[str]) -> None:
    """A run begins: what the command line asks for, before any of it is parsed, so that an
    error in parsing it still ends as asked (``--output json``: with the envelope)."""
    STATE.debug = False
    STATE.output = "json" if asks_json(args) else "text"
    STATE.command = next((a for a in args if not a.startswith("-")), "")


def asks_json(args: Sequence[str]) -> bool:
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--output=json" or (arg == "--output" and args[i + 1 : i + 2] == ["json"]):
            return True
    return False


def route_warnings() -> None:
    """Python warnings (a plugin that failed to load, …) become one 'Warning:' line."""
    import warnings

    from citychan.api import PluginWarning
    from citychan.cli import views

    original = getattr(warnings.showwarning, "citychan_original", warnings.showwarning)

    def show(message: Any, category: Any, *args: Any, **kwargs: Any) -> None:
        if issubclass(category, PluginWarning):
            typer.echo(_("Warning: {message}").format(message=views.plain(localize(str(message)))),
                       err=True)
        else:
            original(message, category, *args, **kwargs)

    show.citychan_original = original  # type: ignore[attr-defined]
    warnings.showwarning = show


def check_output(ctx: typer.Context, value: str) -> str:
    if value not in ("text", "json"):
        raise typer.BadParameter(_("use 'text' or 'json'"))
    top: Any = ctx  # `warn update` reports as `warn`, as its envelope does
    while top.parent is not None and top.parent.parent is not None:
        top = top.parent
    STATE.output, STATE.command = value, top.info_name or ""
    return value


def fail(exc: CitychanError) -> NoReturn:
    finish(exc.message, exc.hint, int(exc.exit_code))


def finish(message: str, hint: str | None, code: int, *, localized: str | None = None
           ) -> NoReturn:
    """Every error ends here: one `Error:` line and maybe a `Hint:` line on stderr, made
    safe for a terminal, in the interface's language (``localized``, or the message's own
    translation); with --output json also the envelope on stdout, with the exact English
    text and the localized one; then the exit code."""
    from citychan.cli.views import plain

    shown = " ".join((localized or localize(message) or "").split("\n"))
    shown_hint = localize(hint)
    typer.echo(_("Error: {message}").format(message=plain(shown)), err=True)
    if shown_hint:
        typer.echo(_("Hint: {hint}").format(hint=plain(shown_hint)), err=True)
    if STATE.output == "json":  # a script reading stdout learns what went wrong, too
        emit_json(STATE.command, False, {"error": error_json(message, hint, shown)}, code)
    raise typer.Exit(code)


def error_json(message: str, hint: str | None, shown: str | None = None) -> dict[str, Any]:
    """An error for scripts: the English message and hint (stable, like the codes) and, when
    the interface speaks another language, the same in it."""
    error: dict[str, Any] = {"message": " ".join(str(message).split("\n")), "hint": hint}
    if language() != "en":
        error.update(message_localized=shown or localize(message),
                     hint_localized=localize(hint))
    return error


def interrupted() -> NoReturn:
    """Ctrl-C, or Ctrl-D at a prompt."""
    if sys.stderr.isatty():
        typer.echo(err=True)  # the prompt's line ends before the message
    finish(N_("interrupted"), N_("'citychan log' shows anything that went out"),
           int(ExitCode.INTERRUPTED))


def crashed(exc: Exception) -> NoReturn:
    """A bug: one line, the full trace only with --debug (the caller re-raises then)."""
    finish(N_("internal error: {error}: {detail}").format(
               error=type(exc).__name__, detail=str(exc)),
           N_("run again with 'citychan --debug …' and report the traceback"),
           int(ExitCode.INTERNAL))


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
        interrupted()
    except Exception as exc:  # a bug: say so in one line, full trace only with --debug
        if STATE.debug:
            raise
        crashed(exc)


def emit_json(command: str, ok: bool, result: Any, exit_code: int = 0) -> None:
    """Write the versioned envelope to stdout."""
    envelope = {
        "citychan": ENVELOPE_VERSION,
        "command": command,
        "ok": ok,
        "exit_code": exit_code,
        "result": result,
    }
    text = json.dumps(envelope, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write(text.translate(_JSON_ESCAPED) + "\n")
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
                     "error": error_json(exc.message, exc.hint)},
                    int(exc.exit_code),
                )
                STATE.output = "text"  # the envelope is out: fail() adds only the stderr line
            else:
                from citychan.cli import views

                views.findings_table(findings, views.err_console())
            raise

    return run(guarded)


def retry_command(config: Path | None) -> str:
    """The exact `citychan retry` to run next, with the config the command used."""
    import shlex

    return "citychan retry" + (f" --config {shlex.quote(str(config))}" if config else "")
