"""citychan warn [new] / warn update INCIDENT / warn allclear INCIDENT: danger warnings.

Three real commands, each with its own options and help. ``citychan warn [FILE] --level …``
(anything that is not ``new``, ``update`` or ``allclear``) is ``citychan warn new …``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from citychan.cli import common, views, warn_views
from citychan.cli.options import (
    ByOption,
    ChannelOption,
    ConfigOption,
    DryRunOption,
    OutputOption,
    YesOption,
)
from citychan.cli.warn_views import confirm_warning
from citychan.i18n import N_

# The options of a warning's texts, shared by `warn new` and `warn update`.
Level = Annotated[str | None, typer.Option(
    "--level", "-l", help=N_("low | medium | high (niedrig | mittel | hoch)."))]
Template = Annotated[str | None, typer.Option(
    "--template", "-t",
    help=N_("unwetter (sturm), hochwasser, grossbrand, bombe, kampfmittelfund, gasaustritt, "
    "gefahrstoff, trinkwasser, stromausfall, polizeihinweis."))]
Time = Annotated[str | None, typer.Option(
    "--time", help=N_("The template's time, e.g. when a defusal starts (bombe): 14:00, "
    "\"30.11.2026 09:00\", +2h."))]
Event = Annotated[str | None, typer.Option(
    "--event", help=N_("Event from the catalogue (e.g. hochwasser)."))]
Area = Annotated[str | None, typer.Option(
    "--area", help=N_("Affected area, in words, or the NAME of an [alerts.areas.NAME] preset."))]
Headline = Annotated[str | None, typer.Option(
    "--headline", help=N_("Headline (starts with the level label)."))]
Description = Annotated[str | None, typer.Option(
    "--description", help=N_("What happened, impact, who."))]
Instruction = Annotated[str | None, typer.Option("--instruction", help=N_("What people must do."))]
Details = Annotated[str | None, typer.Option(
    "--details", help=N_("Details for the template's {details}."))]
Expires = Annotated[str | None, typer.Option(
    "--expires", help=N_("6h, +90m, 23:00 (today or tomorrow), \"30.11.2026 06:00\" or ISO."))]
Exercise = Annotated[bool, typer.Option(
    "--exercise", help=N_("An exercise: CAP Exercise, texts prefixed ÜBUNG."))]
Test = Annotated[bool, typer.Option("--test", help=N_("A test: CAP Test, texts prefixed TEST."))]
CapOut = Annotated[str | None, typer.Option(
    "--cap-out", help=N_("Also write the CAP 1.2 document here (a file, or a folder: ends with "
    "'/'); a dry run writes only this one."))]
# A new warning's texts per language: German by default, the Sorbian counterpart with
# --area-hsb or as the value "hsb:TEXT" (repeat the option).
AreaByLang = Annotated[list[str] | None, typer.Option(
    "--area", help=N_('Affected area, in words (German; "hsb:TEXT" for the Sorbian one).'))]
InstructionByLang = Annotated[list[str] | None, typer.Option(
    "--instruction",
    help=N_('What people must do (German; "hsb:TEXT" for the Sorbian one).'))]
DetailsByLang = Annotated[list[str] | None, typer.Option(
    "--details", help=N_("Details for the template's {details} (German; \"hsb:TEXT\" for the "
    "Sorbian ones)."))]
AreaHsb = Annotated[str | None, typer.Option("--area-hsb", help=N_("The area in Sorbian."))]
InstructionHsb = Annotated[str | None, typer.Option(
    "--instruction-hsb", help=N_("What people must do, in Sorbian."))]
DetailsHsb = Annotated[str | None, typer.Option("--details-hsb",
    help=N_("The details in Sorbian."))]
OnlyLang = Annotated[list[str] | None, typer.Option(
    "--only-lang", help=N_("Emergency: send in this language only (e.g. de) while the "
    "translation is missing; recorded as a finding."))]
File = Annotated[Path | None, typer.Argument(
    help=N_("A warning file (Markdown with front matter); without it, the options give the text."))]
Incident = Annotated[str, typer.Argument(
    help=N_("The incident id, as the first warning printed it (see 'citychan incidents'); "
    "'latest' for the newest open one, or the event (hochwasser) when one of it is open."))]
New = Annotated[bool, typer.Option(
    "--new", help=N_("A separate incident, even while one for the same event and area is open."))]
Repeat = Annotated[bool, typer.Option(
    "--repeat", help=N_("Send the latest message again unchanged, on purpose (recorded)."))]
# issue 15 (review): where [review] required_for holds warnings, --urgent sends past review
Urgent = Annotated[bool, typer.Option(
    "--urgent", help=N_("Where warnings wait for a second operator (review.required_for): "
    "send now, past review; needs --reason (recorded)."))]
Reason = Annotated[str | None, typer.Option(
    "--reason", help=N_("Why it cannot wait for review (with --urgent; recorded)."))]

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
    help=N_("Send a danger warning to every channel, then updates and the all-clear "
            "(Entwarnung).\n\n"
            "Examples:\n\n"
            '  citychan warn --template hochwasser --level high --area "Spreeufer" --yes\n\n'
            "  citychan warn update hochwasser-20261128T030500 --expires 6h\n\n"
            "  citychan warn allclear hochwasser-20261128T030500"),
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
    urgent: bool = False
    reason: str | None = None


@warn_app.command("new")
def new(
    file: File = None, level: Level = None, template: Template = None, event: Event = None,
    area: AreaByLang = None, area_hsb: AreaHsb = None, headline: Headline = None,
    description: Description = None, instruction: InstructionByLang = None,
    instruction_hsb: InstructionHsb = None, details: DetailsByLang = None,
    details_hsb: DetailsHsb = None, expires: Expires = None, only_lang: OnlyLang = None,
    time: Time = None, exercise: Exercise = False, test: Test = False, cap_out: CapOut = None,
    channel: ChannelOption = None, dry_run: DryRunOption = False, yes: YesOption = False,
    config: ConfigOption = None, output: OutputOption = "text", new_incident: New = False,
    by: ByOption = None, urgent: Urgent = False, reason: Reason = None,
) -> None:
    """Send a new danger warning to every channel; `citychan warn …` is `warn new …`.

    Its text comes from a file, a --template, or the options. --area, --instruction and
    --details are German; give the Sorbian text with --area-hsb … (or --area "hsb:…").

    Follow-ups: see `citychan warn update --help` and `citychan warn allclear --help`.

    Example: citychan warn --template hochwasser --level high --area "Spreeufer"
    --area-hsb "Brjóh Sprjewje" --yes
    """
    from citychan.api.warnings import WarnInput

    texts, translations = _texts_by_lang(area, area_hsb, instruction, instruction_hsb,
                                         details, details_hsb)
    inp = WarnInput(file=file, template=template, level=_level(level), event=event,
                    headline=headline, description=description,
                    instruction=texts["instruction"], area=texts["area"],
                    expires=expires, details=texts["details"],
                    status=_status(exercise, test), translations=translations,
                    only_langs=tuple(dict.fromkeys(only_lang or ())), separate=new_incident,
                    time=time, operator=by)
    _send("new", inp, None, _How(cap_out, dry_run, yes, config, output, urgent, reason),
          only=channel or ())


_LANG_PREFIX = re.compile(r"([a-z]{2,3}):(?!//)\s*(.*)", re.S)  # "hsb:TEXT", not "https://"


def _by_lang(option: str, values: list[str] | None,
             hsb: str | None) -> tuple[str | None, dict[str, str]]:
    """One per-language option: the German text, and the other languages' (``hsb:TEXT`` or
    the ``-hsb`` option). The service checks the language codes against the config."""
    german: str | None = None
    others: dict[str, str] = {}
    given = [*(values or ()), *([f"hsb:{hsb}"] if hsb is not None else [])]
    for value in given:
        m = _LANG_PREFIX.fullmatch(value)
        lang, text = (m[1], m[2]) if m else ("de", value)
        if (german if lang == "de" else others.get(lang)) is not None:
            _usage(N_("{option} given twice for {lang}").format(option=option, lang=lang),
                   hint=N_("once in German and once per language: {option} TEXT "
                           "{option}-hsb TEXT").format(option=option))
        if lang == "de":
            german = text
        else:
            others[lang] = text
    return german, others


@warn_app.command("update")
def update(
    incident: Incident, file: File = None, level: Level = None, template: Template = None,
    event: Event = None, area: AreaByLang = None, area_hsb: AreaHsb = None,
    headline: Headline = None, description: Description = None,
    instruction: InstructionByLang = None, instruction_hsb: InstructionHsb = None,
    details: DetailsByLang = None, details_hsb: DetailsHsb = None,
    expires: Expires = None, time: Time = None, exercise: Exercise = False, test: Test = False,
    cap_out: CapOut = None, dry_run: DryRunOption = False, yes: YesOption = False,
    config: ConfigOption = None, output: OutputOption = "text", channel: IgnoredChannel = None,
    repeat: Repeat = False, by: ByOption = None, urgent: Urgent = False,
    reason: Reason = None,
) -> None:
    """Update an incident (CAP Update) on exactly the channels its first warning went to.

    It starts from the latest message and changes only what is given; a file or a
    --template gives new texts altogether.

    Example: citychan warn update hochwasser-20261128T030500 --expires 6h
    """
    from citychan.api.warnings import WarnInput

    status = _status(exercise, test)
    _refuse("update", N_("it goes to exactly the channels of the original"), {"--channel": channel})
    texts, translations = _texts_by_lang(area, area_hsb, instruction, instruction_hsb,
                                         details, details_hsb)
    inp = WarnInput(file=file, template=template, level=_level(level), event=event,
                    headline=headline, description=description,
                    instruction=texts["instruction"], area=texts["area"],
                    expires=expires, details=texts["details"], status=status, repeat=repeat,
                    time=time, operator=by, translations=translations)
    _send("update", inp, incident, _How(cap_out, dry_run, yes, config, output, urgent, reason))


@warn_app.command("allclear")
def allclear(
    incident: Incident,
    details: Annotated[str | None, typer.Option(
        "--details", help=N_("A sentence added to the German all-clear text."))] = None,
    exercise: Exercise = False, test: Test = False, cap_out: CapOut = None,
    dry_run: DryRunOption = False, yes: YesOption = False, config: ConfigOption = None,
    output: OutputOption = "text", level: IgnoredLevel = None, template: IgnoredTemplate = None,
    event: Ignored = None, area: Ignored = None, headline: Ignored = None,
    description: Ignored = None, instruction: Ignored = None, expires: Ignored = None,
    channel: IgnoredChannel = None, by: ByOption = None, urgent: Urgent = False,
    reason: Reason = None,
) -> None:
    """Give the all-clear (Entwarnung, CAP Cancel) for an incident.

    It goes to exactly the channels the first warning went to; its texts are written for
    you in every language.

    Example: citychan warn allclear hochwasser-20261128T030500
    """
    from citychan.api.warnings import WarnInput

    status = _status(exercise, test)
    _refuse("allclear", N_("it takes only --details (the all-clear's texts are written for "
                           "you)"),
            {"--level": level, "--template": template, "--event": event, "--area": area,
             "--headline": headline, "--description": description,
             "--instruction": instruction, "--expires": expires, "--channel": channel})
    _send("allclear", WarnInput(details=details, status=status, operator=by), incident,
          _How(cap_out, dry_run, yes, config, output, urgent, reason))


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
        _usage(N_("choose --exercise or --test, not both"))
    return CapStatus.EXERCISE if exercise else CapStatus.TEST if test else CapStatus.ACTUAL


def _refuse(mode: str, why: str, given: dict[str, object]) -> None:
    """Options a follow-up would silently ignore are refused instead, all named at once."""
    named = [name for name, value in given.items() if value]
    if named:
        _usage(N_("warn {mode} does not take {options}: {why}").format(
            mode=mode, options=", ".join(named), why=why))


def _texts_by_lang(
    area: list[str] | None, area_hsb: str | None, instruction: list[str] | None,
    instruction_hsb: str | None, details: list[str] | None, details_hsb: str | None,
) -> tuple[dict[str, str | None], dict[str, dict[str, str]]]:
    """The German text of each per-language option, and the other languages' texts by
    language (``--area-hsb`` or ``--area hsb:TEXT``)."""
    given = {"area": _by_lang("--area", area, area_hsb),
             "instruction": _by_lang("--instruction", instruction, instruction_hsb),
             "details": _by_lang("--details", details, details_hsb)}
    translations: dict[str, dict[str, str]] = {}
    for key, (_, others) in given.items():
        for lang, text in others.items():
            translations.setdefault(lang, {})[key] = text
    return {key: german for key, (german, _) in given.items()}, translations


def _usage(message: str, hint: str | None = None) -> NoReturn:
    from citychan.errors import UsageError

    common.fail(UsageError(message, hint=hint))


def _send(mode: str, inp: Any, incident: str | None, how: _How,
          only: list[str] | tuple[str, ...] = ()) -> None:
    """Confirm (unless --yes), send, show the results; the exit code says how it went. A dry
    run shows per channel exactly what would go out."""
    if not (how.yes or how.dry_run or common.is_interactive()):
        _usage(N_("not a terminal: pass --yes to send a warning without confirmation"))
    progress = views.Progress() if how.output == "text" and common.is_interactive() else None
    asked: list[bool] = []  # the confirmation showed the findings: the report does not again

    def confirm(preview: Any) -> bool:
        asked.append(True)
        return confirm_warning(preview)

    def run() -> Any:
        from citychan.api import warnings

        cfg = warnings.load(how.config)  # a broken channel table fails only that channel
        if _review_gate(cfg, mode, inp, incident, how):
            from citychan.api import review

            return review.draft_warning(mode, inp, cfg, incident=incident, only=tuple(only),
                                        cap_out=how.cap_out)
        with progress or views.nullcontext():
            options: dict[str, Any] = {
                "cap_out": how.cap_out, "dry_run": how.dry_run,
                "confirm": None if (how.yes or how.dry_run) else confirm,
                "on_event": progress.event if progress else None}
            if incident is None:
                return warnings.new(inp, cfg, only=tuple(only), **options)
            follow_up = warnings.update if mode == "update" else warnings.allclear
            return follow_up(incident, inp, cfg, **options)

    report = common.run_rejectable(run, "warn", how.output)
    if isinstance(report, tuple):  # held for review: a draft, nothing sent
        from citychan.cli import review_cmd

        review_cmd.held_warning(report[0], how.config, how.output)
        raise typer.Exit(0)
    code = int(report.exit_code)
    if how.output == "json":
        common.emit_json("warn", code == 0, report.as_dict(), code)
    elif how.dry_run:
        warn_views.warn_preview(report)
    else:
        views.warn_report(report, findings_shown=bool(asked))
    raise typer.Exit(code)


def _review_gate(cfg: Any, mode: str, inp: Any, incident: str | None, how: _How) -> bool:
    """issue 15 (review): whether the warning is held for review as a draft. Where the
    city reviews warnings, --urgent --reason sends it now past review (recorded); a dry run
    is never drafted."""
    from citychan.api import review

    subject = incident or (inp.file and str(inp.file)) or inp.template or inp.event or ""
    review.urgent(cfg, asked=how.urgent, reason=how.reason, dry_run=how.dry_run,
                  what=f"warn {mode} {subject}".strip())
    return not (how.dry_run or how.urgent) and review.holds_warnings(cfg)
