"""CAP 1.2 output: valid against the official XSD for every template, level, language and
lifecycle variant; text, times and references as the standard wants; the Atom index."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from citychan.alerts import (
    Level,
    allclear,
    as_exercise,
    as_test,
    cap_index_atom,
    cap_index_entry,
    from_message,
    from_template,
    to_cap_xml,
    update,
)
from citychan.config import AlertsConfig, CityConfig
from citychan.notices.message import load_message
from tests.support.files import CAP_XSD
from tests.support.templates import TEMPLATE_LEVELS, required

NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
NOW = datetime(2026, 11, 28, 13, 5, tzinfo=UTC)  # 14:05 in Bautzen
ALERTS = AlertsConfig(sender="warnung@bautzen.de", sender_name="Stadtverwaltung Bautzen",
                      web="https://www.bautzen.de/warnungen", contact="Bürgertelefon 03591 534-0")
CITY = CityConfig()
AREA = "Bautzen-Seidau, Spreeufer bis Ortenburg"


@pytest.fixture(scope="module")
def schema():  # type: ignore[no-untyped-def]
    import xmlschema

    # never skip: a missing schema must fail the run, not pass it silently
    assert CAP_XSD.is_file(), f"CAP schema not found at {CAP_XSD}"
    return xmlschema.XMLSchema(str(CAP_XSD))


def cap(w) -> ET.Element:  # type: ignore[no-untyped-def]
    return ET.fromstring(to_cap_xml(w, ALERTS, CITY))


def variants(name: str, level: Level):  # type: ignore[no-untyped-def]
    w = from_template(name, level, AREA, "2h", now=NOW, alerts=ALERTS,
                      **required(name, details={"de": "Pegel: 4,20 m.", "hsb": "Pegel: 4,20 m."}),
                      polygon="51.18,14.42 51.19,14.43 51.17,14.44 51.18,14.42",
                      circle="51.18,14.42 1.5", geocode={"ARS": "146250020020"})
    later = NOW + timedelta(minutes=30)
    upd = update(w, now=later, expires=NOW + timedelta(hours=4))
    return {
        "alert": w,
        "update": upd,
        "allclear": allclear(w, [upd], now=later + timedelta(hours=1)),
        "exercise": as_exercise(w),
        "test": as_test(w),
    }


@pytest.mark.parametrize(("name", "level"), TEMPLATE_LEVELS)
def test_every_template_level_and_variant_is_valid_cap(schema, name: str, level: Level) -> None:  # type: ignore[no-untyped-def]
    for kind, w in variants(name, level).items():
        xml = to_cap_xml(w, ALERTS, CITY)
        errors = list(schema.iter_errors(xml.decode("utf-8")))
        assert not errors, f"{name}/{level}/{kind}: {errors[0]}"
        root = ET.fromstring(xml)
        langs = [e.text for e in root.findall("cap:info/cap:language", NS)]
        assert langs == ["de-DE", "hsb-DE"], kind


def test_a_warning_from_a_notice_file_is_valid_cap(schema, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "w.md").write_text(
        "---\ntitle: 'Gefahr: Gasaustritt - Kornmarkt'\nlevel: medium\nevent: gasaustritt\n"
        "area: Kornmarkt\ninstruction: Verlassen Sie den Kornmarkt.\nexpires: 2h\n---\n"
        "Aus einer Leitung tritt Gas aus.\n", encoding="utf-8")
    w = from_message(load_message(tmp_path / "w.md", kind="warning"), now=NOW, alerts=ALERTS)
    assert not list(schema.iter_errors(to_cap_xml(w, ALERTS, CITY).decode()))


def test_german_and_sorbian_characters_survive_the_cap_file() -> None:
    w = from_template("grossbrand", "high", "Łužica, Hauptmarkt „Süd“", "2h", now=NOW,
                      alerts=ALERTS, details={"de": "Rauch über Straße & Brücke <Nord>.",
                                              "hsb": "Kur nad Budyšinom: ě ł ć ř ž š č ń ó."})
    root = ET.fromstring(to_cap_xml(w, ALERTS, CITY))
    for info, lang in zip(root.findall("cap:info", NS), w.langs, strict=True):
        text = w.text(lang)
        assert info.findtext("cap:headline", namespaces=NS) == text.headline
        assert info.findtext("cap:description", namespaces=NS) == text.description
        assert info.findtext("cap:instruction", namespaces=NS) == text.instruction
        assert info.findtext("cap:area/cap:areaDesc", namespaces=NS) == "Łužica, Hauptmarkt „Süd“"
    hsb = root.findall("cap:info", NS)[1]
    assert "ě ł ć ř ž š č ń ó" in hsb.findtext("cap:description", namespaces=NS)
    assert "Straße & Brücke <Nord>" in root.findtext("cap:info/cap:description", namespaces=NS)
    assert to_cap_xml(w, ALERTS, CITY).startswith(b"<?xml version='1.0' encoding='utf-8'?>")


def test_times_have_offsets_no_z_and_no_fractions() -> None:
    summer = datetime(2026, 7, 1, 10, 0, 0, 123456, tzinfo=UTC)
    root = cap(from_template("unwetter", "low", AREA, "90m", now=summer, alerts=ALERTS))
    assert root.findtext("cap:sent", namespaces=NS) == "2026-07-01T12:00:00+02:00"
    info = root.find("cap:info", NS)
    assert info.findtext("cap:effective", namespaces=NS) == "2026-07-01T12:00:00+02:00"
    assert info.findtext("cap:expires", namespaces=NS) == "2026-07-01T13:30:00+02:00"
    winter = cap(from_template("unwetter", "low", AREA, "2026-11-28T18:00", now=NOW,
                               alerts=ALERTS))
    assert winter.findtext("cap:sent", namespaces=NS) == "2026-11-28T14:05:00+01:00"
    assert winter.findtext("cap:info/cap:expires", namespaces=NS) == "2026-11-28T18:00:00+01:00"


def test_header_and_scale_follow_the_level() -> None:
    root = cap(from_template("bombe", "high", AREA, "3h", now=NOW, alerts=ALERTS, time="16:00"))
    assert root.findtext("cap:sender", namespaces=NS) == "warnung@bautzen.de"
    assert root.findtext("cap:status", namespaces=NS) == "Actual"
    assert root.findtext("cap:msgType", namespaces=NS) == "Alert"
    assert root.findtext("cap:scope", namespaces=NS) == "Public"
    assert root.find("cap:references", NS) is None
    info = root.find("cap:info", NS)
    got = [info.findtext(f"cap:{k}", namespaces=NS) for k in
           ("category", "event", "responseType", "urgency", "severity", "certainty",
            "senderName", "web", "contact")]
    assert got == ["Safety", "Bombenentschärfung", "Evacuate", "Immediate", "Extreme",
                   "Observed", "Stadtverwaltung Bautzen", "https://www.bautzen.de/warnungen",
                   "Bürgertelefon 03591 534-0"]
    low = cap(from_template("bombe", "low", AREA, "3h", now=NOW, alerts=ALERTS, time="16:00"))
    assert [low.findtext(f"cap:info/cap:{k}", namespaces=NS)
            for k in ("urgency", "severity", "certainty")] == ["Expected", "Minor", "Likely"]


def test_area_shapes_are_written_in_order() -> None:
    w = variants("stromausfall", Level.MEDIUM)["alert"]
    area = cap(w).find("cap:info/cap:area", NS)
    assert [c.tag.split("}")[1] for c in area] == ["areaDesc", "polygon", "circle", "geocode"]
    assert area.findtext("cap:polygon", namespaces=NS) == (
        "51.18,14.42 51.19,14.43 51.17,14.44 51.18,14.42")
    assert area.findtext("cap:circle", namespaces=NS) == "51.18,14.42 1.5"
    assert area.findtext("cap:geocode/cap:value", namespaces=NS) == "146250020020"


def test_update_and_allclear_reference_every_still_valid_message() -> None:
    v = variants("hochwasser", Level.MEDIUM)
    first, upd, clear = v["alert"], v["update"], v["allclear"]
    root = cap(upd)
    assert root.findtext("cap:msgType", namespaces=NS) == "Update"
    assert root.findtext("cap:references", namespaces=NS) == (
        f"warnung@bautzen.de,{first.identifier},2026-11-28T14:05:00+01:00")
    root = cap(clear)
    assert root.findtext("cap:msgType", namespaces=NS) == "Cancel"
    assert root.findtext("cap:references", namespaces=NS) == (
        f"warnung@bautzen.de,{first.identifier},2026-11-28T14:05:00+01:00 "
        f"warnung@bautzen.de,{upd.identifier},2026-11-28T14:35:00+01:00")
    assert root.findtext("cap:incidents", namespaces=NS) == first.incident
    infos = root.findall("cap:info", NS)
    assert {i.findtext("cap:responseType", namespaces=NS) for i in infos} == {"AllClear"}
    assert infos[0].findtext("cap:headline", namespaces=NS).startswith("Entwarnung: Hochwasser")
    assert infos[0].findtext("cap:urgency", namespaces=NS) == "Past"
    assert len({first.identifier, upd.identifier, clear.identifier}) == 3


def test_exercise_and_test_are_marked_in_status_and_text() -> None:
    v = variants("trinkwasser", Level.LOW)
    for kind, word in (("exercise", "ÜBUNG"), ("test", "TEST")):
        root = cap(v[kind])
        assert root.findtext("cap:status", namespaces=NS) == kind.capitalize()
        assert root.findtext("cap:note", namespaces=NS) == word
        for info in root.findall("cap:info", NS):
            for field in ("headline", "description", "instruction"):
                assert info.findtext(f"cap:{field}", namespaces=NS).startswith(f"{word}: ")


def test_cap_atom_index_parses_without_bozo() -> None:
    import feedparser

    v = variants("gefahrstoff", Level.HIGH)
    entries = [cap_index_entry(w, f"https://www.bautzen.de/cap/{w.identifier}.xml")
               for w in (v["alert"], v["update"], v["allclear"])]
    xml = cap_index_atom(entries, title="Warnungen der Stadt Bautzen / Budyšin",
                         feed_url="https://www.bautzen.de/cap/index.atom",
                         updated=v["allclear"].sent)
    feed = feedparser.parse(xml)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "Warnungen der Stadt Bautzen / Budyšin"
    assert [e.title for e in feed.entries] == [
        v["allclear"].text("de").headline, v["update"].text("de").headline,
        v["alert"].text("de").headline]
    link = feed.entries[-1].links[0]
    assert (link.rel, link.type) == ("alternate", "application/cap+xml")
    assert link.href == f"https://www.bautzen.de/cap/{v['alert'].identifier}.xml"
    assert ET.fromstring(xml).findtext("{http://www.w3.org/2005/Atom}updated") == (
        "2026-11-28T15:35:00+01:00")
