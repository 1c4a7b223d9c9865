"""Notice templates: a notice for a recurring occasion (a road closed, a collection moved,
new opening hours, an event), kept as Markdown with front matter so that a template reads
like the notice it becomes.

A city keeps its own in its template folder (``[paths] templates``, ``*.md``); one there
replaces the built-in one of the same name. Two front-matter keys belong to the template and
are left out of the notice: ``template`` (what it is for, shown by ``citychan templates``)
and ``template_date`` (how far ahead the notice's day usually is, e.g. ``7d``). Date
placeholders are filled from that day: ``{date}`` (Montag, 7. Dezember 2026),
``{date_short}`` (07.12.2026), ``{today}``, ``{year}`` and ``{expires}`` (the next day,
00:00, as ``expires:`` reads it). What only a person can know stays in ‹angle quotes›.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from pathlib import Path

from citychan.errors import UsageError
from citychan.findings import Finding, error
from citychan.i18n import N_
from citychan.notices.message import Message

SUFFIX = ".md"
BLANK = re.compile(r"‹[^›\n]*›")  # a part the person fills in
_META = re.compile(r"^(template|template_date)[ \t]*:[ \t]*(.*?)[ \t]*\r?\n", re.M)
_PLACEHOLDER = re.compile(r"\{(date|date_short|today|year|expires)\}")
_FRONT_END = re.compile(r"^---[ \t]*$", re.M)
MONTHS_DE = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
             "September", "Oktober", "November", "Dezember")
WEEKDAYS_DE = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")


@dataclass(frozen=True)
class NoticeTemplate:
    """One notice template as found: its name, text and where it lives."""

    name: str
    text: str  # the file as written, template keys included
    path: str
    city: bool = False  # from the city's folder
    overrides: bool = False  # and replaces a built-in of the same name

    @property
    def description(self) -> str:
        return self._meta().get("template", "")

    @property
    def ahead(self) -> str:
        """How far ahead the notice's day usually is (``template_date``), default ``1d``."""
        return self._meta().get("template_date", "") or "1d"

    def _meta(self) -> dict[str, str]:
        head = self.text[: _front_end(self.text)]
        return {m.group(1): m.group(2).strip("\"'") for m in _META.finditer(head)}

    def fill(self, day: date, today: date) -> str:
        """The notice: template keys left out, date placeholders filled, blanks kept."""
        end = _front_end(self.text)
        head = _META.sub("", self.text[:end])
        values = {"date": long_date(day), "date_short": f"{day:%d.%m.%Y}",
                  "today": f"{today:%d.%m.%Y}", "year": str(day.year),
                  "expires": f"{day + timedelta(days=1):%d.%m.%Y} 00:00"}
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], head + self.text[end:])


def long_date(day: date) -> str:
    """``Montag, 7. Dezember 2026``: the date as a German notice writes it."""
    return f"{WEEKDAYS_DE[day.weekday()]}, {day.day}. {MONTHS_DE[day.month - 1]} {day.year}"


def blanks(text: str) -> list[str]:
    """The ‹parts› still to be filled in, each once, in order."""
    return list(dict.fromkeys(BLANK.findall(text)))


def blank_findings(message: Message) -> list[Finding]:
    """CC009: a ‹part› of a template not filled in would go out as it stands."""
    out = []
    for d in message.docs:
        texts = [d.title, d.summary or "", d.body, *(str(v) for v in d.meta.values())]
        found = list(dict.fromkeys(b for t in texts for b in BLANK.findall(t)))
        if found:
            out.append(error("CC009", f"{d.path.name}: not filled in yet: {' '.join(found)}",
                             hint="replace each ‹part› with the words themselves"))
    return out


def _front_end(text: str) -> int:
    """Where the front matter ends (its closing ``---``); 0 when there is none."""
    if not text.startswith("---"):
        return 0
    m = _FRONT_END.search(text, 3)
    return m.start() if m else 0


def key(name: str) -> str:
    """Names compare without case and with umlauts spelled out (``Öffnungszeiten`` finds
    ``oeffnungszeiten``)."""
    k = name.strip().casefold().removesuffix(SUFFIX)
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        k = k.replace(umlaut, plain)
    return k


def _folder() -> resources.abc.Traversable:
    return resources.files("citychan.notices") / "templates"


@cache
def _builtins() -> dict[str, NoticeTemplate]:
    out = {}
    for p in sorted(_folder().iterdir(), key=lambda p: p.name):
        if p.name.endswith(SUFFIX):
            name = p.name.removesuffix(SUFFIX)
            out[name] = NoticeTemplate(name, p.read_text(encoding="utf-8"),
                                       f"citychan/notices/templates/{p.name}")
    return out


def _city(folder: Path | None) -> dict[str, NoticeTemplate]:
    if folder is None or not folder.is_dir():
        return {}
    out = {}
    for p in sorted(folder.glob(f"*{SUFFIX}")):
        if not p.is_file():
            continue
        name = key(p.name)
        try:
            text = p.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise UsageError(N_("{p}: not UTF-8 text").format(
                                 p=p), hint=N_("save the file as UTF-8")) from None
        except OSError as exc:
            raise UsageError(N_("{p}: cannot read ({strerror})").format(
                                 p=p, strerror=exc.strerror)) from None
        out[name] = NoticeTemplate(name, text, str(p), city=True,
                                   overrides=name in _builtins())
    return out


def notice_templates(folder: Path | None = None) -> list[NoticeTemplate]:
    """Every notice template by name: the city's (``folder``) and the built-ins it does not
    replace."""
    found = {**_builtins(), **_city(folder)}
    return [found[n] for n in sorted(found)]


def find_notice_template(name: str, folder: Path | None = None) -> NoticeTemplate | None:
    """The notice template ``name`` (the city's first), or None."""
    k = key(name)
    return _city(folder).get(k) or _builtins().get(k)
