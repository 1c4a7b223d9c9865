"""The controlled list of events a warning may name: German and Sorbian names, the CAP
category and the default CAP responseType.

Every hsb name here is a draft awaiting native-speaker review (``review``); the rules
surface that as a warning finding whenever such a name is used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from citychan.alerts.levels import Category, ResponseType
from citychan.errors import UsageError, did_you_mean
from citychan.i18n import N_


@dataclass(frozen=True)
class Event:
    """One event of the controlled list."""

    code: str  # stable id used in front matter and --event
    names: Mapping[str, str]  # language -> name
    category: Category
    response_type: ResponseType
    review: frozenset[str] = field(default_factory=lambda: frozenset({"hsb"}))

    def name(self, lang: str) -> str:
        """The name in ``lang``, falling back to German."""
        return self.names.get(lang) or self.names["de"]


def _e(code: str, de: str, hsb: str, cat: Category, resp: ResponseType) -> Event:
    return Event(code, {"de": de, "hsb": hsb}, cat, resp)


C, R = Category, ResponseType
EVENTS: dict[str, Event] = {e.code: e for e in (
    _e("unwetter", "Unwetter", "Njewjedro", C.MET, R.SHELTER),
    _e("sturm", "Sturm", "Wichor", C.MET, R.SHELTER),
    _e("gewitter", "Gewitter", "Wjedro z błyskami", C.MET, R.SHELTER),
    _e("glatteis", "Glatteis", "Šlink", C.MET, R.AVOID),
    _e("hitze", "Extreme Hitze", "Ekstremna horcota", C.MET, R.PREPARE),
    _e("hochwasser", "Hochwasser", "Wulka woda", C.MET, R.PREPARE),
    _e("grossbrand", "Großbrand mit Rauchentwicklung", "Wulki woheń z kurjom", C.FIRE, R.SHELTER),
    _e("waldbrand", "Waldbrand", "Lěsny woheń", C.FIRE, R.AVOID),
    _e("bombe", "Bombenentschärfung", "Zneškodnjenje bomby", C.SAFETY, R.EVACUATE),
    _e("kampfmittelfund", "Kampfmittelfund", "Namakana municija", C.SAFETY, R.AVOID),
    _e("evakuierung", "Evakuierung", "Ewakuacija", C.SAFETY, R.EVACUATE),
    _e("trinkwasser", "Trinkwasser-Abkochgebot", "Pitna woda: wuwarić", C.HEALTH, R.EXECUTE),
    _e("stromausfall", "Stromausfall", "Wupad elektriskeho prouda", C.INFRA, R.PREPARE),
    _e("gasaustritt", "Gasaustritt", "Wućeknjenje płuna", C.CBRNE, R.EVACUATE),
    _e("gefahrstoff", "Gefahrstoffaustritt", "Wućeknjenje strašneje maćizny", C.CBRNE,
       R.SHELTER),
    _e("verkehr", "Verkehrsgefahr", "Strach we wobchadźe", C.TRANSPORT, R.AVOID),
    _e("polizeieinsatz", "Polizeieinsatz", "Policajske zasadźenje", C.SECURITY, R.AVOID),
    # An advisory, not a danger: "Monitor" (keep informed) is CAP's word for it.
    _e("polizeihinweis", "Hinweis der Polizei", "Pokiw policije", C.SECURITY, R.MONITOR),
)}
del C, R


def find_event(text: str) -> Event | None:
    """The event by code or by any of its names (case-insensitive), or None."""
    key = text.strip().casefold()
    if key in EVENTS:
        return EVENTS[key]
    for event in EVENTS.values():
        if any(key == n.casefold() for n in event.names.values()):
            return event
    return None


def get_event(text: str) -> Event:
    """Like :func:`find_event` but raise a UsageError with a suggestion when unknown."""
    event = find_event(text)
    if event is None:
        guess = did_you_mean(text.strip().lower(), list(EVENTS))
        raise UsageError(N_("unknown event {text!r}.{guess}").format(text=text, guess=guess),
                         hint=N_("known events: {join}").format(join=', '.join(sorted(EVENTS))))
    return event
