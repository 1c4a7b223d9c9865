"""What Typer and its vendored Click print themselves, in the interface's language.

Typer's own words (the panel titles "Options", "Commands", "[default: …]", "No such
command") go through ``gettext.gettext``, bound at import into ``typer.core`` and
``typer.rich_utils``: they get ours. Click's words are plain English literals in the
vendored copy: "Usage:" and "Show this message and exit." are set where Click lets them be
set, and its usage errors ("No such option: --x", "Missing argument 'FILES...'.") are said
again from their pattern. The help texts of citychan's commands and options are English
in the code (``N_``) and translated here, on the commands built for this run, just before
they are shown."""

from __future__ import annotations

import re
from typing import Any

from citychan.i18n import N_, gettext, language

_ = gettext

# Click's usage errors: (pattern, template with the pattern's group names). Templates are
# marked with N_ so that extraction finds them; the English pattern is what Click says.
_CLICK_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"No such option: (?P<name>\S+) \(Possible options: (?P<options>.*)\)"),
     N_("No such option: {name} (possible options: {options})")),
    (re.compile(r"No such option: (?P<name>\S+)"), N_("No such option: {name}")),
    (re.compile(r"No such command (?P<name>'.*')\. Did you mean (?P<options>.*)\?"),
     N_("No such command {name}. Did you mean {options}?")),
    (re.compile(r"No such command (?P<name>'.*')\."), N_("No such command {name}.")),
    (re.compile(r"Missing argument (?P<name>.*)\."), N_("Missing argument {name}.")),
    (re.compile(r"Missing option (?P<name>.*)\."), N_("Missing option {name}.")),
    (re.compile(r"Missing parameter (?P<name>.*)\."), N_("Missing parameter {name}.")),
    (re.compile(r"Missing command\."), N_("Missing command.")),
    (re.compile(r"Got unexpected extra arguments? \((?P<args>.*)\)"),
     N_("Got unexpected extra argument(s) ({args})")),
    (re.compile(r"Option (?P<name>'.*') requires an argument\."),
     N_("Option {name} requires an argument.")),
    (re.compile(r"Option (?P<name>'.*') requires (?P<n>\d+) arguments\."),
     N_("Option {name} requires {n} arguments.")),
    (re.compile(r"Option (?P<name>'.*') does not take a value\."),
     N_("Option {name} does not take a value.")),
    (re.compile(r"Invalid value for (?P<name>.*?): (?P<message>.*)"),
     N_("Invalid value for {name}: {message}")),
    (re.compile(r"(?P<value>'.*') is not a valid (?P<type>\w+)\."),
     N_("{value} is not a valid {type}.")),
)


def usage_message(text: str) -> str:
    """A usage error of Click's (or a part of one) in the interface's language."""
    if language() == "en":
        return text
    for pattern, template in _CLICK_ERRORS:
        found = pattern.fullmatch(text)
        if found:
            values = {k: usage_message(v) if k == "message" else v
                      for k, v in found.groupdict().items()}
            return _(template).format(**values)
    return text


def localize_commands(command: Any) -> None:
    """Translate the help of ``command`` (built for this run), its parameters and, for a
    group, every command under it; and Typer's own words (back to English after a German
    run in the same process, as in the tests)."""
    global _patched
    if language() == "en":
        if _patched:
            _typer_words()
        return
    _typer_words()
    _patched = True
    _localize(command, set())


_patched = False


def _localize(command: Any, seen: set[int]) -> None:
    if id(command) in seen:
        return
    seen.add(id(command))
    for attribute in ("help", "short_help", "epilog"):
        text = getattr(command, attribute, None)
        if text:
            setattr(command, attribute, _(text))
    for param in getattr(command, "params", ()):
        if getattr(param, "help", None):
            param.help = _(param.help)
    for sub in getattr(command, "commands", {}).values():
        _localize(sub, seen)


_RICH_WORDS = {
    "DEPRECATED_STRING": N_("(deprecated) "),
    "DEFAULT_STRING": N_("[default: {}]"),
    "ENVVAR_STRING": N_("[env var: {}]"),
    "REQUIRED_LONG_STRING": N_("[required]"),
    "ARGUMENTS_PANEL_TITLE": N_("Arguments"),
    "OPTIONS_PANEL_TITLE": N_("Options"),
    "COMMANDS_PANEL_TITLE": N_("Commands"),
    "ERRORS_PANEL_TITLE": N_("Error"),
    "ABORTED_TEXT": N_("Aborted."),
    "RICH_HELP": N_("Try [blue]'{command_path} {help_option}'[/] for help."),
}
_USAGE = N_("Usage: ")
# Typer's own gettext msgids (typer/core.py), so that the catalog carries them
TYPER_WORDS = (N_("No such command {name!r}."), N_("Missing command."), N_("Aborted!"),
               N_("default: {default}"), N_("required"), N_("env var: {var}"),
               N_("(dynamic)"))
_HELP = N_("Show this message and exit.")


def _typer_words() -> None:
    """Typer's and Click's own words in the language (called only when it is not English,
    and only when a help page may be shown: rich_utils imports rich)."""
    import typer.core
    import typer.rich_utils
    from typer._click import core as click_core
    from typer._click import formatting

    typer.core._ = gettext
    typer.rich_utils._ = gettext
    for name, text in _RICH_WORDS.items():
        setattr(typer.rich_utils, name, _(text))
    # rich_utils colours the usage line by its English prefix: the German one, too
    highlights = typer.rich_utils.OptionHighlighter.highlights
    usage = rf"(?P<usage>{re.escape(_(_USAGE))})"
    if usage not in highlights:
        highlights.append(usage)
    write_usage = formatting.HelpFormatter.write_usage
    if not getattr(write_usage, "citychan", False):
        def localized_usage(self: Any, prog: str, args: str = "", prefix: str | None = None
                            ) -> None:
            write_usage(self, prog, args, _(_USAGE) if prefix is None else prefix)

        localized_usage.citychan = True  # type: ignore[attr-defined]
        formatting.HelpFormatter.write_usage = localized_usage  # type: ignore[method-assign]
    get_help_option = click_core.Command.get_help_option
    if not getattr(get_help_option, "citychan", False):
        def localized_help_option(self: Any, ctx: Any) -> Any:
            option = get_help_option(self, ctx)
            if option is not None:
                option.help = _(_HELP)
            return option

        localized_help_option.citychan = True  # type: ignore[attr-defined]
        click_core.Command.get_help_option = localized_help_option  # type: ignore[method-assign]
