"""citychan queue / queue cancel / run-due: posts scheduled with `post --at`, and sending
what is due (from cron or a systemd timer, every minute)."""

from __future__ import annotations

from typing import Any

import typer

from citychan.cli import common, views
from citychan.cli.options import ByOption, ConfigOption, OutputOption
from citychan.i18n import N_, gettext, localize

_ = gettext
TEXT = {
    "cancelled": N_("Cancelled #{id} {title} (by {operator} scheduled; cancelled by {by})."),
    "nothing_due": N_("Nothing due."),
    "copy_sent": N_("#{id}: the file is not on this machine: sent the copy kept with it "
                    "(message {hash}…)."),
    "part_failed": N_("Error: {part} could not run: {error}"),
    "scheduled": N_("Scheduled #{id} {title} for {due} ({tz}) to {channels}, by {operator}."),
    "hint": N_("Hint: 'citychan run-due' sends it when due; cancel with: citychan queue "
               "cancel {id}"),
    "none": N_("Nothing scheduled."),
    "title": N_("Scheduled posts (next due first)"),
    "local": N_("Times are {tz} local time."),
}
COLUMNS = (N_("due"), N_("state"), N_("title"), N_("channels"), N_("by"), N_("reason"))

queue_app = typer.Typer(
    name="queue",
    help=N_("Posts scheduled with 'citychan post FILE --at …', the next due first.\n\n"
    "Examples:\n\n  citychan queue\n\n  citychan queue cancel 3"),
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def register(app: typer.Typer) -> None:
    app.add_typer(queue_app)
    app.command("run-due")(run_due)


@queue_app.callback()
def queue(
    ctx: typer.Context,
    everything: bool = typer.Option(False, "--all", help=N_("Also posts sent or cancelled.")),
    config: ConfigOption = None,
    output: OutputOption = "text",
) -> None:
    """List scheduled posts: waiting, being sent, refused or failed (--all: every one)."""
    if ctx.invoked_subcommand is not None:
        return
    from citychan import api
    from citychan.api import queue as queue_api

    def run() -> dict[str, Any]:
        cfg = api.load(config)
        return {"queue": [e.as_dict() for e in queue_api.entries(cfg, everything=everything)],
                "timezone": cfg.city.timezone}

    result = common.run(run)
    if output == "json":
        common.emit_json("queue", True, result)
        return
    queue_table(result["queue"], result["timezone"])


@queue_app.command("cancel")
def cancel(
    ref: str = typer.Argument(...,
        help=N_("The scheduled post's number, as 'citychan queue' shows.")),
    by: ByOption = None,
    config: ConfigOption = None,
    output: OutputOption = "text",
) -> None:
    """Take a scheduled post off the queue (recorded with who); nothing is sent.

    Example: citychan queue cancel 3
    """
    from citychan import api
    from citychan.api import queue as queue_api

    entry = common.run(lambda: queue_api.cancel(api.load(config), ref, operator=by))
    if output == "json":
        common.emit_json("queue", True, {"cancelled": entry.as_dict()})
        return
    views.out_console().print(views.esc(_(TEXT["cancelled"]).format(
        id=entry.id, title=repr(entry.title), operator=entry.operator, by=entry.cancelled_by)))


def run_due(
    config: ConfigOption = None,
    output: OutputOption = "text",
) -> None:
    """Send every scheduled post that is due, then let expired notices take effect (what
    'citychan expire' does: feeds written again, deletions where withdraw_on_expiry is set).
    Safe to run every minute (cron, systemd timer): of runs at the same time one sends each
    post. A part that fails is reported and the other still runs. Exit 4 if a delivery
    failed, 3 if a due post was refused (its file changed, the rules refuse it now): it
    stays in the queue.

    Example: * * * * * cd /srv/citychan && citychan run-due
    """
    from citychan import api
    from citychan.api import queue as queue_api
    from citychan.cli import lifecycle_cmd

    minute = common.run(lambda: queue_api.run_minute(api.load(config)))
    code = int(minute.exit_code)
    if output == "json":
        common.emit_json("run-due", code == 0, minute.as_dict(), code)
        raise typer.Exit(code)
    out = views.out_console()
    if not minute.posts:
        out.print(_(TEXT["nothing_due"]))
    for r in minute.posts:
        line = f"#{r.entry.id} {views.esc(repr(r.entry.title))}: {views.status(r.state)}"
        out.print(line + (f" — {views.esc(localize(r.reason))}" if r.reason else ""))
        if r.copied:
            out.print(views.esc(_(TEXT["copy_sent"]).format(id=r.entry.id, hash=r.copied[:12])))
    if minute.expiry is not None:
        lifecycle_cmd.expired(minute.expiry, minute.feeds_written, quiet=True)
    for failure in minute.failures:
        views.err_console().print(views.esc(_(TEXT["part_failed"]).format(
            part=failure.part, error=localize(failure.error))))
        if failure.hint:
            views.err_console().print(views.esc(localize(failure.hint)))
    raise typer.Exit(code)


def scheduled(entry: Any, timezone: str) -> None:
    """`post --at`: what was scheduled, when, and how to take it back."""
    views.out_console().print(views.esc(_(TEXT["scheduled"]).format(
        id=entry.id, title=repr(entry.title), due=_local(entry.due, timezone), tz=timezone,
        channels=", ".join(entry.channels), operator=entry.operator)))
    views.err_console().print(views.esc(_(TEXT["hint"]).format(id=entry.id)))


def queue_table(rows: list[dict[str, Any]], timezone: str) -> None:
    from rich.table import Table

    console = views.out_console()
    if not rows:
        console.print(_(TEXT["none"]))
        return
    table = Table(title=_(TEXT["title"]), title_justify="left")
    table.add_column("#", overflow="fold")
    for col in COLUMNS:
        table.add_column(_(col), overflow="fold")
    for r in rows:
        table.add_row(views.esc(r["id"]), _local(r["due"], timezone), views.status(r["state"]),
                      views.esc(r["title"]), views.esc(", ".join(r["channels"])),
                      views.esc(r["cancelled_by"] or r["operator"]),
                      views.esc(localize(r["reason"]) or ""))
    console.print(table)
    console.print(views.styled("dim", _(TEXT["local"]).format(tz=timezone)))


def _local(due: Any, timezone: str) -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    when = datetime.fromisoformat(due) if isinstance(due, str) else due
    return f"{when.astimezone(ZoneInfo(timezone)):{views.date_form()}}"
