"""citychan warn / warn update INCIDENT / warn allclear INCIDENT: danger warnings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from citychan.cli import common

FORMS = "warn [FILE] | warn update INCIDENT [FILE] | warn allclear INCIDENT"


def register(app: typer.Typer) -> None:
    app.command("warn", context_settings={"allow_interspersed_args": True})(warn)


def warn(
    args: list[str] = typer.Argument(
        None,
        metavar="[FILE] | update INCIDENT [FILE] | allclear INCIDENT",
        help="A warning file, or update/allclear with an incident id.",
    ),
    level: str | None = typer.Option(None, "--level", "-l", help="low | medium | high."),
    template: str | None = typer.Option(
        None,
        "--template",
        "-t",
        help="unwetter, hochwasser, grossbrand, bombe, trinkwasser, stromausfall, gefahrstoff.",
    ),
    event: str | None = typer.Option(
        None, "--event", help="Event from the catalogue (e.g. hochwasser)."
    ),
    area: str | None = typer.Option(None, "--area", help="Affected area, in words."),
    headline: str | None = typer.Option(
        None, "--headline", help="Headline (starts with the level label)."
    ),
    description: str | None = typer.Option(
        None, "--description", help="What happened, impact, who."
    ),
    instruction: str | None = typer.Option(None, "--instruction", help="What people must do."),
    details: str | None = typer.Option(
        None, "--details", help="Details for the template's {details}."
    ),
    expires: str | None = typer.Option(None, "--expires", help="2h, 90m or an ISO time."),
    exercise: bool = typer.Option(
        False, "--exercise", help="An exercise: CAP Exercise, texts prefixed ÜBUNG."
    ),
    test: bool = typer.Option(False, "--test", help="A test: CAP Test, texts prefixed TEST."),
    cap_out: str | None = typer.Option(
        None,
        "--cap-out",
        help="Also write the CAP 1.2 document here (a file, or a folder: ends with '/').",
    ),
    channel: list[str] = typer.Option(
        [], "--channel", help="Only this channel (new warnings; repeatable)."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Check and write CAP only; send nothing."
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="No confirmation (scripts)."),
    config: Path | None = typer.Option(None, "--config", "-c", help=common.CONFIG_HELP),
    output: str = typer.Option(
        "text", "--output", callback=common.check_output, help=common.OUTPUT_HELP
    ),
) -> None:
    """Send a danger warning to every channel, then updates and the all-clear (Entwarnung).

    Examples:
      citychan warn --template hochwasser --level high --area "Spreeufer" --yes
      citychan warn update hochwasser-20261128T030500 --expires 6h
      citychan warn allclear hochwasser-20261128T030500
    """
    from citychan.errors import UsageError
    from citychan.warn.service import WarnInput

    args = list(args or [])
    mode = args[0] if args and args[0] in ("update", "allclear") else "new"
    rest = args[1:] if mode != "new" else args
    if exercise and test:
        common.fail(UsageError("choose --exercise or --test, not both"))
    if (
        (mode == "new" and len(rest) > 1)
        or (mode != "new" and not rest)
        or len(rest) > 2
        or (mode == "allclear" and len(rest) > 1)
    ):
        common.fail(UsageError(f"usage: citychan {FORMS}"))
    ignored = _not_for(
        mode,
        {
            "--level": level,
            "--template": template,
            "--event": event,
            "--area": area,
            "--headline": headline,
            "--description": description,
            "--instruction": instruction,
            "--expires": expires,
            "--channel": channel,
        },
    )
    if ignored:
        common.fail(UsageError(ignored))
    if not (yes or dry_run or common.is_interactive()):
        common.fail(UsageError("not a terminal: pass --yes to send a warning without confirmation"))
    file_arg = (
        rest[-1] if (mode == "new" and rest) or (mode == "update" and len(rest) == 2) else None
    )
    inp = WarnInput(
        file=Path(file_arg) if file_arg else None,
        template=template,
        level=level,
        event=event,
        headline=headline,
        description=description,
        instruction=instruction,
        area=area,
        expires=expires,
        details=details,
        status="Exercise" if exercise else "Test" if test else "Actual",
    )
    incident = rest[0] if mode != "new" else None
    progress = _progress(output)

    def run() -> Any:
        from citychan import api as operations
        from citychan.warn import service as ops

        cfg = operations.load(config)
        with progress or _null():
            return ops.run(
                mode,
                inp,
                cfg,
                incident=incident,
                only=tuple(channel),
                cap_out=cap_out,
                dry_run=dry_run,
                confirm=None if (yes or dry_run) else confirm_warning,
                on_event=progress.event if progress else None,
            )

    report = common.run_rejectable(run, "warn", output)
    code = int(report.exit_code)
    if output == "json":
        common.emit_json("warn", code == 0, report.as_dict(), code)
    else:
        from citychan.cli import views

        views.report(report)
        for f in report.cap_files or []:
            common.err_console().print(f"CAP: {f}")
        common.err_console().print(
            f"Incident: {report.incident} ({report.msg_type} {report.identifier})"
            + (" - dry run, not recorded" if dry_run else "")
        )
    raise typer.Exit(code)


def _not_for(mode: str, given: dict[str, Any]) -> str | None:
    """Options that a follow-up would silently ignore are refused instead: the all-clear's
    texts are citychan's (only --details adds to them), and follow-ups go to exactly the
    original's channels."""
    allowed = {"allclear": (), "update": tuple(k for k in given if k != "--channel")}
    if mode not in allowed:
        return None
    wrong = [k for k, v in given.items() if v and k not in allowed[mode]]
    if not wrong:
        return None
    what = (
        "takes only --details (the all-clear's texts are written for you)"
        if mode == "allclear"
        else "goes to exactly the channels of the original"
    )
    return f"warn {mode} does not take {', '.join(wrong)}: it {what}"


def _progress(output: str) -> Any:
    if output != "text" or not common.is_interactive():
        return None
    from citychan.cli import views

    return views.Progress()


def _null() -> Any:
    import contextlib

    return contextlib.nullcontext()


def confirm_warning(w: Any, findings: list[Any]) -> bool:
    """The level's guard: none, a yes/no prompt, or typing the event name (high)."""
    from citychan import alerts
    from citychan.cli import views

    err = common.err_console()
    lang = w.langs[0]
    err.print(f"[bold red]{w.msg_type}[/] {views._esc(w.text(lang).headline)}")
    views.findings_table(findings, err)
    phrase = alerts.guard_phrase(w)
    if phrase:
        typed = typer.prompt(
            f"Type the event name ({phrase}) to send this warning",
            err=True,
            default="",
            show_default=False,
        )
        return alerts.guard_accepts(w, typed)
    if (
        w.level is not None
        and alerts.level_info(w.level).guard.value == "none"
        and str(w.msg_type) == "Alert"
    ):
        return True
    return typer.confirm("Send now?", default=False, err=True)
