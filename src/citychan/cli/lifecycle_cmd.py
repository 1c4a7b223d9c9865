"""citychan correct / withdraw / expire: change a notice that went out, everywhere."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from citychan.cli import common, views
from citychan.cli.options import (
    ByOption,
    ConfigOption,
    DryRunOption,
    OutputOption,
    YesOption,
)
from citychan.i18n import N_

Ref = typer.Argument(..., help=N_("'latest', a delivery id from citychan log, or a message hash "
                     "prefix (4+ hex digits)."))


def register(app: typer.Typer) -> None:
    app.command("correct")(correct)
    app.command("withdraw")(withdraw)
    app.command("expire")(expire)


def correct(
    ref: str = Ref,
    file: Path = typer.Argument(..., help=N_("The corrected message file.")),
    dry_run: DryRunOption = False,
    yes: YesOption = False,
    by: ByOption = None,
    config: ConfigOption = None,
    output: OutputOption = "text",
) -> None:
    """Correct a notice that went out: edited in place where the channel can (Telegram,
    Mastodon, Matrix, feed, outbox), elsewhere a short "Korrektur: …" post.

    Example: citychan correct latest examples/strassensperrung.md --dry-run
    """
    from citychan import api
    from citychan.api import lifecycle

    _need_yes(yes, dry_run)
    report = common.run(lambda: lifecycle.correct(
        ref, file, api.load(config), dry_run=dry_run, confirm=None if yes else _confirm,
        operator=by))
    _show("correct", report, output, config)


def withdraw(
    ref: str = Ref,
    reason: str = typer.Option(..., "--reason", help=N_("Why it is withdrawn (shown to readers).")),
    dry_run: DryRunOption = False,
    yes: YesOption = False,
    by: ByOption = None,
    config: ConfigOption = None,
    output: OutputOption = "text",
) -> None:
    """Withdraw a notice: deleted where the channel can (Telegram, Mastodon, Matrix, feed),
    elsewhere a short withdrawal notice. A danger warning is ended with warn allclear.

    Example: citychan withdraw latest --reason "Die Sperrung entfällt." --yes
    """
    from citychan import api
    from citychan.api import lifecycle

    _need_yes(yes, dry_run)
    report = common.run(lambda: lifecycle.withdraw(
        ref, reason, api.load(config), dry_run=dry_run, confirm=None if yes else _confirm,
        operator=by))
    _show("withdraw", report, output, config)


def expire(config: ConfigOption = None, output: OutputOption = "text") -> None:
    """Let expired notices (expires: in the file) take effect now: the feed marks them and
    moves them to the archive page; channels with withdraw_on_expiry = true delete them.
    Safe to run from cron.

    Example: citychan expire
    """
    from citychan import api
    from citychan.api import lifecycle

    report, refreshed = common.run(lambda: lifecycle.expire(api.load(config)))
    if output == "json":
        common.emit_json("expire", int(report.exit_code) == 0,
                         {**report.as_dict(), "feeds_written": refreshed},
                         int(report.exit_code))
        raise typer.Exit(int(report.exit_code))
    for name in refreshed:
        typer.echo(f"{name}: feed written again (expired notices marked)")
    if report.results:
        _table(report)
    elif not refreshed:
        typer.echo("Nothing expired since the last run.")
    raise typer.Exit(int(report.exit_code))


def _need_yes(yes: bool, dry_run: bool) -> None:
    from citychan.errors import UsageError

    if not (yes or dry_run or common.is_interactive()):
        common.fail(UsageError("not a terminal: pass --yes to change it without confirmation"))


def _confirm(report: Any) -> bool:
    _preview(report, views.err_console())
    return typer.confirm("Carry this out now?", default=False, err=True)


def _show(command: str, report: Any, output: str, config: Path | None = None) -> None:
    code = int(report.exit_code)
    retry = common.retry_command(config) if code == 4 else None
    if output == "json":
        common.emit_json(command, code == 0, {**report.as_dict(), "retry_command": retry}, code)
    elif report.dry_run:
        _preview(report, views.out_console())
        typer.echo("Dry run: nothing was changed.")
    else:
        _table(report)
        if retry:
            views.err_console().print(f"Hint: to resolve what did not go out, run: "
                                      f"{views.esc(retry)}")
    raise typer.Exit(code)


def _preview(report: Any, console: Any) -> None:
    """What each channel will get: the edit, deletion or follow-up, with its text."""
    what = "Correction" if str(report.purpose) == "correction" else "Withdrawal"
    console.print(views.styled("bold", f"{what} of '{report.title}' "
                               f"({report.message_hash[:12]})"))
    for step in report.steps:
        line = f"{step.original.channel}: {step.how}"
        if step.original.remote_id and step.how in ("edit", "delete"):
            line += f" of {step.original.remote_id}"
        console.print(views.esc(line + (f" — {step.reason}" if step.reason else "")))
        if step.post is not None and step.how != "delete":
            console.print(views.esc("    " + step.post.rendered.text.replace("\n", "\n    "),
                                    lines=True))


def _table(report: Any) -> None:
    if not sys.stdout.isatty():  # cron, CI, a pipe: plain lines
        for r in report.results:
            cells = (r.channel, report.how(r.channel), str(r.status),
                     r.url or r.remote_id or "", r.error or "")
            typer.echo("  ".join(views.plain(c) for c in cells if c))
        return
    from rich.table import Table

    table = Table(title=views.esc(report.title), title_justify="left")
    for col in ("channel", "how", "status", "remote id / URL", "error"):
        table.add_column(col, overflow="fold")
    for r in report.results:
        table.add_row(views.esc(r.channel), views.esc(report.how(r.channel)),
                      views.status(r.status), views.esc(r.url or r.remote_id or ""),
                      views.esc(r.error or ""))
    views.out_console().print(table)
