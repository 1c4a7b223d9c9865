"""Three ways to a :class:`Warning`: from a template, from CLI-style flags, from a notice file.

Every builder takes ``now`` as an argument (no hidden clock). Input that cannot mean anything
(unknown level or template, unreadable time) raises a UsageError; a field that is merely
missing or doubtful still yields a Warning, and the rules report it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, tzinfo
from typing import Any

from citychan.alerts.area import Area, make_area, preset_area
from citychan.alerts.catalogue import find_event, get_event
from citychan.alerts.levels import CapStatus, Level, level_info, parse_level
from citychan.alerts.templates import Template, load_template
from citychan.alerts.timeutil import (
    CITY_TZ,
    day_note,
    localize,
    parse_when,
    spoken_time,
)
from citychan.alerts.warning import (
    Warning,
    WarningText,
    check_incident_id,
    new_incident_id,
    relabel,
)
from citychan.config import AlertsConfig
from citychan.errors import UsageError
from citychan.findings import Finding, error, info, warning
from citychan.hygiene import clean_controls
from citychan.i18n import N_
from citychan.notices.message import Message
from citychan.timeparse import read_when

SHAPE_HINT = N_("polygon 'lat,lon lat,lon …' (closed ring), circle 'lat,lon radius_km', "
                "geocode 'NAME=VALUE'")


def _times(level: Level | None, effective: Any, expires: Any, now: datetime,
           alerts: AlertsConfig, tz: str | tzinfo) -> tuple[datetime, datetime | None]:
    eff = localize(now, tz)
    if effective:
        eff = parse_when(effective, base=now, tz=tz, what="effective")
    if expires is None and level is not None:
        expires = alerts.lifetimes.get(str(level))
    exp = parse_when(expires, base=eff, tz=tz) if expires is not None else None
    return eff, exp


def read_notes(now: datetime, tz: str | tzinfo, **given: Any) -> tuple[Finding, ...]:
    """CC411 (info) for every bare clock time given (``--expires 23:00``): which day it was
    read as, so "23:00" typed at 23:30 is seen to mean tomorrow before anything is sent."""
    out = []
    for what, value in given.items():
        if not isinstance(value, str) or not value.strip():
            continue
        reading = read_when(value, base=now, tz=tz, what=what)
        if reading.day is not None:
            out.append(info("CC411", N_("{what} {reading}").format(
                what=what, reading=day_note(value, reading.at, reading.day)),
                hint=N_("give a date and time (30.11.2026 06:00) to say another day")))
    return tuple(out)


def _area(area: str | Mapping[str, str] | Area, langs: tuple[str, ...],
          presets: Mapping[str, Area], **shapes: Any) -> Area:
    if isinstance(area, Area):
        return area
    named = preset_area(area, presets) if isinstance(area, str) else None
    if named is not None and not any(shapes.values()):  # --area NAME of [alerts.areas.NAME]
        return named
    try:
        return make_area(area, langs=langs, **shapes)
    except ValueError as exc:
        raise UsageError(str(exc), hint=SHAPE_HINT) from None


def _details(details: str | Mapping[str, str] | None, langs: tuple[str, ...]) -> dict[str, str]:
    if details is None:
        return {}
    # Free text given once is in the primary language; it is never machine-translated.
    given = {langs[0]: details} if isinstance(details, str) else dict(details)
    return {lang: clean_controls(text) for lang, text in given.items()}


def from_template(template: str | Template, level: Level | str,
                  area: str | Mapping[str, str] | Area, expires: Any = None, *,
                  now: datetime, alerts: AlertsConfig | None = None,
                  details: str | Mapping[str, str] | None = None, effective: Any = None,
                  incident: str | None = None, status: CapStatus | str = CapStatus.ACTUAL,
                  tz: str | tzinfo = CITY_TZ, polygon: Any = None, circle: Any = None,
                  geocode: Any = None, time: Any = None) -> Warning:
    """A warning from a built-in template (or an alias of one: ``sturm`` is ``unwetter``)
    in every configured language it has.

    ``expires`` is "2h", "+6h", "23:00", "30.11.2026 06:00", an ISO time or a datetime;
    default: the level's lifetime from ``[alerts.lifetimes]``. ``time`` fills ``{time}``
    (``bombe``: when the defusal starts; required there, never "now"). ``details`` is
    appended to the description.
    """
    alerts = alerts or AlertsConfig()
    tpl = (template if isinstance(template, Template)
           else load_template(template, alerts.templates))
    lvl = parse_level(level) if isinstance(level, str) else level
    langs = tuple(lang for lang in alerts.languages if lang in tpl.texts) or tuple(tpl.texts)
    eff, exp = _times(lvl, effective, expires, now, alerts, tz)
    at = _template_time(tpl, time, now, tz)
    where = _area(area, langs, alerts.areas, polygon=polygon, circle=circle, geocode=geocode)
    extra = _details(details, langs)
    first = langs[0] if langs else "de"
    tpl.check(lvl, {"details": extra.get(first, ""), "time": at.isoformat() if at else "",
                    "area": where.description(first)})
    texts = {}
    findings = [*read_notes(eff, tz, expires=expires),
                *read_notes(localize(now, tz), tz, time=time)]
    if isinstance(template, str) and template.strip().casefold() != tpl.name:
        findings.append(info("CC411", N_("template {given} is '{name}'").format(
            given=repr(template.strip()), name=tpl.name)))
    for lang in langs:
        values = {"area": where.description(lang),
                  "time": spoken_time(at, localize(now, tz), lang) if at else "",
                  "expires": spoken_time(exp, localize(now, tz), lang) if exp else "",
                  "details": extra.get(lang, "")}
        filled = tpl.fill(lang, values)
        texts[lang] = WarningText(
            headline=f"{level_info(lvl).label(lang)}: {filled.headline}",
            description=filled.description, instruction=filled.instruction,
            review=("template text",) if filled.needs_review else ())
        if extra and lang not in extra:
            findings.append(warning(
                "CC003", f"{lang}: the details were given only in {', '.join(extra)}",
                hint=f"pass --details-{lang} TEXT too (or --details {lang}:TEXT), or leave "
                     "them out"))
    event = get_event(tpl.event)
    return Warning(
        incident=check_incident_id(incident or new_incident_id(event.code, eff)),
        level=lvl, event=event.code, texts=texts, area=where, effective=eff, expires=exp,
        sent=localize(now, tz), sender=alerts.sender, sender_name=alerts.sender_name,
        status=CapStatus(status), template=tpl.name, findings=tuple(findings))


def _template_time(tpl: Template, time: Any, now: datetime,
                   tz: str | tzinfo) -> datetime | None:
    """The ``--time`` a template names (read like --expires, from now), or None; refused
    when the template has no time to fill, so it is never silently dropped."""
    if time is None or (isinstance(time, str) and not time.strip()):
        return None
    if not tpl.uses("time"):
        raise UsageError(N_("--time: template '{name}' names no time").format(name=tpl.name),
                         hint=N_("leave out --time; put times into --details"))
    return parse_when(time, base=now, tz=tz, what="time")


def from_flags(*, level: Level | str, area: str | Mapping[str, str] | Area, now: datetime,
               event: str | None = None, headline: str | None = None,
               description: str | None = None, instruction: str | None = None,
               expires: Any = None, template: str | None = None,
               details: str | Mapping[str, str] | None = None, lang: str = "de",
               alerts: AlertsConfig | None = None, effective: Any = None,
               incident: str | None = None, status: CapStatus | str = CapStatus.ACTUAL,
               tz: str | tzinfo = CITY_TZ, polygon: Any = None, circle: Any = None,
               geocode: Any = None, time: Any = None) -> Warning:
    """A warning from ``citychan warn`` options, texts in ``lang``.

    With ``template`` the given texts override the template's for ``lang``; the same field
    is then dropped in the other languages (their template text would no longer say the
    same), so the rules ask for a translation instead of sending contradicting texts.
    Without a template, ``event`` is required and the headline defaults to
    "<label>: <event> - <area>".
    """
    alerts = alerts or AlertsConfig()
    shapes = {"polygon": polygon, "circle": circle, "geocode": geocode}
    raw = {"headline": headline, "description": description, "instruction": instruction}
    given = {k: clean_controls(v).strip() for k, v in raw.items() if v is not None}
    if template:
        base = from_template(template, level, area, expires, now=now, alerts=alerts,
                             details=details, effective=effective, incident=incident,
                             status=status, tz=tz, time=time, **shapes)
        if event and get_event(event).code != base.event:  # CAP <event> would contradict
            raise UsageError(  # the template's texts
                N_("--event {event} does not match --template {template} (event {event2})").format(
                    event=event, template=base.template, event2=base.event),
                hint=N_("leave out --event, or choose the template of that event"))
        return replace(base, texts=_override(base.texts, lang, given))
    if not event:
        raise UsageError(N_("a warning needs --event or --template"),
                         hint=N_("e.g. --template hochwasser, or --event hochwasser"))
    if time is not None and str(time).strip():
        raise UsageError(N_("--time fills a template's time; this warning has no template"),
                         hint=N_("put the time into --description, or use --template bombe"))
    lvl = parse_level(level) if isinstance(level, str) else level
    eff, exp = _times(lvl, effective, expires, now, alerts, tz)
    base = Warning(
        incident="", level=lvl, event=get_event(event).code, texts={},
        area=_area(area, (lang,), alerts.areas, **shapes), effective=eff, expires=exp,
        sent=localize(now, tz), sender=alerts.sender, sender_name=alerts.sender_name,
        status=CapStatus(status), findings=read_notes(localize(now, tz), tz, expires=expires))
    text = _flag_text(base, lang, given, _details(details, (lang,)).get(lang))
    return replace(base, texts={lang: text}, incident=check_incident_id(
        incident or new_incident_id(base.event, eff)))


def _flag_text(w: Warning, lang: str, given: Mapping[str, str], extra: str | None) -> WarningText:
    assert w.level is not None
    head = given.get("headline") or (
        f"{level_info(w.level).label(lang)}: {w.event_name(lang)} - {w.area.description(lang)}")
    desc = given.get("description", "")
    return WarningText(headline=head, description=f"{desc} {extra}".strip() if extra else desc,
                       instruction=given.get("instruction", ""))


def _override(texts: Mapping[str, WarningText], lang: str,
              given: Mapping[str, str]) -> dict[str, WarningText]:
    out: dict[str, WarningText] = {}
    mine: dict[str, Any] = dict(given)
    dropped: dict[str, Any] = {k: "" for k in given}
    for code, text in texts.items():
        out[code] = replace(text, **(mine if code == lang else dropped))
    if lang not in out:
        out[lang] = WarningText(**mine)
    return out


def revise(latest: Warning, *, now: datetime, level: Level | str | None = None,
           event: str | None = None, area: str | Mapping[str, str] | None = None,
           headline: str | None = None, description: str | None = None,
           instruction: str | Mapping[str, str] | None = None,
           details: str | Mapping[str, str] | None = None, expires: Any = None,
           tz: str | tzinfo = CITY_TZ, presets: Mapping[str, Area] | None = None) -> Warning:
    """The texts of a follow-up: ``latest`` (the incident's latest message) in every
    language, with only what is given changed. A new level re-labels each headline; a new
    event or area replaces the old names in every language's texts; a headline, description
    or instruction is free text in the primary language, and the other languages keep theirs,
    with a warning finding that says so (they are never machine-translated). ``area``,
    ``instruction`` and ``details`` may be given per language (``{"de": …, "hsb": …}``:
    ``--area-hsb``); a language given its own text gets no such finding.
    """
    primary = latest.langs[0] if latest.langs else "de"
    area, area_by = _split(area, primary)
    instruction, instruction_by = _split(instruction, primary)
    details, details_by = _split(details, primary)
    w, findings = latest, []
    if level is not None:
        lvl = parse_level(level) if isinstance(level, str) else level
        w = relabel(w, lvl) if w.level is not None else replace(w, level=lvl)
    if event is not None:
        w = _swap_event(w, get_event(event).code)
    area = clean_controls(area).strip() if area is not None else None
    if area or area_by:
        new_area: str | Mapping[str, str] = (
            {**w.area.desc, **({lang: area for lang in w.langs} if area else {}), **area_by}
            if area_by else area or "")
        w, more = _swap_area(w, new_area, presets or {})
        new_headline = bool(headline and headline.strip())  # for the primary language
        findings += [f for f in more if not (new_headline and f.code == "CC405"
                                             and f.message.startswith(f"{primary}:"))]
    given: dict[str, Any] = {k: clean_controls(v).strip() for k, v in (
        ("headline", headline), ("description", description), ("instruction", instruction))
        if v and clean_controls(v).strip()}
    texts = dict(w.texts)
    for lang, text in instruction_by.items():  # --instruction-hsb: that language's own
        if lang in texts:
            texts[lang] = replace(texts[lang], instruction=clean_controls(text).strip(),
                                  short=None)
    if given:
        texts[primary] = replace(texts.get(primary, WarningText()), **given)
        if "instruction" in given:  # a hand-written short text carries the old action
            texts[primary] = replace(texts[primary], short=None)
        for lang in (x for x in texts if x != primary
                     and not (set(given) <= {"instruction"} and x in instruction_by)):
            findings.append(warning(
                "CC003", f"{lang}: {', '.join(given)} still as in {latest.identifier}; only "
                         f"the {primary} text was changed",
                hint=f"to change {lang} too, send the update as a file with NAME.{lang}.md"))
    details = clean_controls(details).strip() if details else None
    for lang, text in ({primary: details} if details else {}).items() | details_by.items():
        if lang in texts and clean_controls(text).strip():
            t = texts[lang]
            texts[lang] = replace(
                t, description=f"{t.description} {clean_controls(text).strip()}".strip())
    if details:
        findings += [warning("CC003", f"{lang}: the details were given only in {primary}",
                             hint=f"the {lang} text goes out without them")
                     for lang in texts if lang != primary and lang not in details_by]
    sent = localize(now, tz)
    findings += read_notes(sent, tz, expires=expires)
    return replace(w, texts=texts, sent=sent, effective=sent,
                   expires=parse_when(expires, base=sent, tz=tz) if expires else w.expires,
                   findings=tuple(findings))


def _split(value: str | Mapping[str, str] | None,
           primary: str) -> tuple[str | None, dict[str, str]]:
    """A per-language option as (the primary language's text, the other languages')."""
    if value is None or isinstance(value, str):
        return value, {}
    return value.get(primary), {k: v for k, v in value.items() if k != primary and v}


def _swap_text(t: WarningText, old: str, new: str) -> WarningText:
    if not old or old == new:
        return t
    return replace(t, headline=t.headline.replace(old, new),
                   description=t.description.replace(old, new),
                   instruction=t.instruction.replace(old, new),
                   short=t.short.replace(old, new) if t.short else t.short)


def _swap_event(w: Warning, code: str) -> Warning:
    new = get_event(code)
    texts = {lang: _swap_text(t, w.event_name(lang), new.name(lang))
             for lang, t in w.texts.items()}
    return replace(w, event=new.code, texts=texts)


def _swap_area(w: Warning, desc: str | Mapping[str, str],
               presets: Mapping[str, Area]) -> tuple[Warning, list[Finding]]:
    """The new area in every language's texts: a preset's (`--area NAME`, with its shapes)
    or words only, which the city's geography places in CAP."""
    named = preset_area(desc, presets) if isinstance(desc, str) else None
    area = named if named is not None else make_area(desc, langs=w.langs)
    texts = {lang: _swap_text(t, w.area.description(lang), area.description(lang))
             for lang, t in w.texts.items()}
    findings = [
        warning("CC405", f"{lang}: the headline does not name the old area word for word, so "
                f"it still reads '{t.headline}'",
                hint="give --headline, or send the update as a file")
        for lang, t in w.texts.items()
        if w.area.description(lang) and w.area.description(lang) not in t.headline
    ]
    if named is None and (w.area.polygons or w.area.circles or w.area.geocodes):
        findings.append(warning(
            "CC401", "the new area has no polygon, circle or geocode of its own: the old ones "
                     "described the previous area, so CAP places it by the city's geography",
            hint="name a preset (--area NAME of [alerts.areas]), or send the update as a file "
                 "with its shapes"))
    return replace(w, area=area, texts=texts), findings


def _meta_str(meta: Mapping[str, Any], key: str) -> str:
    value = meta.get(key)
    return str(value).strip() if value is not None else ""


def _message_level(meta: Mapping[str, Any], name: str) -> tuple[Level | None, list[Finding]]:
    raw = meta.get("level")
    if raw is None:
        return None, []
    try:
        return parse_level(str(raw)), []
    except UsageError:
        return None, [error("CC408", f"{name}: unknown level {raw!r}",
                            hint="level: low, medium or high (niedrig, mittel, hoch)")]


def _message_status(meta: Mapping[str, Any], name: str) -> tuple[CapStatus, list[Finding]]:
    raw = _meta_str(meta, "status")
    for status in CapStatus:
        if raw.casefold() == status.value.casefold():
            return status, []
    if not raw:
        return CapStatus.ACTUAL, []
    return CapStatus.ACTUAL, [error("CC002", f"{name}: unknown status {raw!r}",
                                 hint="status: Actual, Exercise or Test")]


def _message_area(message: Message, name: str,
                  presets: Mapping[str, Area]) -> tuple[Area, list[Finding]]:
    meta = message.meta
    desc = {d.lang: _meta_str(d.meta, "area") or _meta_str(meta, "area") for d in message.docs}
    named = preset_area(_meta_str(meta, "area"), presets)
    if named is not None and not any(meta.get(k) for k in ("polygon", "circle", "geocode")):
        return named, []  # area: NAME of [alerts.areas.NAME]
    try:
        return make_area(desc, polygon=meta.get("polygon"), circle=meta.get("circle"),
                         geocode=meta.get("geocode")), []
    except ValueError as exc:
        return make_area(desc), [error("CC002", f"{name}: {exc}", hint=SHAPE_HINT)]


def from_message(message: Message, *, now: datetime, alerts: AlertsConfig | None = None,
                 tz: str | tzinfo = CITY_TZ, incident: str | None = None) -> Warning:
    """A warning from a notice loaded with ``load_message(path, kind="warning")``.

    Front matter: level, event, headline (default: title), description (default: the
    body), instruction, area, effective, expires, polygon, circle, geocode, status,
    incident; ``summary`` becomes the short text. Translations are the sibling files.
    """
    alerts = alerts or AlertsConfig()
    meta, name = message.meta, message.path.name
    level, findings = _message_level(meta, name)
    status, more = _message_status(meta, name)
    area, shape_findings = _message_area(message, name, alerts.areas)
    findings += more + shape_findings
    try:
        eff, exp = _times(level, meta.get("effective"), meta.get("expires"), now, alerts, tz)
    except UsageError as exc:
        findings.append(error("CC002", f"{name}: {exc.message}", hint=exc.hint))
        eff, exp = localize(now, tz), None
    texts = {
        d.lang: WarningText(
            headline=_meta_str(d.meta, "headline") or d.title,
            description=_meta_str(d.meta, "description") or d.body.strip(),
            instruction=_meta_str(d.meta, "instruction"),
            short=d.summary.strip() if d.summary else None)
        for d in message.docs
    }
    event = _meta_str(meta, "event")
    info = find_event(event) if event else None
    return Warning(
        incident=check_incident_id(incident or _meta_str(meta, "incident")
                                   or new_incident_id(event or "warnung", eff)),
        level=level, event=info.code if info else event, texts=texts, area=area,
        effective=eff, expires=exp,
        sent=localize(now, tz), sender=alerts.sender, sender_name=alerts.sender_name,
        status=status, findings=tuple(findings))
