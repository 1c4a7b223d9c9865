"""citychan check / preview / post: from a Markdown notice to the channels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from citychan.cli import common, views
from citychan.cli.options import (
    ByOption,
    ChannelOption,
    ConfigOption,
    DryRunOption,
    OutputOption,
    YesOption,
)
from citychan.i18n import N_, gettext, localize

_ = gettext
# `post --at 00:58`: which day a bare clock time was read as (the words of api.writing.read_as)
READ_AS = N_("--at {at} = {day}, {due}")
DAYS = (N_("today"), N_("tomorrow"))


def register(app: typer.Typer) -> None:
    app.command("check")(check)
    app.command("preview")(preview)
    app.command("post")(post)


def check(
    files: list[Path] = typer.Argument(..., help=N_("Message files (Markdown with front matter).")),
    config: ConfigOption = None,
    output: OutputOption = "text",
) -> None:
    """Validate notices against the rules and every configured channel. No network.

    Example: citychan check examples/*.md
    """
    from citychan import api
    from citychan.api.check import check, exit_code

    results = common.run(lambda: check(files, api.load(config)))
    ok = all(r.ok for r in results)
    code = int(exit_code(results))
    if output == "json":
        common.emit_json("check", ok, {"files": [r.as_dict() for r in results]}, code)
    else:
        views.checked(results)
    raise typer.Exit(code)


def preview(
    file: Path = typer.Argument(..., help=N_("The message file.")),
    channel: ChannelOption = None,
    config: ConfigOption = None,
    output: OutputOption = "text",
) -> None:
    """Show the notice as each channel will get it, with its length against the limit.

    A danger warning shows what `citychan warn FILE` sends: every channel's text, the CAP
    summary and the channels (its dry run).

    Example: citychan preview examples/strassensperrung.md --channel outbox
    """
    from citychan import api
    from citychan.api import notices

    lenient = common.run(lambda: api.load(config, lenient_channels=True))
    if common.run(lambda: notices.is_warning(file, lenient)):
        _preview_warning(file, lenient, channel or (), output)
    plan = common.run(lambda: notices.preview(file, api.load(config), only=channel or ()))
    code = int(plan.exit_code)
    if output == "json":
        common.emit_json("preview", plan.ok, plan.as_dict(), code)
    else:
        views.previews(plan)
    raise typer.Exit(code)


def _preview_warning(file: Path, cfg: Any, only: Any, output: str) -> None:
    from citychan.api import warnings
    from citychan.cli import warn_views

    report = common.run_rejectable(lambda: warnings.preview(file, cfg, only=tuple(only)),
                                   "preview", output)
    code = int(report.exit_code)
    if output == "json":
        common.emit_json("preview", code == 0, report.as_dict(), code)
    else:
        warn_views.warn_preview(report)
    raise typer.Exit(code)


def post(
    file: Path = typer.Argument(..., help=N_("The message file.")),
    channel: ChannelOption = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
    force: bool = typer.Option(
        False, "--force",
        help=N_("Send again / past quiet hours, the daily cap and a near-duplicate (recorded).")
    ),
    at: str | None = typer.Option(
        None, "--at", help=N_("Send it later: '2026-12-07 07:00', '07.12.2026 07:00', "
        "'07:00' (the next one: today, or tomorrow when it has passed) or 'next' (when quiet "
        "hours end); city time. Sent by 'citychan run-due'.")),
    by: ByOption = None,
    config: ConfigOption = None,
    output: OutputOption = "text",
) -> None:
    """Post a notice to every configured channel at once and record every delivery.

    Example: citychan post examples/strassensperrung.md --yes
    Later:   citychan post notice.md --at "07.12.2026 07:00"   (then: citychan queue)
    """
    from citychan import api
    from citychan.api import notices, writing
    from citychan.errors import UsageError

    common.run(lambda: writing.readable(file))  # "no such file" before any question
    if not dry_run:
        _draft_if_held(file, at, channel, force, by, config, output)  # issue 15 (review)
    if at is not None:
        _schedule(file, at, channel, force, by, dry_run, config, output)
    if not (yes or dry_run or common.is_interactive()):
        common.fail(UsageError(N_("not a terminal: pass --yes to post without confirmation")))
    progress = views.Progress() if output == "text" and common.is_interactive() else None

    def run() -> Any:
        cfg = api.load(config)
        with progress or views.nullcontext():
            return notices.post(file, cfg, only=channel or (), force=force, dry_run=dry_run,
                            confirm=None if (yes or dry_run) else views.confirm_plan,
                            on_event=progress.event if progress else None, operator=by)

    report = common.run_rejectable(run, "post", output)
    code = int(report.exit_code)
    retry = common.retry_command(config) if code == 4 else None
    if output == "json":
        common.emit_json("post", code == 0, {**report.as_dict(), "retry_command": retry}, code)
    else:
        views.report(report)
        if retry:
            views.retry_hint(retry)
    raise typer.Exit(code)


def _draft_if_held(file: Path, at: str | None, channel: list[str] | None, force: bool,
                   by: str | None, config: Path | None, output: str) -> None:
    """[review] required_for: the notice waits as a draft for a second operator."""
    from citychan import api
    from citychan.api import review
    from citychan.cli import review_cmd

    cfg = common.run(lambda: api.load(config))
    if not review.holds_info(cfg):
        return
    draft = common.run_rejectable(
        lambda: review.draft(file, cfg, at=at, operator=by, only=channel or (), force=force),
        "post", output)
    review_cmd.drafted(draft, config, cfg.city.timezone, output)
    raise typer.Exit(0)


def _schedule(file: Path, at: str, channel: list[str] | None, force: bool, by: str | None,
              dry_run: bool, config: Path | None, output: str) -> None:
    """`post --at`: checked now, kept in the queue; `citychan run-due` sends it."""
    from citychan import api
    from citychan.api import queue, writing
    from citychan.errors import UsageError

    if dry_run:
        common.fail(UsageError(N_("--at and --dry-run: a scheduled post is checked when it is "
                                  "scheduled; leave out one of them")))
    from citychan.cli.queue_cmd import scheduled

    def run() -> tuple[Any, str]:
        cfg = api.load(config)
        return (queue.schedule(file, cfg, at, operator=by, only=channel or (), force=force),
                cfg.city.timezone)

    done, timezone = common.run_rejectable(run, "post", output)
    entry = done.entry
    day = writing.read_as(at, entry.due, entry.created, timezone)
    if output == "json":
        common.emit_json("post", True, {"scheduled": entry.as_dict(), "timezone": timezone,
                                        "read_as": day, "files_not_kept": done.note})
    else:
        scheduled(entry, timezone)
        if done.note is not None:
            views.err_console().print(views.esc(localize(done.note) or ""), highlight=False)
        if day is not None:
            from zoneinfo import ZoneInfo

            due = f"{entry.due.astimezone(ZoneInfo(timezone)):%d.%m.%Y %H:%M}"
            views.out_console().print(views.esc(_(READ_AS).format(
                at=" ".join(at.split()), day=_(day), due=due)), highlight=False)
    raise typer.Exit(0)
