"""Warning templates: ready texts per event and language, kept as TOML files in
``citychan/alerts/templates/`` so a press office can read and extend them. A city keeps its
own in its template folder (``[paths] templates``): one there replaces the built-in one of
the same name, in the same format.

A template may name ``aliases`` (``sturm`` finds ``unwetter``), the placeholders it
``requires`` (``bombe`` needs the time the defusal starts: never guessed), the ``levels`` it
may be sent at (the police advisory only at ``low``) and, per language, the texts of its
all-clear. A language section flagged ``needs_review = true`` was drafted without a native
speaker; that flag travels into the Warning and reaches the user as a warning finding.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from citychan.errors import UsageError, did_you_mean
from citychan.i18n import N_
from citychan.kinds import Level

PLACEHOLDERS = ("area", "time", "expires", "details")
# How a required placeholder is given on the command line (named in the error).
OPTION_OF = {"time": "--time", "details": "--details", "area": "--area",
             "expires": "--expires"}


@dataclass(frozen=True)
class TemplateText:
    """One language of a template."""

    headline: str  # without the level label
    description: str
    instruction: str
    needs_review: bool = False
    allclear_description: str = ""  # what is over
    allclear_instruction: str = ""  # what people may do again


@dataclass(frozen=True)
class Template:
    """A template: its event and texts per language, with placeholders."""

    name: str
    event: str  # code in the catalogue
    texts: Mapping[str, TemplateText]  # language -> texts
    aliases: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()  # placeholders that must be given, never defaulted
    levels: tuple[Level, ...] = tuple(Level)  # the levels it may be sent at

    def fill(self, lang: str, values: Mapping[str, str]) -> TemplateText:
        """The texts of ``lang`` with placeholders replaced; empty {details} leave no gap."""
        t = self.texts[lang]
        return TemplateText(
            headline=_fill(t.headline, values),
            description=_fill(t.description, values),
            instruction=_fill(t.instruction, values),
            needs_review=t.needs_review,
        )

    def uses(self, placeholder: str) -> bool:
        """True when any text of any language has ``{placeholder}``."""
        mark = "{" + placeholder + "}"
        return any(mark in x for t in self.texts.values()
                   for x in (t.headline, t.description, t.instruction))

    def check(self, level: Level, values: Mapping[str, str]) -> None:
        """A UsageError when the level is not one the template is for, or a required value
        is missing: one line that names the option to give."""
        if level not in self.levels:
            allowed = ", ".join(str(x) for x in self.levels)
            raise UsageError(N_("template '{name}' is sent only at level {allowed}, not "
                                "{level}").format(name=self.name, allowed=allowed, level=level),
                             hint=N_("use --level {allowed}, or another template").format(
                                      allowed=allowed))
        missing = [k for k in self.requires if not values.get(k, "").strip()]
        if missing:
            options = " and ".join(OPTION_OF.get(k, k) for k in missing)
            raise UsageError(N_("template '{name}' needs {options}: citychan does not "
                                "guess it").format(name=self.name, options=options),
                             hint=_REQUIRED_HINT.get(missing[0], ""))


_REQUIRED_HINT = {
    "time": N_("the time the defusal starts, e.g. --time 14:00 or --time \"30.11.2026 09:00\""),
    "details": N_("what the police report, e.g. --details \"Falsche Spendensammler gehen von "
                  "Tür zu Tür.\""),
}


def _fill(text: str, values: Mapping[str, str]) -> str:
    filled = text.format_map({k: values.get(k, "") for k in PLACEHOLDERS})
    return " ".join(filled.split())


def _folder() -> resources.abc.Traversable:
    return resources.files("citychan.alerts") / "templates"


class Origin(StrEnum):
    """Where a template comes from."""

    CITY = "city"  # the city's template folder ([paths] templates)
    BUILTIN = "built-in"  # shipped with citychan


@dataclass(frozen=True)
class Source:
    """A template file: its name, where it lives, and whether it replaces a built-in one."""

    name: str
    origin: Origin
    path: str
    overrides: bool = False


@cache
def _builtin_names() -> tuple[str, ...]:
    return tuple(sorted(p.name.removesuffix(".toml") for p in _folder().iterdir()
                        if p.name.endswith(".toml")))


def _city_files(folder: Path | None) -> dict[str, Path]:
    """The city's warning templates (``*.toml`` in its folder) by name; a folder that does
    not exist has none."""
    if folder is None or not folder.is_dir():
        return {}
    return {_key(p.name.removesuffix(".toml")): p for p in sorted(folder.glob("*.toml"))
            if p.is_file()}


def template_sources(folder: Path | None = None) -> list[Source]:
    """Every warning template by name: the city's (``folder``) first, then the built-ins it
    does not replace."""
    city = _city_files(folder)
    builtin = _builtin_names()
    out = [Source(n, Origin.CITY, str(p), overrides=n in builtin) for n, p in city.items()]
    out += [Source(n, Origin.BUILTIN, f"citychan/alerts/templates/{n}.toml")
            for n in builtin if n not in city]
    return sorted(out, key=lambda s: s.name)


def template_names(folder: Path | None = None) -> tuple[str, ...]:
    """Names of the templates, sorted: the built-ins and the city's (``folder``)."""
    if folder is None:
        return _builtin_names()
    return tuple(sorted({*_builtin_names(), *_city_files(folder)}))


def _key(name: str) -> str:
    """Names compare without case and with umlauts spelled out (``Bombenentschärfung``
    finds ``bombenentschaerfung``)."""
    key = name.strip().casefold()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        key = key.replace(umlaut, plain)
    return key


def template_aliases(folder: Path | None = None) -> dict[str, str]:
    """Every other name a template answers to -> the template's name; a city template's
    aliases win over a built-in's."""
    out: dict[str, str] = {}
    city = _city_files(folder)
    for name in template_names(folder):
        if name not in city:
            for alias in _read(name).aliases:
                out[_key(alias)] = name
    for name in city:
        for alias in _read_city(city[name]).aliases:
            out[_key(alias)] = name
    return out


def resolve_template(name: str, folder: Path | None = None) -> str:
    """The template's name for ``name`` (a name or an alias), or a UsageError with a
    suggestion when there is none."""
    key = _key(name)
    names, aliases = template_names(folder), template_aliases(folder)
    if key in names:
        return key
    if key in aliases:
        return aliases[key]
    close = did_you_mean(key, (*names, *aliases))
    if close:  # an alias is suggested by the template it stands for
        word = close.split("'")[1]
        close = f" Did you mean '{aliases.get(word, word)}'?"
    raise UsageError(N_("unknown template {name!r}.{close}").format(name=name, close=close),
                     hint=N_("templates: {join}").format(join=', '.join(names)))


def load_template(name: str, folder: Path | None = None) -> Template:
    """The template ``name`` (or an alias of it): the city's from ``folder`` when it has
    one of that name, else the built-in; a UsageError with a suggestion when unknown."""
    key = resolve_template(name, folder)
    city = _city_files(folder).get(key)
    return _read_city(city) if city is not None else _read(key)


@cache
def _read(key: str) -> Template:
    return _parse(key, (_folder() / f"{key}.toml").read_text(encoding="utf-8"))


def _read_city(path: Path) -> Template:
    """A city's template, read each time (it may be edited between two commands); a broken
    one fails with its file named rather than falling back to the built-in silently."""
    key = _key(path.name.removesuffix(".toml"))
    try:
        return _parse(key, path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise UsageError(N_("{path}: not UTF-8 text").format(
                             path=path), hint=N_("save the file as UTF-8")) from None
    except OSError as exc:
        raise UsageError(N_("{path}: cannot read ({strerror})").format(
                             path=path, strerror=exc.strerror)) from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(N_("{path}: invalid TOML: {exc}").format(path=path, exc=exc)) from None
    except KeyError as exc:
        raise UsageError(N_("{path}: missing key {exc}").format(path=path, exc=exc),
                         hint=N_('a warning template needs event = "…" and, per '
                                 "language, headline, description and instruction (see "
                                 "the built-in ones: citychan templates)")) from None
    except (TypeError, ValueError) as exc:
        raise UsageError(N_("{path}: {exc}").format(path=path, exc=exc)) from None


def _parse(key: str, text: str) -> Template:
    data = tomllib.loads(text)
    texts = {lang: _text(section) for lang, section in data.items() if isinstance(section, dict)}
    if not texts:
        raise KeyError("[de]")
    levels = tuple(Level(x) for x in data.get("levels", [x.value for x in Level]))
    return Template(name=key, event=data["event"], texts=texts,
                    aliases=tuple(data.get("aliases", ())),
                    requires=tuple(data.get("requires", ())), levels=levels)


def _text(section: Mapping[str, Any]) -> TemplateText:
    return TemplateText(
        headline=section["headline"],
        description=section["description"],
        instruction=section["instruction"],
        needs_review=bool(section.get("needs_review", False)),
        allclear_description=section.get("allclear_description", ""),
        allclear_instruction=section.get("allclear_instruction", ""),
    )


def allclear_texts(event: str, lang: str,
                   folder: Path | None = None) -> tuple[str, str] | None:
    """(what is over, what people may do again) for the all-clear of ``event`` in ``lang``,
    from the template of that event (the city's first); None when no template has them."""
    for name in template_names(folder):
        tpl = load_template(name, folder)
        text = tpl.texts.get(lang)
        if tpl.event == event and text and text.allclear_description:
            return text.allclear_description, text.allclear_instruction
    return None
