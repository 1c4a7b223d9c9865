"""citychan warn [new] / warn update INCIDENT / warn allclear INCIDENT: danger warnings.

Three real commands, each with its own options and help. ``citychan warn [FILE] --level …``
(anything that is not ``new``, ``update`` or ``allclear``) is ``citychan warn new …``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from citychan.cli import common, views
from citychan.cli.options import (
    ChannelOption,
    ConfigOption,
    DryRunOption,
    OutputOption,
    YesOption,
)

# The options of a warning's texts, shared by `warn new` and `warn update`.
Level = Annotated[str | None, typer.Option("--level", "-l", help="low | medium | high.")]
Template = Annotated[str | None, typer.Option(
    "--template", "-t",
    help="unwetter, hochwasser, grossbrand, bombe, trinkwasser, stromausfall, gefahrstoff.")]
Event = Annotated[str | None, typer.Option(
    "--event", help="Event from the catalogue (e.g. hochwasser).")]
Area = Annotated[str | None, typer.Option(
    "--area", help="Affected area, in words, or the NAME of an [alerts.areas.NAME] preset.")]
Headline = Annotated[str | None, typer.Option(
    "--headline", help="Headline (starts with the level label).")]
Description = Annotated[str | None, typer.Option(
    "--description", help="What happened, impact, who.")]
Instruction = Annotated[str | None, typer.Option("--instruction", help="What people must do.")]
Details = Annotated[str | None, typer.Option(
    "--details", help="Details for the template's {details}.")]
Expires = Annotated[str | None, typer.Option("--expires", help="2h, 90m or an ISO time.")]
Exercise = Annotated[bool, typer.Option(
    "--exercise", help="An exercise: CAP Exercise, texts prefixed ÜBUNG.")]
Test = Annotated[bool, typer.Option("--test", help="A test: CAP Test, texts prefixed TEST.")]
CapOut = Annotated[str | None, typer.Option(
    "--cap-out", help="Also write the CAP 1.2 document here (a file, or a folder: ends with "
    "'/'); a dry run writes only this one.")]
File = Annotated[Path | None, typer.Argument(
    help="A warning file (Markdown with front matter); without it, the options give the text.")]
Incident = Annotated[str, typer.Argument(
    help="The incident id, as the first warning printed it (also in 'citychan log').")]

# What `warn new` takes but a follow-up would silently ignore: accepted (not shown in the
# follow-up's help) only to be refused by name, not with a bare "no such option".
Ignored = Annotated[str | None, typer.Option(hidden=True)]
IgnoredLevel = Annotated[str | None, typer.Option("--level", "-l", hidden=True)]
IgnoredTemplate = Annotated[str | None, typer.Option("--template", "-t", hidden=True)]
IgnoredChannel = Annotated[list[str] | None, typer.Option("--channel", hidden=True)]


class _NewOrFollowUp(TyperGroup):
    """`warn update …` and `warn allclear …` are subcommands; anything else is a new warning,
    so `warn [FILE] --level …` keeps working as `warn new [FILE] --level …`."""

    # ctx is Typer's vendored click Context (typer.Context is a subclass of it)
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        asks_help = bool(args) and args[0] in ctx.help_option_names
        if not asks_help and (not args or args[0] not in self.commands):
            args = ["new", *args]
        return super().parse_args(ctx, args)

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return [self.subcommand_metavar]  # the group itself has no options but --help


warn_app = typer.Typer(
    cls=_NewOrFollowUp,
    name="warn",
    help="Send a danger warning to every channel, then updates and the all-clear "
    "(Entwarnung).\n\n"
    "Examples:\n\n"
    '  citychan warn --template hochwasser --level high --area "Spreeufer" --yes\n\n'
    "  citychan warn update hochwasser-20261128T030500 --expires 6h\n\n"
    "  citychan warn allclear hochwasser-20261128T030500",
    subcommand_metavar="[new] [FILE] [OPTIONS] | update INCIDENT … | allclear INCIDENT …",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def register(app: typer.Typer) -> None:
    app.add_typer(warn_app)


@dataclass(frozen=True)
class _How:
    """How a warning goes out, the same for a new one and its follow-ups."""

    cap_out: str | None
    dry_run: bool
    yes: bool
    config: Path | None
    output: str


@warn_app.command("new")
def new(
    file: File = None, level: Level = None, template: Template = None, event: Event = None,
    area: Area = None, headline: Headline = None, description: Description = None,
    instruction: Instruction = None, details: Details = None, expires: Expires = None,
    exercise: Exercise = False, test: Test = False, cap_out: CapOut = None,
    channel: ChannelOption = None, dry_run: DryRunOption = False, yes: YesOption = False,
    config: ConfigOption = None, output: OutputOption = "text",
) -> None:
    """Send a new danger warning to every channel; `citychan warn …` is `warn new …`.

    Its text comes from a file, a --template, or the options.

    Follow-ups: see `citychan warn update --help` and `citychan warn allclear --help`.

    Example: citychan warn --template hochwasser --level high --area "Spreeufer" --yes
    """
    from citychan.api.warnings import WarnInput

    inp = WarnInput(file=file, template=template, level=_level(level), event=event,
                    headline=headline, description=description, instruction=instruction,
                    area=area, expires=expires, details=details, status=_status(exercise, test))
    _send("new", inp, None, _How(cap_out, dry_run, yes, config, output), only=channel or ())


@warn_app.command("update")
def update(
    incident: Incident, file: File = None, level: Level = None, template: Template = None,
    event: Event = None, area: Area = None, headline: Headline = None,
    description: Description = None, instruction: Instruction = None, details: Details = None,
    expires: Expires = None, exercise: Exercise = False, test: Test = False,
    cap_out: CapOut = None, dry_run: DryRunOption = False, yes: YesOption = False,
    config: ConfigOption = None, output: OutputOption = "text", channel: IgnoredChannel = None,
) -> None:
    """Update an incident (CAP Update) on exactly the channels its first warning went to.

    It starts from the latest message and changes only what is given; a file or a
    --template gives new texts altogether.

    Example: citychan warn update hochwasser-20261128T030500 --expires 6h
    """
    from citychan.api.warnings import WarnInput

    status = _status(exercise, test)
    _refuse("update", "it goes to exactly the channels of the original", {"--channel": channel})
    inp = WarnInput(file=file, template=template, level=_level(level), event=event,
                    headline=headline, description=description, instruction=instruction,
                    area=area, expires=expires, details=details, status=status)
    _send("update", inp, incident, _How(cap_out, dry_run, yes, config, output))


@warn_app.command("allclear")
def allclear(
    incident: Incident,
    details: Annotated[str | None, typer.Option(
        "--details", help="A sentence added to the German all-clear text.")] = None,
    exercise: Exercise = False, test: Test = False, cap_out: CapOut = None,
    dry_run: DryRunOption = False, yes: YesOption = False, config: ConfigOption = None,
    output: OutputOption = "text", level: IgnoredLevel = None, template: IgnoredTemplate = None,
    event: Ignored = None, area: Ignored = None, headline: Ignored = None,
    description: Ignored = None, instruction: Ignored = None, expires: Ignored = None,
    channel: IgnoredChannel = None,
) -> None:
    """Give the all-clear (Entwarnung, CAP Cancel) for an incident.

    It goes to exactly the channels the first warning went to; its texts are written for
    you in every language.

    Example: citychan warn allclear hochwasser-20261128T030500
    """
    from citychan.api.warnings import WarnInput

    status = _status(exercise, test)
    _refuse("allclear", "it takes only --details (the all-clear's texts are written for you)",
            {"--level": level, "--template": template, "--event": event, "--area": area,
             "--headline": headline, "--description": description,
             "--instruction": instruction, "--expires": expires, "--channel": channel})
    _send("allclear", WarnInput(details=details, status=status), incident,
          _How(cap_out, dry_run, yes, config, output))


def _level(text: str | None) -> Any:
    """--level parsed once, here at the edge: the library takes a Level."""
    from citychan.api.warnings import parse_level
    from citychan.errors import CitychanError

    try:
        return parse_level(text) if text else None
    except CitychanError as exc:
        common.fail(exc)


def _status(exercise: bool, test: bool) -> Any:
    from citychan.api.warnings import CapStatus

    if exercise and test:
        _usage("choose --exercise or --test, not both")
    return CapStatus.EXERCISE if exercise else CapStatus.TEST if test else CapStatus.ACTUAL


def _refuse(mode: str, why: str, given: dict[str, object]) -> None:
    """Options a follow-up would silently ignore are refused instead, all named at once."""
    named = [name for name, value in given.items() if value]
    if named:
        _usage(f"warn {mode} does not take {', '.join(named)}: {why}")


def _usage(message: str, hint: str | None = None) -> NoReturn:
    from citychan.errors import UsageError

    common.fail(UsageError(message, hint=hint))


def _send(mode: str, inp: Any, incident: str | None, how: _How,
          only: list[str] | tuple[str, ...] = ()) -> None:
    """Confirm (unless --yes), send, show the results; the exit code says how it went."""
    if not (how.yes or how.dry_run or common.is_interactive()):
        _usage("not a terminal: pass --yes to send a warning without confirmation")
    progress = views.Progress() if how.output == "text" and common.is_interactive() else None

    def run() -> Any:
        from citychan import api
        from citychan.api import warnings

        cfg = api.load(how.config)
        with progress or views.nullcontext():
            options: dict[str, Any] = {
                "cap_out": how.cap_out, "dry_run": how.dry_run,
                "confirm": None if (how.yes or how.dry_run) else confirm_warning,
                "on_event": progress.event if progress else None}
            if incident is None:
                return warnings.new(inp, cfg, only=tuple(only), **options)
            follow_up = warnings.update if mode == "update" else warnings.allclear
            return follow_up(incident, inp, cfg, **options)

    report = common.run_rejectable(run, "warn", how.output)
    code = int(report.exit_code)
    if how.output == "json":
        common.emit_json("warn", code == 0, report.as_dict(), code)
    else:
        views.warn_report(report, how.dry_run)
    raise typer.Exit(code)


def confirm_warning(w: Any, findings: list[Any]) -> bool:
    """The level's guard: none, a yes/no prompt, or typing the event name (high)."""
    from citychan.api.warnings import guard_accepts, guard_phrase, needs_yes

    views.warning_prompt(w.msg_type, w.text(w.langs[0]).headline, findings)
    phrase = guard_phrase(w)
    if phrase:
        typed = typer.prompt(
            f"Type the event name ({views.plain(phrase)}) to send this warning",
            err=True,
            default="",
            show_default=False,
        )
        return guard_accepts(w, typed)
    if not needs_yes(w):
        return True
    return typer.confirm("Send now?", default=False, err=True)
