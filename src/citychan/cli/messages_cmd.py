"""citychan check / preview / post: from a Markdown notice to the channels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from citychan.cli import common, views
from citychan.cli.options import (
    ChannelOption,
    ConfigOption,
    DryRunOption,
    OutputOption,
    YesOption,
)


def register(app: typer.Typer) -> None:
    app.command("check")(check)
    app.command("preview")(preview)
    app.command("post")(post)


def check(
    files: list[Path] = typer.Argument(..., help="Message files (Markdown with front matter)."),
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
    file: Path = typer.Argument(..., help="The message file."),
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
    file: Path = typer.Argument(..., help="The message file."),
    channel: ChannelOption = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
    force: bool = typer.Option(
        False, "--force", help="Send again / past quiet hours and the daily cap (recorded)."
    ),
    config: ConfigOption = None,
    output: OutputOption = "text",
) -> None:
    """Post a notice to every configured channel at once and record every delivery.

    Example: citychan post examples/strassensperrung.md --yes
    """
    from citychan import api
    from citychan.api import notices
    from citychan.errors import UsageError

    if not (yes or dry_run or common.is_interactive()):
        common.fail(UsageError("not a terminal: pass --yes to post without confirmation"))
    progress = views.Progress() if output == "text" and common.is_interactive() else None

    def run() -> Any:
        cfg = api.load(config)
        with progress or views.nullcontext():
            return notices.post(file, cfg, only=channel or (), force=force, dry_run=dry_run,
                            confirm=None if (yes or dry_run) else views.confirm_plan,
                            on_event=progress.event if progress else None)

    report = common.run_rejectable(run, "post", output)
    code = int(report.exit_code)
    if output == "json":
        common.emit_json("post", code == 0, report.as_dict(), code)
    else:
        views.report(report)
    raise typer.Exit(code)
