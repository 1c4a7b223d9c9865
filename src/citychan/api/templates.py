"""Templates: `citychan templates` (every notice and warning template, and where each comes
from) and `citychan new TEMPLATE [FILE]` (a notice or warning file written from one)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path

from citychan.alerts import Level, level_info, parse_level
from citychan.alerts.templates import Origin, Template, load_template, template_sources
from citychan.config import Config
from citychan.errors import UsageError, did_you_mean
from citychan.fsutil import atomic_write
from citychan.i18n import N_
from citychan.notices.templates import (
    NoticeTemplate,
    blanks,
    find_notice_template,
    key,
    notice_templates,
)
from citychan.timeparse import parse_duration


class TemplateKind(StrEnum):
    NOTICE = "notice"
    WARNING = "warning"


@dataclass(frozen=True)
class TemplateInfo:
    """One line of `citychan templates`."""

    name: str
    kind: TemplateKind
    origin: Origin
    path: str
    overrides: bool
    description: str

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "kind": str(self.kind), "origin": str(self.origin),
                "path": self.path, "overrides": self.overrides,
                "description": self.description}


@dataclass(frozen=True)
class NewResult:
    """What `citychan new` wrote: the files (a warning's language siblings too), the
    template, the notice's day and the ‹parts› still to be filled in."""

    template: str
    kind: TemplateKind
    files: tuple[Path, ...]
    day: date
    blanks: tuple[str, ...]
    level: Level | None = None  # a warning's level, written into its front matter

    def as_dict(self) -> dict[str, object]:
        return {"template": self.template, "kind": str(self.kind),
                "files": [str(p) for p in self.files], "date": self.day.isoformat(),
                "blanks": list(self.blanks),
                "level": None if self.level is None else str(self.level)}


def templates(config: Config) -> list[TemplateInfo]:
    """Every template, notices first, each with where it comes from; the city's folder is
    ``[paths] templates`` (default: ``templates/`` beside the config)."""
    folder = config.templates_dir
    out = [TemplateInfo(t.name, TemplateKind.NOTICE, Origin.CITY if t.city else Origin.BUILTIN,
                        t.path, t.overrides, t.description) for t in notice_templates(folder)]
    for s in template_sources(folder):
        tpl = load_template(s.name, folder)
        lang = "de" if "de" in tpl.texts else next(iter(tpl.texts))
        out.append(TemplateInfo(s.name, TemplateKind.WARNING, s.origin, s.path, s.overrides,
                                tpl.fill(lang, {"area": "…"}).headline))
    return out


def new(config: Config, name: str, file: Path | None = None, *, day: str | None = None,
        force: bool = False, level: str | None = None) -> NewResult:
    """Write the notice (or warning file) of template ``name`` to ``file`` (default:
    ``NAME-DATE.md`` here); ``day`` is the notice's day (``30.11.2026``, ``7d``; default:
    the template's own distance ahead); ``level`` a warning's level (``hoch`` or ``high``;
    default: medium where the template allows it). An existing file only with ``force``;
    a folder that does not exist is refused, never made (a typo would hide the file)."""
    folder = config.templates_dir
    notice = find_notice_template(name, folder)
    if notice is None:
        tpl = _warning_template(name, config)
        return _new_warning(config, tpl, file, force, _level(tpl, level))
    if level is not None:
        raise UsageError(N_("--level is for warning templates; {name} is a notice "
                            "template").format(name=repr(notice.name)),
                         hint=N_("leave out --level; citychan templates lists the warning "
                                 "templates"))
    now = config.now()
    when = _day(day, now.date()) if day else _day(notice.ahead, now.date(), "template_date")
    path = file or Path(f"{notice.name}-{when:%Y-%m-%d}.md")
    text = notice.fill(when, now.date())
    _write({path: text}, force)
    return NewResult(notice.name, TemplateKind.NOTICE, (path,), when, tuple(blanks(text)))


_GERMAN_DATE = re.compile(r"\s*([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})\s*")


def _day(text: str, today: date, what: str = "--date") -> date:
    """A day as people write it: 30.11.2026, 2026-11-30, or 7d ahead of ``today``."""
    try:
        m = _GERMAN_DATE.fullmatch(text)
        if m:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        ahead = parse_duration(text)
        if ahead is not None:
            return today + timedelta(days=ahead.days)
        return date.fromisoformat(text.strip())
    except (ValueError, OverflowError):
        raise UsageError(N_("{what}: cannot read {text!r} as a day").format(
                             what=what, text=text.strip()),
                         hint=N_("e.g. 30.11.2026, 2026-11-30, or 7d (a week ahead)")) from None


def _warning_template(name: str, config: Config) -> Template:
    """The warning template ``name``, or one error naming every kind of template."""
    try:
        return load_template(name, config.templates_dir)
    except UsageError as exc:
        if not exc.message.startswith("unknown template"):
            raise  # a broken city template: its own message
    names = [t.name for t in templates(config)]
    raise UsageError(N_("unknown template {name!r}.").format(
                         name=name) + did_you_mean(key(name), names),
                     hint=N_("citychan templates lists them")) from None


def _level(tpl: Template, given: str | None) -> Level:
    """The level given (German or English names), one the template is sent at; without
    one, medium where the template allows it, else its first."""
    if given is None:
        return Level.MEDIUM if Level.MEDIUM in tpl.levels else tpl.levels[0]
    level = parse_level(given)
    if level not in tpl.levels:
        allowed = ", ".join(str(x) for x in tpl.levels)
        raise UsageError(N_("template {name} is sent only at level {allowed}, not "
                            "{level}").format(name=repr(tpl.name), allowed=allowed,
                                              level=level),
                         hint=N_("use --level {allowed}, or another template").format(
                             allowed=allowed))
    return level


def _new_warning(config: Config, tpl: Template, file: Path | None,
                 force: bool, level: Level) -> NewResult:
    """The warning as files: the first language's with level and event, a sibling
    NAME.<lang>.md for each other language the city warns in."""
    today = config.now().date()
    path = file or Path(f"{tpl.name}-{today:%Y-%m-%d}.md")
    langs = [lang for lang in config.alerts.languages if lang in tpl.texts] or list(tpl.texts)
    texts = {}
    for i, lang in enumerate(langs):
        target = path if i == 0 else path.with_name(f"{path.name.removesuffix('.md')}.{lang}.md")
        texts[target] = _warning_text(tpl, lang, level, first=i == 0)
    _write(texts, force)
    found = [b for t in texts.values() for b in blanks(t)]
    return NewResult(tpl.name, TemplateKind.WARNING, tuple(texts), today,
                     tuple(dict.fromkeys(found)), level)


_BLANKS = {"area": "‹Gebiet›", "time": "‹Uhrzeit›", "expires": "‹bis wann›", "details": ""}


def _warning_text(tpl: Template, lang: str, level: Level, *, first: bool) -> str:
    filled = tpl.fill(lang, _BLANKS)
    q = json.dumps  # a JSON string is a YAML string: a colon in a text stays text
    lines = ["---"]
    if tpl.texts[lang].needs_review:
        lines.append(f"# REVIEW: {lang} wording not yet checked by a native speaker")
    title = f"{level_info(level).label(lang)}: {filled.headline}"
    lines.append(f"title: {q(title, ensure_ascii=False)}")
    if first:
        allowed = ", ".join(str(x) for x in tpl.levels)
        lines += [f"level: {level}  # {allowed}", f"event: {tpl.event}"]
    lines += [f"area: {q(_BLANKS['area'], ensure_ascii=False)}",
              f"instruction: {q(filled.instruction, ensure_ascii=False)}", "---",
              filled.description, ""]
    return "\n".join(lines)


def _write(texts: dict[Path, str], force: bool) -> None:
    """Every file or none: an existing one is refused (all of them checked first), and so
    is a folder that does not exist."""
    for path in texts:
        _folder_exists(path.parent)
        if path.is_dir():
            raise UsageError(N_("{path}: is a directory").format(
                                 path=path), hint=N_("give a file name, e.g. notiz.md"))
        if path.exists() and not force:
            raise UsageError(N_("{path}: exists already; nothing was written").format(path=path),
                             hint=N_("use --force to overwrite it, or give another file name"))
    for path, text in texts.items():
        try:
            atomic_write(path, text)
        except OSError as exc:
            raise UsageError(N_("{path}: cannot write ({strerror})").format(
                                 path=path, strerror=exc.strerror)) from None


def _folder_exists(folder: Path) -> None:
    """A UsageError when ``folder`` is none: with the ``mkdir -p`` that makes it and the
    nearest folder that exists, so a typo in a path is seen, not hidden."""
    if folder.is_dir():
        return
    nearest = next((p for p in folder.parents if p.is_dir()), Path("."))
    if folder.exists():
        raise UsageError(N_("{folder}: is not a folder; nothing was written").format(
            folder=folder), hint=N_("give a path in a folder"))
    raise UsageError(N_("{folder}: no such folder; nothing was written").format(folder=folder),
                     hint=N_("check the path (nearest existing folder: {nearest}), or create "
                             "it: mkdir -p {folder}").format(nearest=nearest, folder=folder))


__all__ = ["NewResult", "NoticeTemplate", "TemplateInfo", "TemplateKind", "new", "templates"]
