"""Google's CAP profile, as a test oracle: the checks of google/cap-library's
``java/src/com/google/publicalerts/cap/profile/GoogleProfile.java`` (Apache-2.0; master,
commit 67dcf20, 2019-09-23; "Google Public Alerts CAP v1.0") that a CAP 1.2 document can meet
or break, each named after the upstream ``ReasonType`` and carrying its level (ERROR,
RECOMMENDATION, INFO). Written from the Java source, not copied; the XML schema checks that
``AbstractCapProfile`` runs first are the OASIS XSD's (tests/support/data).

    reasons = google_profile(xml_bytes)
    errors = [r for r in reasons if r.level is Level.ERROR]
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}


class Level(StrEnum):
    ERROR = "ERROR"
    RECOMMENDATION = "RECOMMENDATION"
    INFO = "INFO"


# ReasonType -> level, as GoogleProfile.ReasonType declares them
RULES: dict[str, Level] = {
    "UPDATE_OR_CANCEL_MUST_REFERENCE": Level.ERROR,
    "CATEGORIES_MUST_MATCH": Level.ERROR,
    "EVENT_CODES_MUST_MATCH": Level.ERROR,
    "INFO_IS_REQUIRED": Level.ERROR,
    "DESCRIPTION_IS_REQUIRED": Level.ERROR,
    "WEB_IS_REQUIRED": Level.ERROR,
    "EXPIRES_IS_REQUIRED": Level.ERROR,
    "EFFECTIVE_NOT_AFTER_EXPIRES": Level.ERROR,
    "URGENCY_IS_REQUIRED": Level.ERROR,
    "SEVERITY_IS_REQUIRED": Level.ERROR,
    "CERTAINTY_IS_REQUIRED": Level.ERROR,
    "AREA_IS_REQUIRED": Level.ERROR,
    "CIRCLE_POLYGON_OR_GEOCODE_IS_REQUIRED": Level.ERROR,
    "SENDER_NAME_STRONGLY_RECOMMENDED": Level.RECOMMENDATION,
    "RESPONSE_TYPE_STRONGLY_RECOMMENDED": Level.RECOMMENDATION,
    "INSTRUCTION_STRONGLY_RECOMMENDED": Level.RECOMMENDATION,
    "CIRCLE_POLYGON_ENCOURAGED": Level.RECOMMENDATION,
    "TEST_ALERT_DISCOURAGED": Level.RECOMMENDATION,
    "HEADLINE_TOO_LONG": Level.RECOMMENDATION,
    "HEADLINE_AND_DESCRIPTION_SHOULD_DIFFER": Level.RECOMMENDATION,
    "DESCRIPTION_AND_INSTRUCTION_SHOULD_DIFFER": Level.RECOMMENDATION,
    "UNKNOWN_URGENCY_DISCOURAGED": Level.RECOMMENDATION,
    "UNKNOWN_SEVERITY_DISCOURAGED": Level.RECOMMENDATION,
    "UNKNOWN_CERTAINTY_DISCOURAGED": Level.RECOMMENDATION,
    "CONTACT_IS_RECOMMENDED": Level.RECOMMENDATION,
    "NONZERO_CIRCLE_RADIUS_RECOMMENDED": Level.RECOMMENDATION,
    "EVENTS_IN_SAME_LANGUAGE_SHOULD_MATCH": Level.RECOMMENDATION,
    "EMPTY_GEOCODE_FIELD": Level.RECOMMENDATION,
    "SENT_INCLUDES_UTC_TIMEZONE": Level.INFO,
    "EFFECTIVE_INCLUDES_UTC_TIMEZONE": Level.INFO,
    "ONSET_INCLUDES_UTC_TIMEZONE": Level.INFO,
    "EXPIRES_INCLUDES_UTC_TIMEZONE": Level.INFO,
}


@dataclass(frozen=True)
class Reason:
    """One finding of the profile: the upstream ReasonType, its level and where."""

    type: str
    xpath: str

    @property
    def level(self) -> Level:
        return RULES[self.type]


def _text(el: ET.Element | None, tag: str) -> str:
    found = el.find(f"cap:{tag}", NS) if el is not None else None
    return (found.text or "") if found is not None else ""


def _has(el: ET.Element, tag: str) -> bool:
    return el.find(f"cap:{tag}", NS) is not None


def _blank(text: str) -> bool:  # CapUtil.isEmptyOrWhitespace
    return not text.strip()


def _pairs(el: ET.Element, tag: str) -> frozenset[tuple[str, str]]:
    return frozenset((_text(p, "valueName"), _text(p, "value"))
                     for p in el.findall(f"cap:{tag}", NS))


def _date(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None  # unparsable: the schema check has said so already


def _utc(text: str) -> bool:
    """CapDateUtil.getTimezoneOffset(...) == 0 for a valid date."""
    d = _date(text) if text else None
    return d is not None and d.utcoffset() is not None and d.utcoffset().total_seconds() == 0


def google_profile(xml: bytes | str) -> list[Reason]:
    """Every reason GoogleProfile.validate would give for this CAP 1.2 alert."""
    alert = ET.fromstring(xml)
    return _errors(alert) + _recommendations(alert)


def _errors(alert: ET.Element) -> list[Reason]:
    out: list[Reason] = []
    add = lambda path, kind: out.append(Reason(kind, path))  # noqa: E731
    if _text(alert, "msgType") in ("Update", "Cancel") and not _text(alert, "references").split():
        add("/alert[1]/msgType[1]", "UPDATE_OR_CANCEL_MUST_REFERENCE")
    infos = alert.findall("cap:info", NS)
    if not infos:
        add("/alert[1]", "INFO_IS_REQUIRED")
    categories: frozenset[str] | None = None
    codes: frozenset[tuple[str, str]] | None = None
    for i, info in enumerate(infos, 1):
        xp = f"/alert[1]/info[{i}]"
        cats = frozenset(c.text or "" for c in info.findall("cap:category", NS))
        if categories is None:
            categories = cats
        elif cats != categories:
            add(f"{xp}/category[1]", "CATEGORIES_MUST_MATCH")
        ecs = _pairs(info, "eventCode")
        if codes is None:
            codes = ecs
        elif ecs != codes:
            add(f"{xp}/eventCode[1]", "EVENT_CODES_MUST_MATCH")
        if _blank(_text(info, "description")):
            add(xp, "DESCRIPTION_IS_REQUIRED")
        if _has(info, "expires"):
            effective = _date(_text(info, "effective") or _text(alert, "sent"))
            expires = _date(_text(info, "expires"))
            if effective and expires and effective > expires:
                add(f"{xp}/effective[1]", "EFFECTIVE_NOT_AFTER_EXPIRES")
        if _blank(_text(info, "web")):
            add(xp, "WEB_IS_REQUIRED")
        if _blank(_text(info, "expires")):
            add(xp, "EXPIRES_IS_REQUIRED")
        areas = info.findall("cap:area", NS)
        if not areas:
            add(xp, "AREA_IS_REQUIRED")
        for tag, kind in (("urgency", "URGENCY_IS_REQUIRED"), ("severity", "SEVERITY_IS_REQUIRED"),
                          ("certainty", "CERTAINTY_IS_REQUIRED")):
            if not _has(info, tag):
                add(xp, kind)
        for j, area in enumerate(areas, 1):
            if not any(_has(area, t) for t in ("geocode", "circle", "polygon")):
                add(f"{xp}/area[{j}]", "CIRCLE_POLYGON_OR_GEOCODE_IS_REQUIRED")
    return out


def _recommendations(alert: ET.Element) -> list[Reason]:
    out: list[Reason] = []
    add = lambda path, kind: out.append(Reason(kind, path))  # noqa: E731
    if _utc(_text(alert, "sent")):
        add("/alert[1]/sent[1]", "SENT_INCLUDES_UTC_TIMEZONE")
    if _text(alert, "status") == "Test":
        add("/alert[1]/status[1]", "TEST_ALERT_DISCOURAGED")
    event_by_language: dict[str, str] = {}
    for i, info in enumerate(alert.findall("cap:info", NS), 1):
        xp = f"/alert[1]/info[{i}]"
        for tag in ("effective", "onset", "expires"):
            if _utc(_text(info, tag)):
                add(f"{xp}/{tag}[1]", f"{tag.upper()}_INCLUDES_UTC_TIMEZONE")
        if _blank(_text(info, "senderName")):
            add(xp, "SENDER_NAME_STRONGLY_RECOMMENDED")
        if not _has(info, "responseType"):
            add(xp, "RESPONSE_TYPE_STRONGLY_RECOMMENDED")
        instruction, headline = _text(info, "instruction"), _text(info, "headline")
        description = _text(info, "description")
        if _blank(instruction):
            add(xp, "INSTRUCTION_STRONGLY_RECOMMENDED")
        if _has(info, "headline") and len(headline) > 140:
            add(f"{xp}/headline[1]", "HEADLINE_TOO_LONG")
        if description == headline:
            add(f"{xp}/headline[1]", "HEADLINE_AND_DESCRIPTION_SHOULD_DIFFER")
        if not _blank(instruction) and description == instruction:
            add(f"{xp}/description[1]", "DESCRIPTION_AND_INSTRUCTION_SHOULD_DIFFER")
        for tag in ("urgency", "severity", "certainty"):
            if _text(info, tag) == "Unknown":
                add(f"{xp}/{tag}[1]", f"UNKNOWN_{tag.upper()}_DISCOURAGED")
        if _blank(_text(info, "contact")):
            add(xp, "CONTACT_IS_RECOMMENDED")
        areas = info.findall("cap:area", NS)
        placed = False
        for j, area in enumerate(areas, 1):
            circles = area.findall("cap:circle", NS)
            placed = placed or bool(circles) or _has(area, "polygon")
            for k, circle in enumerate(circles, 1):
                radius = (circle.text or "").split()[-1:] or ["0"]
                if float(radius[0]) == 0:
                    add(f"{xp}/area[{j}]/circle[{k}]", "NONZERO_CIRCLE_RADIUS_RECOMMENDED")
        if areas and not placed:
            add(f"{xp}/area[1]", "CIRCLE_POLYGON_ENCOURAGED")
        lang, event = _text(info, "language"), _text(info, "event")
        if lang in event_by_language and event_by_language[lang] != event:
            add(f"{xp}/event[1]", "EVENTS_IN_SAME_LANGUAGE_SHOULD_MATCH")
        event_by_language.setdefault(lang, event)
        for j, area in enumerate(areas, 1):
            for k, geocode in enumerate(area.findall("cap:geocode", NS), 1):
                if not _text(geocode, "valueName") or not _text(geocode, "value"):
                    add(f"{xp}/area[{j}]/geocode[{k}]", "EMPTY_GEOCODE_FIELD")
    return out
