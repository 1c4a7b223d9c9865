"""CAP 1.2 (urn:oasis:names:tc:emergency:cap:1.2) documents of warnings, and an Atom index
of them for the city website's feed.

Element order follows the XSD sequence exactly; times carry their offset
(``2026-11-28T14:05:00+01:00``), never ``Z`` and never fractions.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from citychan.alerts.levels import CapSeverity, Certainty, MsgType, Urgency, level_info
from citychan.alerts.timeutil import cap_time
from citychan.alerts.warning import Warning
from citychan.config import AlertsConfig, CityConfig
from citychan.errors import InputError
from citychan.hygiene import xml_text

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_MIME = "application/cap+xml"
# CAP wants RFC 3066 codes; the region says which variety is meant.
CAP_LANGUAGES = {"de": "de-DE", "hsb": "hsb-DE", "dsb": "dsb-DE", "en": "en-GB"}


def cap_language(lang: str) -> str:
    """``de`` -> ``de-DE``, ``hsb`` -> ``hsb-DE``; unknown codes pass through."""
    return CAP_LANGUAGES.get(lang, lang)


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if text is not None:
        el.text = xml_text(text)  # one control character would break every later reader
    return el


def cap_scale(w: Warning) -> tuple[CapSeverity, Urgency, Certainty]:
    """Severity, urgency, certainty; the all-clear says the danger is past."""
    if w.msg_type is MsgType.CANCEL:
        return CapSeverity.MINOR, Urgency.PAST, Certainty.OBSERVED
    if w.level is None:
        raise InputError("a warning without a level has no CAP severity",
                         hint="level: low, medium or high")
    info = level_info(w.level)
    return info.severity, info.urgency, info.certainty


def to_cap_xml(warning: Warning, alerts_cfg: AlertsConfig, city_cfg: CityConfig) -> bytes:
    """The CAP 1.2 alert of ``warning``: one <info> per language, UTF-8 bytes.

    Sender and senderName are the ones the warning was issued with (so references stay
    true); web and contact come from ``[alerts]``.
    """
    ET.register_namespace("", CAP_NS)
    alert = ET.Element(f"{{{CAP_NS}}}alert")
    _sub(alert, "identifier", warning.identifier)
    _sub(alert, "sender", warning.sender or alerts_cfg.sender)
    _sub(alert, "sent", cap_time(warning.sent))
    _sub(alert, "status", str(warning.status))
    _sub(alert, "msgType", str(warning.msg_type))
    _sub(alert, "scope", "Public")
    if warning.prefix:
        _sub(alert, "note", warning.prefix.rstrip(": "))
    if warning.references:
        _sub(alert, "references", " ".join(r.cap() for r in warning.references))
    _sub(alert, "incidents", warning.incident)
    for lang in warning.langs:
        _info(alert, warning, lang, alerts_cfg, city_cfg)
    ET.indent(alert)
    return _bytes(alert)


def _bytes(root: ET.Element) -> bytes:
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def _info(alert: ET.Element, w: Warning, lang: str, alerts: AlertsConfig,
          city: CityConfig) -> None:
    severity, urgency, certainty = cap_scale(w)
    text = w.text(lang)
    info = _sub(alert, "info")
    _sub(info, "language", cap_language(lang))
    _sub(info, "category", str(w.category))
    _sub(info, "event", w.event_name(lang))
    _sub(info, "responseType", str(w.response))
    _sub(info, "urgency", str(urgency))
    _sub(info, "severity", str(severity))
    _sub(info, "certainty", str(certainty))
    code = _sub(info, "eventCode")
    _sub(code, "valueName", "citychan")
    _sub(code, "value", w.event)
    _sub(info, "effective", cap_time(w.effective))
    if w.expires is not None:
        _sub(info, "expires", cap_time(w.expires))
    _sub(info, "senderName", w.sender_name or alerts.sender_name or city.name(lang))
    _sub(info, "headline", text.headline)
    _sub(info, "description", text.description)
    if text.instruction:
        _sub(info, "instruction", text.instruction)
    if alerts.web:
        _sub(info, "web", alerts.web)
    if alerts.contact:
        _sub(info, "contact", alerts.contact)
    area = _sub(info, "area")
    _sub(area, "areaDesc", w.area.description(lang) or city.name(lang))
    for polygon in w.area.polygons:
        _sub(area, "polygon", polygon)
    for circle in w.area.circles:
        _sub(area, "circle", circle)
    for name, value in w.area.geocodes:
        geo = _sub(area, "geocode")
        _sub(geo, "valueName", name)
        _sub(geo, "value", value)


# --- Atom index ----------------------------------------------------------------------------

@dataclass(frozen=True)
class CapIndexEntry:
    """One CAP document in the index: what it says and where the file lies."""

    identifier: str
    headline: str
    sent: datetime
    url: str  # absolute URL of the CAP file


def cap_index_entry(warning: Warning, url: str, lang: str | None = None) -> CapIndexEntry:
    """The index entry of a warning whose CAP file is published at ``url``."""
    return CapIndexEntry(warning.identifier, warning.text(lang or warning.langs[0]).headline,
                         warning.sent, url)


def _atom(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}",
                       {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        el.text = xml_text(text)
    return el


def cap_index_atom(entries: Iterable[CapIndexEntry], *, title: str, feed_url: str,
                   updated: datetime, author: str = "citychan") -> bytes:
    """An Atom feed whose entries link to CAP documents (rel=alternate, application/cap+xml),
    newest first, as alert aggregators expect."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _atom(feed, "id", feed_url)
    _atom(feed, "title", title)
    _atom(feed, "updated", cap_time(updated))
    _atom(_atom(feed, "author"), "name", author)
    _atom(feed, "link", rel="self", href=feed_url, type="application/atom+xml")
    for e in sorted(entries, key=lambda e: e.sent, reverse=True):
        entry = _atom(feed, "entry")
        _atom(entry, "id", e.url)
        _atom(entry, "title", e.headline)
        _atom(entry, "updated", cap_time(e.sent))
        _atom(entry, "link", rel="alternate", type=CAP_MIME, href=e.url)
        _atom(entry, "summary", f"{e.identifier}: {e.headline}")
    ET.indent(feed)
    return _bytes(feed)
