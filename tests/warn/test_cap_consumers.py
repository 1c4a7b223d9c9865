"""What a CAP consumer gets from `citychan warn`: capparselib (a third-party CAP parser from
PyPI, a real consumer) reads the single CAP files and the Atom index alerts.xml, which carries
each alert inline as well as linking it; every document passes the XSD and Google's CAP
profile; areas are placed by a preset or the city's geography; a real warning needs a sender."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from capparselib.parsers import CAPParser

from citychan.config import load_config
from tests.support.cap_profile import Level, google_profile
from tests.support.cli import assert_one_line_error, cli
from tests.support.config import ALERTS_TABLE, CAP_ISSUER, CITY_TABLE, OUTBOX, MakeConfig

CAP = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM = "http://www.w3.org/2005/Atom"
NS = {"cap": CAP, "atom": ATOM}
FEED = {"type": "feed", "public_url": "https://www.bautzen.de/aktuelles"}
ALTSTADT = {"desc": {"de": "Bautzen, Altstadt", "hsb": "Budyšin, Stare město"},
            "polygon": "51.1845,14.4175 51.1845,14.43 51.178,14.43 51.178,14.4175 "
                       "51.1845,14.4175",
            "ars": "146250020020"}


def warn(*args: str) -> dict[str, Any]:
    run = cli("warn", *args, "--yes", "--output", "json")
    assert run.code == 0, (run.stdout, run.stderr)
    result: dict[str, Any] = json.loads(run.stdout)["result"]
    return result


def cap_files(isolated: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (isolated / "citychan-out" / "cap").glob("*.cap.xml")}


def errors(xml: bytes) -> list[str]:
    return [r.type for r in google_profile(xml) if r.level is Level.ERROR]


def test_capparselib_reads_our_single_cap_files_and_the_alerts_xml_index(
        isolated: Path, make_config: MakeConfig, cap_schema: Any) -> None:
    make_config(alerts=ALERTS_TABLE, channels={"website": FEED})
    first = warn("--template", "grossbrand", "--level", "high", "--area", "Seidau")
    second = warn("update", first["incident"], "--level", "medium")
    ids = [first["identifier"], second["identifier"]]
    for name, xml in cap_files(isolated).items():
        (alert,) = CAPParser(xml.decode("utf-8")).as_dict()
        assert alert["cap_id"] in ids and f"{alert['cap_id']}.cap.xml" == name
        info = alert["cap_info"][0]
        assert info["cap_link"] == "https://www.bautzen.de/warnungen"
        assert [e["value"] for e in info["cap_event_code"]] == ["BBK-EVC-030", "grossbrand"]
        assert str(info["cap_area"][0]["geocodes"][0]["value"]) == "146250020020"
    index = (isolated / "citychan-out" / "feed" / "alerts.xml").read_bytes()
    parsed = CAPParser(index.decode("utf-8")).as_dict()  # the inline alerts, newest first
    assert [a["cap_id"] for a in parsed] == ids[::-1]
    assert [a["cap_message_type"] for a in parsed] == ["Update", "Alert"]
    entries = ET.fromstring(index).findall("atom:entry", NS)
    for entry, identifier in zip(entries, ids[::-1], strict=True):
        link = entry.find("atom:link", NS)
        assert link.get("type") == "application/cap+xml"
        assert link.get("href") == f"https://www.bautzen.de/aktuelles/cap/{identifier}.cap.xml"
        content = entry.find("atom:content", NS)
        assert content.get("type") == "text/xml"
        (alert_el,) = list(content)
        alert_el.tail = None
        inline = ET.tostring(alert_el)
        own = ET.tostring(ET.fromstring(cap_files(isolated)[f"{identifier}.cap.xml"]))
        assert ET.canonicalize(inline.decode(), strip_text=True) == ET.canonicalize(
            own.decode(), strip_text=True)  # the very document the entry links
        assert not list(cap_schema.iter_errors(inline.decode())) and errors(inline) == []


def test_feedparser_still_reads_the_index_without_bozo(isolated: Path,
                                                      make_config: MakeConfig) -> None:
    import feedparser

    make_config(alerts=ALERTS_TABLE, channels={"website": FEED})
    w = warn("--template", "unwetter", "--level", "low", "--area", "Seidau")
    feed = feedparser.parse((isolated / "citychan-out" / "feed" / "alerts.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.entries[0].links[0].href.endswith(f"/cap/{w['identifier']}.cap.xml")


def test_area_preset_named_with_area_places_the_cap_area_by_its_polygon(
        isolated: Path, make_config: MakeConfig) -> None:
    make_config(alerts={**ALERTS_TABLE, "areas": {"altstadt": ALTSTADT}},
                channels={"outbox": OUTBOX})
    w = warn("--template", "hochwasser", "--level", "high", "--area", "altstadt")
    root = ET.fromstring(cap_files(isolated)[f"{w['identifier']}.cap.xml"])
    descs = [a.findtext("cap:areaDesc", namespaces=NS)
             for a in root.findall("cap:info/cap:area", NS)]
    assert descs == ["Bautzen, Altstadt", "Budyšin, Stare město"]
    assert root.findtext("cap:info/cap:area/cap:polygon", namespaces=NS) == ALTSTADT["polygon"]
    assert root.find("cap:info/cap:area/cap:circle", NS) is None


def test_another_city_with_its_own_geography_places_words_by_its_ars(
        isolated: Path, make_config: MakeConfig) -> None:
    make_config(city=CITY_TABLE, alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})
    w = warn("--template", "stromausfall", "--level", "medium", "--area", "Innenstadt")
    area = ET.fromstring(cap_files(isolated)[f"{w['identifier']}.cap.xml"]).find(
        "cap:info/cap:area", NS)
    assert area.findtext("cap:areaDesc", namespaces=NS) == "Innenstadt"
    assert area.findtext("cap:circle", namespaces=NS) == "51.1528,14.9872 6"
    assert area.findtext("cap:geocode/cap:value", namespaces=NS) == "146260110110"


def test_a_city_without_geography_is_refused_with_cc420_and_nothing_is_sent(
        isolated: Path, make_config: MakeConfig) -> None:
    make_config(city={"names": {"de": "Görlitz", "hsb": "Zhorjelc"}}, alerts=ALERTS_TABLE,
                channels={"outbox": OUTBOX})
    run = cli("warn", "--template", "unwetter", "--level", "low", "--area", "Innenstadt",
              "--yes")
    assert run.code == 3, (run.stdout, run.stderr)
    assert "CC420" in run.stdout + run.stderr and "[city]" in run.stdout + run.stderr
    assert not list((isolated / "citychan-out").rglob("*.cap.xml"))
    assert not (isolated / "citychan-out" / "outbox").exists() or not list(
        (isolated / "citychan-out" / "outbox").iterdir())


def test_a_real_warning_without_a_sender_is_refused_in_one_line(
        isolated: Path, make_config: MakeConfig) -> None:
    make_config(alerts={"web": CAP_ISSUER["web"]}, channels={"outbox": OUTBOX})
    run = cli("warn", "--template", "unwetter", "--level", "low", "--area", "Seidau", "--yes")
    assert_one_line_error(run, 2, "no CAP sender: set sender in [alerts]")
    assert not list((isolated / "citychan-out").rglob("*.cap.xml"))
    drill = warn("--template", "unwetter", "--level", "low", "--area", "Seidau", "--exercise")
    cap = cap_files(isolated)[f"{drill['identifier']}.cap.xml"]
    assert ET.fromstring(cap).findtext("cap:sender", namespaces=NS) == "citychan@sender.invalid"


def test_init_writes_a_sender_from_the_city_domain_and_its_geography(isolated: Path) -> None:
    assert cli("init").code == 0
    config = load_config(isolated / "citychan.toml")
    assert config.alerts.sender == "warnung@bautzen.de"
    assert config.alerts.web and config.city.ars == "146250020020"
    w = warn("--template", "trinkwasser", "--level", "medium", "--area", "Gesundbrunnen")
    xml = cap_files(isolated)[f"{w['identifier']}.cap.xml"]
    assert errors(xml) == []
    assert ET.fromstring(xml).findtext("cap:sender", namespaces=NS) == "warnung@bautzen.de"


def test_the_embedded_default_places_a_warning_in_bautzen(isolated: Path) -> None:
    assert not (isolated / "citychan.toml").exists()  # no config: the built-in Bautzen
    w = warn("--template", "hochwasser", "--level", "high", "--area", "Spreeufer")
    xml = cap_files(isolated)[f"{w['identifier']}.cap.xml"]
    assert errors(xml) == []
    area = ET.fromstring(xml).find("cap:info/cap:area", NS)
    assert area.findtext("cap:areaDesc", namespaces=NS) == "Spreeufer"
    assert area.findtext("cap:geocode/cap:value", namespaces=NS) == "146250020020"
    index = (isolated / "citychan-out" / "feed" / "alerts.xml").read_text(encoding="utf-8")
    assert [a["cap_id"] for a in CAPParser(index).as_dict()] == [w["identifier"]]


def test_an_update_and_a_warning_file_name_a_preset_like_warn_does(
        isolated: Path, make_config: MakeConfig) -> None:
    """`warn update --area NAME` and a file's `area: NAME` pick the preset, with its
    polygon, as `--area NAME` does for a new warning."""
    make_config(alerts={**ALERTS_TABLE, "areas": {"altstadt": ALTSTADT}},
                channels={"outbox": OUTBOX})
    first = warn("--template", "hochwasser", "--level", "medium", "--area", "Seidau")
    upd = warn("update", first["incident"], "--area", "altstadt")
    root = ET.fromstring(cap_files(isolated)[f"{upd['identifier']}.cap.xml"])
    assert root.findtext("cap:info/cap:area/cap:areaDesc", namespaces=NS) == "Bautzen, Altstadt"
    assert root.findtext("cap:info/cap:area/cap:polygon", namespaces=NS) == ALTSTADT["polygon"]
    warn("allclear", first["incident"])

    (isolated / "sturm.md").write_text(
        "---\nkind: warning\nlevel: medium\nevent: unwetter\narea: altstadt\nexpires: 2h\n"
        "lang: de\ntitle: 'Gefahr: Unwetter - Altstadt'\ninstruction: Bleiben Sie im Haus.\n"
        "---\nSchwere Gewitter ziehen auf.\n", encoding="utf-8")
    w = warn("sturm.md", "--only-lang", "de")
    root = ET.fromstring(cap_files(isolated)[f"{w['identifier']}.cap.xml"])
    assert root.findtext("cap:info/cap:area/cap:polygon", namespaces=NS) == ALTSTADT["polygon"]
