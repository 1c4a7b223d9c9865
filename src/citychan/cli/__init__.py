"""The thin command-line layer. Each command module parses options, calls one library
function and renders its result; only Typer and the standard library are imported here so
that ``citychan --help`` pays for nothing else."""

from __future__ import annotations

import contextlib
import copy
import gc
import sys
from collections.abc import Iterator, Sequence
from typing import Any, NoReturn

import typer
from typer.core import TyperGroup
from typer.main import get_command_name

from citychan import __version__
from citychan.cli import common, language
from citychan.i18n import N_, gettext

_ = gettext


class _Citychan(TyperGroup):
    """The root command. Whatever ends a run ends it the same way: a usage error Typer finds
    while parsing (before any command runs), an interrupt or a bug outside a command's core
    give one `Error:` line and a hint, the exit code, and with --output json the envelope."""

    # ctx is Typer's vendored click Context (typer.Context is a subclass of it)
    def make_context(self, info_name: str | None, args: list[str], parent: Any = None,
                     **extra: Any) -> Any:
        common.start(args)
        if not args or "--help" in args or "-h" in args:  # a help page: in the language
            language.localize_commands(self)
        with _ending_as_citychan():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: Any) -> Any:
        with _ending_as_citychan():
            return super().invoke(ctx)


@contextlib.contextmanager
def _ending_as_citychan() -> Iterator[None]:
    try:
        yield
    except (typer.Exit, BrokenPipeError):  # `citychan log | head`: Typer ends it quietly
        raise
    except typer.TyperException as exc:  # click's usage errors (Typer vendors click)
        if type(exc).__name__ == "NoArgsIsHelpError":  # plain `citychan`: the help, exit 2
            raise
        _usage_error(exc)
    except (KeyboardInterrupt, typer.Abort):
        common.interrupted()
    except Exception as exc:
        if common.STATE.debug:
            raise
        common.crashed(exc)


def _usage_error(exc: typer.TyperException) -> NoReturn:
    """`Error: No such option: --lmit` and where to look, instead of Typer's usage box."""
    ctx = getattr(exc, "ctx", None)
    names: list[str] = []
    while ctx is not None and ctx.parent is not None:
        names.insert(0, ctx.info_name or "")
        ctx = ctx.parent
    if names:
        common.STATE.command = names[0]  # `warn update` reports as `warn`, as --output does
    command = " ".join(["citychan", *names])
    message = exc.format_message()
    common.finish(message, N_("try '{command} --help'").format(command=command), exc.exit_code,
                  localized=language.usage_message(message))


app = typer.Typer(
    cls=_Citychan,
    name="citychan",
    help=N_("Publish the city's notices and danger warnings to its WhatsApp Channel and every "
    "other channel its people use."),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"citychan {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help=N_("Show the version and exit.")
    ),
    debug: bool = typer.Option(False, "--debug", help=N_("Show a full traceback on errors.")),
) -> None:
    common.STATE.debug = debug
    common.route_warnings()


def _register() -> None:
    from citychan.cli import (
        channels_cmd,
        incidents_cmd,
        init_cmd,
        lifecycle_cmd,
        log_cmd,
        messages_cmd,
        qr_cmd,
        warn_cmd,
    )

    for module in (init_cmd, messages_cmd, lifecycle_cmd, log_cmd, channels_cmd, warn_cmd,
                   incidents_cmd, qr_cmd):
        module.register(app)
    from citychan.cli import queue_cmd  # issue 12 (sched): queue, queue cancel, run-due

    queue_cmd.register(app)
    from citychan.cli import review_cmd  # issue 15 (review): review, show, approve, reject

    review_cmd.register(app)
    from citychan.cli import fmt_cmd  # issue 14 (writing): citychan fmt

    fmt_cmd.register(app)
    from citychan.cli import config_cmd, templates_cmd  # issue 14 (setup)

    for module in (config_cmd, templates_cmd):
        module.register(app)
    from citychan.cli import store_cmd  # issue 15 (pg): store info, migrate, export, import

    store_cmd.register(app)
    from citychan.cli import site_cmd  # issue 15 (site): site rebuild

    site_cmd.register(app)


_register()


# root options that take no value: the command name is the first argument after them
_ROOT_FLAGS = frozenset({"--debug"})


def app_for(args: Sequence[str]) -> typer.Typer:
    """The app with only the command ``args`` run, when they name one of its commands.

    Typer builds a Click command for every registered command at each start (~7 ms for all
    of them, with their signatures and type hints); a run needs just one. Anything else
    (help, --version, a typo, a command group) gets the whole app, so lists of commands and
    "did you mean" stay complete."""
    name = next((a for a in args if a not in _ROOT_FLAGS), None)
    if name is None or name.startswith("-"):
        return app
    commands = [
        c
        for c in app.registered_commands
        if c.callback is not None
        and (c.name or get_command_name(c.callback.__name__)) == name
    ]
    if not commands:
        return app
    lean = copy.copy(app)
    lean.registered_commands = commands
    lean.registered_groups = []
    return lean


def main() -> None:
    """The ``citychan`` command: run one command, then end the process."""
    # A run imports its libraries now (the API, httpx, YAML, Markdown): ~25,000 objects that
    # live until the end, which the collector would walk again and again at its default
    # threshold of 700 (~12 ms of a post) and free nothing. At 50,000 a post runs no
    # collection at all, and a long run (check of a thousand notices) still collects.
    gc.set_threshold(50_000)
    try:
        app_for(sys.argv[1:])()
    finally:
        # The process ends right after this: the final garbage collections of interpreter
        # shutdown would walk and free every object of every imported module (~30 ms, more
        # than a whole post does). Frozen objects are left to the operating system; files
        # and the store are closed by the commands themselves, and atexit handlers and the
        # flush of stdout/stderr still run.
        gc.freeze()
