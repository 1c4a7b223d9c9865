"""Rules for danger warnings: pure functions from a Warning (plus the [alerts] config and
the current time) to findings. Errors block sending; warnings do not.

Codes: CC401 field missing, CC402 headline, CC403 instruction, CC404 expired, CC405 text
order, CC406 short text, CC407 cell broadcast, CC408 level, CC410 placeholder left in a
text, CC420 an area no machine can place; CC003 for languages.
"""

from __future__ import annotations

import re
from datetime import datetime

from citychan.alerts.area import cap_area
from citychan.alerts.catalogue import find_event
from citychan.alerts.levels import (
    ALLCLEAR_REVIEW,
    LEVELS,
    CapStatus,
    MsgType,
    all_labels,
    allclear_label,
    level_info,
)
from citychan.alerts.notice import LABEL_REVIEW
from citychan.alerts.shorttext import (
    CANCEL_OPTIONAL,
    ELEMENTS,
    SHORT_MAX,
    SHORT_REVIEW,
    cell_broadcast_count,
    cell_broadcast_text,
    order_problems,
    short_parts,
    short_text,
)
from citychan.alerts.warning import HEADLINE_MAX, Warning
from citychan.config import AlertsConfig
from citychan.findings import Finding, error, warning

# Until the lead assigns a code of its own for "translation needs native-speaker review".
REVIEW_CODE = "CC409"
# Sie-form imperative ("Meiden Sie", "Bitte verlassen Sie") or infinitive ("Fenster schließen.").
_SIE_FORM = re.compile(r"^(?:bitte\s+)?\w+(?:en|ern|eln)\s+sie\b", re.I)
_INFINITIVE = re.compile(r"\b\w+(?:en|ern|eln)[.!]?$", re.I)
# A finite verb makes "… zu schließen." a statement, not an instruction.
_STATEMENT = re.compile(r"\b(?:wird|werden|ist|sind|sollten|sollen|können|besteht|gebeten)\b",
                        re.I)


def check_warning(w: Warning, alerts: AlertsConfig, *, now: datetime) -> list[Finding]:
    """Every warning rule; ``now`` decides what is already expired."""
    out = list(w.findings)
    for rule in (check_level, check_fields, check_area, check_languages, check_headline,
                 check_instruction, check_text_order, check_short_text, check_cell_broadcast,
                 check_placeholders, check_review):
        out += rule(w, alerts)
    out += check_times(w, now=now)
    return out


def check_level(w: Warning, alerts: AlertsConfig) -> list[Finding]:
    """CC408: a level is required, and the headline's label must be the level's."""
    if w.level is None:
        if any(f.code == "CC408" for f in w.findings):
            return []  # the builder already named the bad value
        return [error("CC408", "a warning needs a level", hint="level: low, medium or high")]
    out = []
    for lang in w.langs:
        headline = _unprefixed(w, w.texts[lang].headline)
        said = next((lvl for label, lvl in all_labels(lang).items()
                     if headline.startswith(f"{label}:")), "none")
        if said not in ("none", None) and said != w.level:
            out.append(error(
                "CC408", f"{lang}: headline says '{level_info(said).label(lang)}' but the level "
                         f"is {w.level} ('{level_info(w.level).label(lang)}')",
                hint="change the level or the headline; never cry wolf, never play down"))
    return out


def check_fields(w: Warning, alerts: AlertsConfig) -> list[Finding]:
    """CC401: event (from the list), headline, description, area, expires, issuer."""
    out = []
    if not w.event:
        out.append(error("CC401", "a warning needs an event", hint="event: hochwasser, …"))
    elif find_event(w.event) is None:
        out.append(error("CC401", f"event {w.event!r} is not in the event list",
                         hint="use one of the catalogue events, e.g. hochwasser, grossbrand"))
    primary = w.langs[0] if w.langs else "de"
    text = w.texts.get(primary)
    for field in ("headline", "description"):
        if text is None or not getattr(text, field).strip():
            out.append(error("CC401", f"{primary}: the warning needs a {field}"))
    if not any(w.area.desc.values()):
        out.append(error("CC401", "the warning needs an area (a description people recognise)",
                         hint="area: Bautzen, Spreeufer zwischen Friedensbrücke und Talsperre"))
    if w.expires is None:
        out.append(error("CC401", "the warning needs expires", hint="e.g. 2h or an ISO time"))
    if not (w.sender_name or alerts.sender_name).strip():
        out.append(error("CC401", "no issuer: set sender_name in [alerts]"))
    if not alerts.sender:
        # a real warning without one is refused (exit 2) before anything else; an exercise
        # goes out with a placeholder sender, a follow-up with its original's
        real = w.status is CapStatus.ACTUAL and not w.sender
        make = error if real else warning
        out.append(make("CC401", "[alerts] sender is still unset: the CAP sender of a real "
                                 "warning", hint='set it to the city\'s address, e.g. sender = '
                                 '"warnung@bautzen.de"'))
    if not alerts.cap_web:  # Google's CAP profile: <web> is required in every <info>
        out.append(error("CC401", "no web for people to check: set web in [alerts]",
                         hint='the city\'s warning page, e.g. web = '
                              '"https://www.bautzen.de/warnungen" (or website in [city])'))
    if not alerts.contact:
        out.append(warning("CC401", "no contact for people to check: set contact in [alerts]"))
    return out


def check_area(w: Warning, alerts: AlertsConfig) -> list[Finding]:
    """CC420: the CAP area must be placed by a polygon, circle or geocode (Google's CAP
    profile; German consumers select warnings by ARS). An area named in words gets the
    city's geography; without one, nothing places it."""
    if not any(w.area.desc.values()) or cap_area(w.area, alerts.city_area).located:
        return []  # no area at all is CC401
    return [error("CC420", f"the area '{w.area.description(w.langs[0] if w.langs else 'de')}'"
                           " has no polygon, circle or geocode: aggregators cannot place it",
                  hint="set ars and boundary_circle (or boundary_polygon) in [city], or "
                       "name a preset from [alerts.areas] with --area NAME")]


def check_languages(w: Warning, alerts: AlertsConfig) -> list[Finding]:
    """CC003: every required language with headline, description and instruction."""
    out = []
    primary = w.langs[0] if w.langs else "de"
    for lang in alerts.languages:
        if lang == primary:
            continue  # the primary language's gaps are CC401/CC403
        t = w.texts.get(lang)
        if t is None:
            out.append(error(
                "CC003", f"missing the {lang} translation of the warning",
                hint=f"options like --headline give only the {primary} text: use --template "
                     f"NAME, or write the warning as a file NAME.md with NAME.{lang}.md beside "
                     f"it; in an emergency send it with --only-lang {primary}"))
            continue
        gaps = [f for f in ("headline", "description", "instruction") if not getattr(t, f)]
        if gaps and w.template:
            counterpart = (f"give --{gaps[0]}-{lang} TEXT too" if gaps[0] == "instruction"
                           else f"write the warning as a file NAME.md with NAME.{lang}.md")
            out.append(error(
                "CC003", f"{lang}: missing {', '.join(gaps)}",
                hint=f"--{gaps[0]} replaces only the {primary} template text: {counterpart}, "
                     f"or leave it out; in an emergency send it with --only-lang {primary}"))
        elif gaps:
            out.append(error(
                "CC003", f"{lang}: missing {', '.join(gaps)}",
                hint=f"write the {lang} {', '.join(gaps)} in NAME.{lang}.md so it says the "
                     "same as the others"))
    return out


def _unprefixed(w: Warning, text: str) -> str:
    return text.removeprefix(w.prefix) if w.prefix else text


def _expected_label(w: Warning, lang: str) -> tuple[str, bool]:
    """The label the headline must start with, and whether that label is reviewed."""
    if w.msg_type is MsgType.CANCEL:
        return allclear_label(lang), lang not in ALLCLEAR_REVIEW
    assert w.level is not None
    info = level_info(w.level)
    return info.label(lang), lang not in info.review


def check_headline(w: Warning, alerts: AlertsConfig) -> list[Finding]:
    """CC402: at most 140 characters, starting with the level label (Entwarnung for the
    all-clear). A label not yet reviewed in a language only warns."""
    out = []
    for lang in w.langs:
        shown = w.text(lang).headline
        if len(shown) > HEADLINE_MAX:
            out.append(error("CC402", f"{lang}: headline has {len(shown)} characters "
                                      f"(limit {HEADLINE_MAX})",
                             hint="keep label, hazard and place; details go to the description"))
        if w.level is None and w.msg_type is not MsgType.CANCEL or not shown:
            continue
        label, sure = _expected_label(w, lang)
        if not _unprefixed(w, shown).startswith(f"{label}:"):  # "Gefahrenlage …" is no label
            make = error if sure else warning
            out.append(make("CC402", f"{lang}: headline must start with '{label}' and a colon: "
                                     f"{shown!r}",
                            hint=f"e.g. '{label}: <hazard> - <place>'"))
    return out


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def check_instruction(w: Warning, alerts: AlertsConfig) -> list[Finding]:
    """CC403: what to do is required, differs from the description, and (German) is
    phrased as an instruction."""
    out = []
    for lang in w.langs:
        t = w.texts[lang]
        if not t.instruction.strip():
            if lang == w.langs[0]:
                out.append(error("CC403", f"{lang}: the warning needs an instruction "
                                          "(what people should do)",
                                 hint="e.g. 'Meiden Sie das Gebiet. Schließen Sie Fenster.'"))
            continue
        if _norm(t.instruction) and _norm(t.instruction) in _norm(t.description):
            out.append(error("CC403", f"{lang}: the instruction repeats the description",
                             hint="say what happened in the description, what to do here"))
        if lang == "de" and not is_imperative_de(t.instruction):
            out.append(warning("CC403", f"de: the instruction does not read as an instruction: "
                                        f"{first_words(t.instruction)!r}",
                               hint="start with the action: 'Meiden Sie …', 'Bleiben Sie …'"))
    return out


def is_imperative_de(text: str) -> bool:
    """True when the first sentence reads as a German instruction (Sie-form or infinitive)."""
    first = re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0]
    if _SIE_FORM.search(first):
        return True
    return bool(_INFINITIVE.search(first)) and not _STATEMENT.search(first)


def first_words(text: str, limit: int = 80) -> str:
    """The start of a text to quote in a finding: its first sentence, or, when that is
    longer than ``limit`` characters, its first phrase (up to a comma, colon, semicolon or
    dash) that fits, else the whole words that fit, marked with '…'; never a cut phrase."""
    words = " ".join(text.split())
    first = re.split(r"(?<=[.!?])\s", words, maxsplit=1)[0]
    if len(first) <= limit:
        return first
    head = first[:limit]
    phrase = max(head.rfind(", "), head.rfind(": "), head.rfind("; "), head.rfind(" – "),
                 head.rfind(" - "))
    cut = phrase if phrase > limit // 3 else head.rfind(" ")
    return (head[:cut] if cut > 0 else head).rstrip(",;:–- ") + " …"


def check_times(w: Warning, *, now: datetime) -> list[Finding]:
    """CC404: expires lies in the future and after effective."""
    if w.expires is None:
        return []  # CC401 says it
    out = []
    if w.expires <= now:
        out.append(error("CC404", f"the warning expired at {w.expires.isoformat()}",
                         hint="set expires in the future, e.g. --expires 2h"))
    if w.effective >= w.expires:
        out.append(error("CC404", "effective must be before expires"))
    return out


def _find(text: str, *needles: str) -> int | None:
    low = text.casefold()
    hits = [low.find(n.casefold()) for n in needles if n and n.strip()]
    hits = [h for h in hits if h >= 0]
    return min(hits) if hits else None


def check_text_order(w: Warning, alerts: AlertsConfig) -> list[Finding]:
    """CC405: source → hazard → location → action → time in the short text, and the hazard
    before the place in the headline."""
    out = []
    for lang in w.langs:
        headline = w.texts[lang].headline
        hazard = _find(headline, w.event_name(lang))
        place = _find(headline, w.area.description(lang))
        if hazard is not None and place is not None and place < hazard:
            out.append(warning("CC405", f"{lang}: the headline names the place before the "
                                        f"hazard: {headline!r}",
                               hint="'<label>: <hazard> - <place>'"))
        _, early = order_problems(short_text(w, lang), w, lang)
        if early:
            out.append(warning("CC405", f"{lang}: short text order should be "
                                        f"{' → '.join(ELEMENTS)}; too early: {', '.join(early)}"))
    return out


def check_short_text(w: Warning, alerts: AlertsConfig) -> list[Finding]:
    """CC406: the short text fits 280 characters and keeps all five elements."""
    out = []
    for lang in w.langs:
        text = short_text(w, lang)
        if len(text) > SHORT_MAX:
            out.append(error("CC406", f"{lang}: short text has {len(text)} characters "
                                      f"(limit {SHORT_MAX})", hint=_what_to_shorten(w, lang)))
        missing, _ = order_problems(text, w, lang)
        if w.msg_type is MsgType.CANCEL:
            missing = [m for m in missing if m not in CANCEL_OPTIONAL]
        if missing:
            out.append(warning("CC406", f"{lang}: short text lacks {', '.join(missing)}: "
                                        f"{text!r}",
                               hint="name source, hazard, place, action and time"))
    return out


def _what_to_shorten(w: Warning, lang: str) -> str:
    if w.texts.get(lang) and w.texts[lang].short:
        return "shorten the summary in the front matter"
    if w.msg_type is MsgType.CANCEL:
        return "the all-clear is composed by citychan: shorten [alerts] sender_name"
    parts = short_parts(w, lang)
    sizes = {"the area description": len(parts.location),
             "the first sentence of the instruction": len(parts.action),
             "[alerts] sender_name": len(parts.source)}
    longest = max(sizes, key=lambda k: sizes[k])
    return f"shorten {longest} ({sizes[longest]} chars), or write a summary"


def check_cell_broadcast(w: Warning, alerts: AlertsConfig) -> list[Finding]:
    """CC407: would the whole warning fit one cell broadcast (1,395 GSM-7 / 615 UCS-2)?"""
    out = []
    for lang in w.langs:
        count = cell_broadcast_count(cell_broadcast_text(w, lang))
        if count.fits:
            continue
        why = (f"; UCS-2 because of {''.join(count.forcing_ucs2[:8])}"
               if count.forcing_ucs2 else "")
        out.append(warning("CC407", f"{lang}: {count.units} {count.encoding} characters, cell "
                                    f"broadcast takes {count.limit}{why}",
                           hint="shorten the description"))
    return out


_PLACEHOLDER = re.compile(r"\{\s*[^\W\d]\w*\s*\}")


def check_placeholders(w: Warning, alerts: AlertsConfig) -> list[Finding]:
    """CC410: a template placeholder such as ``{area}`` left in a text would go out as
    written (only ``--template`` fills them in)."""
    out = []
    for lang in w.langs:
        t = w.texts[lang]
        fields = {"headline": t.headline, "description": t.description,
                  "instruction": t.instruction, "summary": t.short or "",
                  "area": w.area.desc.get(lang, "")}
        for name, text in fields.items():
            found = list(dict.fromkeys(_PLACEHOLDER.findall(text)))
            if found:
                out.append(error(
                    "CC410", f"{lang}: the {name} still has the placeholder "
                             f"{', '.join(found)}",
                    hint="write the words themselves: placeholders are filled in only by "
                         "--template"))
    return out


def check_review(w: Warning, alerts: AlertsConfig) -> list[Finding]:
    """Sorbian (or other) wording no native speaker has checked: one warning per language."""
    out = []
    for lang in w.langs:
        parts = list(w.texts[lang].review)
        headline = _unprefixed(w, w.texts[lang].headline)
        if w.level is not None and lang in LEVELS[w.level].review and \
                headline.startswith(f"{LEVELS[w.level].label(lang)}:"):
            parts.append(f"level label '{LEVELS[w.level].label(lang)}'")
        event = w.event_info
        if event is not None and lang in event.review:
            parts.append(f"event name '{event.name(lang)}'")
        if lang in SHORT_REVIEW | LABEL_REVIEW:
            parts.append("short-text and field-label wording")
        if parts:
            out.append(warning(REVIEW_CODE, f"{lang}: not yet checked by a native speaker: "
                                            f"{', '.join(parts)}",
                               hint="have it reviewed; edit the template or catalogue"))
    return out
