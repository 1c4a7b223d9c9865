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
from citychan.i18n import N_, gettext, localize

_ = gettext
TEXT = {
    "feed": N_("{name}: feed written again (expired notices marked)"),
    "nothing_expired": N_("Nothing expired since the last run."),
    "not_a_terminal": N_("not a terminal: pass --yes to change it without confirmation"),
    "confirm": N_("Carry this out now?"),
    "dry_run": N_("Dry run: nothing was changed."),
    "correction": N_("Correction of '{title}' ({message})"),
    "withdrawal": N_("Withdrawal of '{title}' ({message})"),
    "of": N_(" of {remote_id}"),
}
COLUMNS = (N_("channel"), N_("how"), N_("status"), N_("remote id / URL"), N_("error"))

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
    'citychan run-due' does this too, so one cron line does both; safe to run any time.

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
    expired(report, refreshed)
    raise typer.Exit(int(report.exit_code))


def expired(report: Any, refreshed: list[str], *, quiet: bool = False) -> None:
    """What an expiry run did (also after `run-due`'s posts); ``quiet``: nothing when
    nothing expired."""
    for name in refreshed:
        typer.echo(_(TEXT["feed"]).format(name=name))
    if report.results:
        _table(report)
    elif not refreshed and not quiet:
        typer.echo(_(TEXT["nothing_expired"]))


def _need_yes(yes: bool, dry_run: bool) -> None:
    from citychan.errors import UsageError

    if not (yes or dry_run or common.is_interactive()):
        common.fail(UsageError(TEXT["not_a_terminal"]))


def _confirm(report: Any) -> bool:
    _preview(report, views.err_console())
    return typer.confirm(_(TEXT["confirm"]), default=False, err=True)


def _show(command: str, report: Any, output: str, config: Path | None = None) -> None:
    code = int(report.exit_code)
    retry = common.retry_command(config) if code == 4 else None
    if output == "json":
        common.emit_json(command, code == 0, {**report.as_dict(), "retry_command": retry}, code)
    elif report.dry_run:
        _preview(report, views.out_console())
        typer.echo(_(TEXT["dry_run"]))
    else:
        _table(report)
        if retry:
            views.retry_hint(retry)
    raise typer.Exit(code)


def _preview(report: Any, console: Any) -> None:
    """What each channel will get: the edit, deletion or follow-up, with its text."""
    what = TEXT["correction" if str(report.purpose) == "correction" else "withdrawal"]
    console.print(views.styled("bold", _(what).format(title=report.title,
                                                     message=report.message_hash[:12])))
    for step in report.steps:
        line = f"{step.original.channel}: {_(step.how)}"
        if step.original.remote_id and step.how in ("edit", "delete"):
            line += _(TEXT["of"]).format(remote_id=step.original.remote_id)
        console.print(views.esc(line + (f" — {localize(step.reason)}" if step.reason else "")))
        if step.post is not None and step.how != "delete":
            console.print(views.esc("    " + step.post.rendered.text.replace("\n", "\n    "),
                                    lines=True))


def _table(report: Any) -> None:
    if not sys.stdout.isatty():  # cron, CI, a pipe: plain lines
        for r in report.results:
            cells = (r.channel, _(report.how(r.channel)), _(str(r.status)),
                     r.url or r.remote_id or "", localize(r.error) or "")
            typer.echo("  ".join(views.plain(c) for c in cells if c))
        return
    from rich.table import Table

    table = Table(title=views.esc(report.title), title_justify="left")
    for col in COLUMNS:
        table.add_column(_(col), overflow="fold")
    for r in report.results:
        table.add_row(views.esc(r.channel), views.esc(_(report.how(r.channel))),
                      views.status(r.status), views.esc(r.url or r.remote_id or ""),
                      views.esc(localize(r.error) or ""))
    views.out_console().print(table)
