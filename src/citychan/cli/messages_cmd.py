"""citychan check / preview / post: from a Markdown notice to the channels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from citychan.cli import common, views


def register(app: typer.Typer) -> None:
    app.command("check")(check)
    app.command("preview")(preview)
    app.command("post")(post)


def check(
    files: list[Path] = typer.Argument(..., help="Message files (Markdown with front matter)."),
    config: Path | None = typer.Option(None, "--config", "-c", help=common.CONFIG_HELP),
    output: str = typer.Option(
        "text", "--output", callback=common.check_output, help=common.OUTPUT_HELP
    ),
) -> None:
    """Validate notices against the rules and every configured channel. No network.

    Example: citychan check examples/*.md
    """
    from citychan import api as operations

    results = common.run(lambda: operations.check(files, operations.load(config)))
    ok = all(r.ok for r in results)
    unreadable = any(r.error for r in results)
    code = 2 if unreadable else (0 if ok else 3)
    if output == "json":
        common.emit_json("check", ok, {"files": [r.as_dict() for r in results]}, code)
    else:
        views.checked(results)
    raise typer.Exit(code)


def preview(
    file: Path = typer.Argument(..., help="The message file."),
    channel: list[str] = typer.Option([], "--channel", help="Only this channel (repeatable)."),
    config: Path | None = typer.Option(None, "--config", "-c", help=common.CONFIG_HELP),
    output: str = typer.Option(
        "text", "--output", callback=common.check_output, help=common.OUTPUT_HELP
    ),
) -> None:
    """Show the notice as each channel will get it, with its length against the limit.

    Example: citychan preview examples/strassensperrung.md --channel outbox
    """
    from citychan import api as operations

    plan = common.run(lambda: operations.preview(file, operations.load(config), only=channel))
    code = 0 if plan.ok else 3
    if output == "json":
        common.emit_json("preview", plan.ok, views.plan_dict(plan), code)
    else:
        views.previews(plan)
    raise typer.Exit(code)


def post(
    file: Path = typer.Argument(..., help="The message file."),
    channel: list[str] = typer.Option([], "--channel", help="Only this channel (repeatable)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Render and validate; send nothing."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    force: bool = typer.Option(
        False, "--force", help="Send again / past quiet hours and the daily cap (recorded)."
    ),
    config: Path | None = typer.Option(None, "--config", "-c", help=common.CONFIG_HELP),
    output: str = typer.Option(
        "text", "--output", callback=common.check_output, help=common.OUTPUT_HELP
    ),
) -> None:
    """Post a notice to every configured channel at once and record every delivery.

    Example: citychan post examples/strassensperrung.md --yes
    """
    from citychan import api as operations
    from citychan.errors import UsageError

    if not (yes or dry_run or common.is_interactive()):
        common.fail(UsageError("not a terminal: pass --yes to post without confirmation"))
    confirm = None if (yes or dry_run) else views.confirm_plan
    progress = views.Progress() if output == "text" and common.is_interactive() else None

    def run() -> Any:
        cfg = operations.load(config)
        with progress or views.nullcontext():
            return operations.post(
                file,
                cfg,
                only=channel,
                force=force,
                dry_run=dry_run,
                confirm=confirm,
                on_event=progress.event if progress else None,
            )

    report = common.run_rejectable(run, "post", output)
    code = int(report.exit_code)
    if output == "json":
        common.emit_json("post", code == 0, report.as_dict(), code)
    else:
        views.report(report)
    raise typer.Exit(code)
