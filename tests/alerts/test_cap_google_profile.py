"""Every CAP document citychan writes passes Google's CAP profile (each upstream rule named,
tests/support/cap_profile.py) beside the OASIS XSD, for every template, level and lifecycle
message; the validator itself catches each rule our output could break; and the German
profile: the BBK event code, the ARS list, the sender's full name, the ARS geocode."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from citychan.alerts import (
    Level,
    allclear,
    as_exercise,
    as_test,
    check_warning,
    from_template,
    to_cap_xml,
    update,
)
from citychan.alerts.bbk import BBK_EVENT_CODES, bbk_event_code
from citychan.alerts.catalogue import EVENTS
from citychan.config import AlertsConfig, CityConfig, parse_config
from citychan.errors import ConfigError
from citychan.geo import Area
from tests.support.cap_profile import RULES, google_profile
from tests.support.cap_profile import Level as Profile
from tests.support.templates import TEMPLATE_LEVELS, required

NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
NOW = datetime(2026, 11, 28, 13, 5, tzinfo=UTC)
ALERTS = AlertsConfig(sender="warnung@bautzen.de", sender_name="Stadtverwaltung Bautzen",
                      web="https://www.bautzen.de/warnungen", contact="Bürgertelefon 03591 534-0")
CITY = CityConfig()
BERLIN = ZoneInfo("Europe/Berlin")


def lifecycle(name: str, level: Level) -> dict[str, Any]:
    """The alert (area named in words only), its update and all-clear, exercise and test."""
    w = from_template(name, level, "Bautzen-Seidau", "2h", now=NOW, alerts=ALERTS,
                      **required(name))
    later = NOW + timedelta(minutes=30)
    upd = update(w, now=later, expires=(NOW + timedelta(hours=4)).astimezone(BERLIN))
    return {"alert": w, "update": upd, "cancel": allclear(w, [upd], now=later + timedelta(hours=1)),
            "exercise": as_exercise(w), "test": as_test(w)}


def pairs(el: ET.Element, tag: str) -> list[tuple[str | None, str | None]]:
    """eventCode, parameter, geocode: (valueName, value) in document order."""
    return [(p.findtext("cap:valueName", namespaces=NS), p.findtext("cap:value", namespaces=NS))
            for p in el.findall(f"cap:{tag}", NS)]


def reasons(xml: bytes, level: Profile) -> list[str]:
    return [r.type for r in google_profile(xml) if r.level is level]


@pytest.mark.parametrize(("name", "level"), TEMPLATE_LEVELS)
def test_every_template_level_and_lifecycle_message_passes_google_profile_and_xsd(
        cap_schema: Any, name: str, level: Level) -> None:
    for kind, w in lifecycle(name, level).items():
        xml = to_cap_xml(w, ALERTS, CITY)
        assert not list(cap_schema.iter_errors(xml.decode())), f"{name}/{level}/{kind}"
        assert reasons(xml, Profile.ERROR) == [], f"{name}/{level}/{kind}"
        # Google keeps status Test out of public alerts: the one recommendation we accept
        expected = ["TEST_ALERT_DISCOURAGED"] if kind == "test" else []
        assert reasons(xml, Profile.RECOMMENDATION) == expected, f"{name}/{level}/{kind}"
        assert reasons(xml, Profile.INFO) == [], f"{name}/{level}/{kind}"  # local offsets


def _doc() -> ET.Element:
    ET.register_namespace("", NS["cap"])
    return ET.fromstring(to_cap_xml(lifecycle("grossbrand", Level.HIGH)["update"], ALERTS, CITY))


def _drop(root: ET.Element, path: str) -> None:
    for parent in root.iter():
        for child in list(parent):
            if child in root.findall(path, NS):
                parent.remove(child)


def _set(root: ET.Element, path: str, text: str) -> None:
    for el in root.findall(path, NS):
        el.text = text


BREAKS = {
    "UPDATE_OR_CANCEL_MUST_REFERENCE": lambda r: _drop(r, "cap:references"),
    "WEB_IS_REQUIRED": lambda r: _drop(r, "cap:info/cap:web"),
    "CIRCLE_POLYGON_OR_GEOCODE_IS_REQUIRED": lambda r: [
        _drop(r, f"cap:info/cap:area/cap:{t}") for t in ("circle", "polygon", "geocode")],
    "AREA_IS_REQUIRED": lambda r: _drop(r, "cap:info/cap:area"),
    "EXPIRES_IS_REQUIRED": lambda r: _drop(r, "cap:info/cap:expires"),
    "DESCRIPTION_IS_REQUIRED": lambda r: _set(r, "cap:info/cap:description", " "),
    "EVENT_CODES_MUST_MATCH": lambda r: _set(r, "cap:info[2]/cap:eventCode/cap:value", "x"),
    "CATEGORIES_MUST_MATCH": lambda r: _set(r, "cap:info[2]/cap:category", "Met"),
    "EFFECTIVE_NOT_AFTER_EXPIRES": lambda r: _set(r, "cap:info/cap:effective",
                                                  "2026-11-29T14:05:00+01:00"),
    "URGENCY_IS_REQUIRED": lambda r: _drop(r, "cap:info/cap:urgency"),
    "INFO_IS_REQUIRED": lambda r: _drop(r, "cap:info"),
    "INSTRUCTION_STRONGLY_RECOMMENDED": lambda r: _drop(r, "cap:info/cap:instruction"),
    "CONTACT_IS_RECOMMENDED": lambda r: _drop(r, "cap:info/cap:contact"),
    "CIRCLE_POLYGON_ENCOURAGED": lambda r: _drop(r, "cap:info/cap:area/cap:circle"),
    "NONZERO_CIRCLE_RADIUS_RECOMMENDED": lambda r: _set(r, "cap:info/cap:area/cap:circle",
                                                        "51.18,14.42 0"),
    "HEADLINE_AND_DESCRIPTION_SHOULD_DIFFER": lambda r: _set(r, "cap:info/cap:description",
                                                             "same"),
    "SENT_INCLUDES_UTC_TIMEZONE": lambda r: _set(r, "cap:sent", "2026-11-28T13:35:00+00:00"),
    "EMPTY_GEOCODE_FIELD": lambda r: _set(r, "cap:info/cap:area/cap:geocode/cap:value", ""),
}


@pytest.mark.parametrize("rule", sorted(BREAKS))
def test_the_profile_validator_names_each_rule_a_document_breaks(rule: str) -> None:
    root = _doc()
    assert google_profile(ET.tostring(root)) == []
    BREAKS[rule](root)
    if rule == "HEADLINE_AND_DESCRIPTION_SHOULD_DIFFER":
        _set(root, "cap:info/cap:headline", "same")
    found = [r.type for r in google_profile(ET.tostring(root))]
    assert rule in found and rule in RULES


def test_an_area_named_in_words_is_placed_by_the_city_geography() -> None:
    root = ET.fromstring(to_cap_xml(lifecycle("hochwasser", Level.MEDIUM)["alert"], ALERTS, CITY))
    for info in root.findall("cap:info", NS):
        area = info.find("cap:area", NS)
        assert area.findtext("cap:areaDesc", namespaces=NS) == "Bautzen-Seidau"  # its own words
        assert area.findtext("cap:circle", namespaces=NS) == "51.1814,14.4239 7"
        assert pairs(area, "geocode") == [("SHN", "146250020020")]
        assert dict(pairs(info, "parameter")) == {"warnVerwaltungsbereiche": "146250020020",
                          "sender_langname": "Stadtverwaltung Bautzen"}


def test_a_preset_names_the_area_in_every_language_and_places_it_by_its_own_shapes() -> None:
    cfg = parse_config({"version": 1, "alerts": {**{k: v for k, v in vars(ALERTS).items()
                                                  if k in ("sender", "web", "contact")}, "areas": {
        "altstadt": {"desc": {"de": "Bautzen, Altstadt", "hsb": "Budyšin, Stare město"},
                     "polygon": "51.1845,14.4175 51.1845,14.43 51.178,14.43 51.1845,14.4175",
                     "ars": "146250020020"}}}})
    w = from_template("hochwasser", "high", "Altstadt", "2h", now=NOW, alerts=cfg.alerts)
    assert w.texts["hsb"].headline.endswith("Budyšin, Stare město")  # the preset's own words
    root = ET.fromstring(to_cap_xml(w, cfg.alerts, cfg.city))
    de, hsb = (i.find("cap:area", NS) for i in root.findall("cap:info", NS))
    assert de.findtext("cap:areaDesc", namespaces=NS) == "Bautzen, Altstadt"
    assert hsb.findtext("cap:areaDesc", namespaces=NS) == "Budyšin, Stare město"
    assert de.findtext("cap:polygon", namespaces=NS).startswith("51.1845,14.4175 ")
    assert de.find("cap:circle", NS) is None  # the preset's shapes, not the city's
    assert google_profile(to_cap_xml(w, cfg.alerts, cfg.city)) == []


def test_bbk_event_code_first_and_citychan_code_beside_it() -> None:
    root = ET.fromstring(to_cap_xml(lifecycle("grossbrand", Level.HIGH)["alert"], ALERTS, CITY))
    for info in root.findall("cap:info", NS):
        assert pairs(info, "eventCode") == [("profile:DE-BBK-EVENTCODE", "BBK-EVC-030"),
                                            ("citychan", "grossbrand")]


def test_an_event_without_a_published_bbk_code_keeps_only_citychans_code() -> None:
    root = ET.fromstring(to_cap_xml(lifecycle("bombe", Level.HIGH)["alert"], ALERTS, CITY))
    assert [c.findtext("cap:valueName", namespaces=NS)
            for c in root.findall("cap:info[1]/cap:eventCode", NS)] == ["citychan"]
    assert bbk_event_code("polizeihinweis") is None  # an event added later: no guess
    assert set(BBK_EVENT_CODES) <= set(EVENTS)  # every mapped code is a catalogue event
    assert all(c.startswith("BBK-EVC-") and len(c) == 11 for c in BBK_EVENT_CODES.values())


def test_an_area_no_machine_can_place_is_refused_with_a_hint() -> None:
    unplaced = AlertsConfig(**{**vars(ALERTS), "city_area": Area()})
    w = from_template("hochwasser", "medium", "Seidau", "2h", now=NOW, alerts=unplaced)
    (found,) = [f for f in check_warning(w, unplaced, now=NOW) if f.code == "CC420"]
    assert str(found.severity) == "error" and "'Seidau'" in found.message
    assert "[city]" in found.hint and "[alerts.areas]" in found.hint
    shaped = from_template("hochwasser", "medium", "Seidau", "2h", now=NOW, alerts=unplaced,
                           circle="51.18,14.42 1")
    assert not [f for f in check_warning(shaped, unplaced, now=NOW) if f.code == "CC420"]


def test_no_web_is_an_error_and_a_real_warning_without_sender_is_refused() -> None:
    w = lifecycle("unwetter", Level.LOW)["alert"]
    no_web = [f for f in check_warning(w, AlertsConfig(**{**vars(ALERTS), "web": None}), now=NOW)
              if f.code == "CC401" and "no web" in f.message]
    assert [str(f.severity) for f in no_web] == ["error"]
    nobody = AlertsConfig(**{**vars(ALERTS), "sender": ""})
    real = from_template("unwetter", "low", "Seidau", "2h", now=NOW, alerts=nobody)
    with pytest.raises(ConfigError, match=r"no CAP sender: set sender in \[alerts\]"):
        to_cap_xml(real, nobody, CITY)
    drill = ET.fromstring(to_cap_xml(as_exercise(real), nobody, CITY))
    assert drill.findtext("cap:sender", namespaces=NS) == "citychan@sender.invalid"


def test_city_geography_defaults_only_for_the_builtin_bautzen() -> None:
    assert parse_config({"version": 1}).alerts.city_area.ars == ("146250020020",)
    goerlitz = parse_config({"version": 1, "city": {"names": {"de": "Görlitz"}}})
    assert not goerlitz.alerts.city_area.located  # never Bautzen's ARS for another city
    own = parse_config({"version": 1, "city": {"names": {"de": "Görlitz"},
                                               "ars": "146260110110",
                                               "boundary_polygon": "51.2,14.9 51.2,15.0 "
                                                                   "51.1,15.0 51.2,14.9"}})
    assert own.alerts.city_area.ars == ("146260110110",)
    assert own.alerts.city_area.polygons == ("51.2,14.9 51.2,15.0 51.1,15.0 51.2,14.9",)


@pytest.mark.parametrize("table, message", [
    ({"city": {"ars": "14625"}}, r"\[city\] ARS '14625' is not 12 digits"),
    ({"city": {"boundary_circle": "51.18,14.42"}}, r"\[city\] circle"),
    ({"alerts": {"areas": {"markt": {"desc": "Hauptmarkt"}}}},
     r"\[alerts.areas.markt\] places nothing"),
    ({"alerts": {"areas": {"markt": {"circle": "51.18,14.42 1", "radius": 2}}}},
     r"\[alerts.areas.markt\] unknown key 'radius'"),
    ({"alerts": {"areas": {"a b": {"circle": "51.18,14.42 1"}}}}, r"not a simple name"),
    ({"alerts": {"areas": {"markt": {"geocode": {"SHN": ""}}}}}, r"needs both"),
])
def test_broken_geography_in_the_config_fails_loudly(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config({"version": 1, **table})


def test_cap_web_falls_back_to_the_city_website_never_to_nothing() -> None:
    bautzen = parse_config({"version": 1, "alerts": {"sender": "warnung@bautzen.de"}})
    assert bautzen.alerts.web is None  # posts carry no link ...
    w = from_template("unwetter", "low", "Seidau", "2h", now=NOW, alerts=bautzen.alerts)
    root = ET.fromstring(to_cap_xml(w, bautzen.alerts, bautzen.city))
    assert {i.findtext("cap:web", namespaces=NS) for i in root.findall("cap:info", NS)} == {
        "https://www.bautzen.de"}  # ... the CAP file links the city's website
    other = parse_config({"version": 1, "city": {"names": {"de": "Görlitz"}, "ars": "146260110110"},
                          "alerts": {"sender": "warnung@goerlitz.de"}})
    assert other.alerts.cap_web is None
    w = from_template("unwetter", "low", "Innenstadt", "2h", now=NOW, alerts=other.alerts)
    assert [f.code for f in check_warning(w, other.alerts, now=NOW)
            if str(f.severity) == "error"] == ["CC401"]
    with pytest.raises(ConfigError, match=r"\[city\] website must be an https:// URL"):
        parse_config({"version": 1, "city": {"website": "ftp://bautzen.de"}})
