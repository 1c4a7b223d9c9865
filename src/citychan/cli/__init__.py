"""The thin command-line layer. Each command module parses options, calls one library
function and renders its result; only Typer and the standard library are imported here so
that ``citychan --help`` pays for nothing else."""

from __future__ import annotations

import typer

from citychan import __version__
from citychan.cli import common

app = typer.Typer(
    name="citychan",
    help="Publish the city's notices and danger warnings to its WhatsApp Channel and every "
    "other channel its people use.",
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
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show a full traceback on errors."),
) -> None:
    common.STATE.debug = debug
    common.STATE.output, common.STATE.command = "text", ""  # set again by --output
    common.route_warnings()


def _register() -> None:
    from citychan.cli import channels_cmd, init_cmd, log_cmd, messages_cmd

    init_cmd.register(app)
    messages_cmd.register(app)
    log_cmd.register(app)
    channels_cmd.register(app)
    for optional in ("warn_cmd", "qr_cmd"):
        try:
            module = __import__(f"citychan.cli.{optional}", fromlist=["register"])
        except ModuleNotFoundError:
            continue
        module.register(app)


_register()


def main() -> None:
    app()
