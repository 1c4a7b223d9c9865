"""Warnings built from hostile input: control characters in any text, shapes that are not
numbers, times the clocks skip or pass twice. The CAP file is always well-formed and valid
CAP 1.2, or the input is refused with a finding or one line."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citychan.alerts import Level, from_flags, from_message, from_template, to_cap_xml
from citychan.alerts.area import parse_circle, parse_polygon
from citychan.config import AlertsConfig, CityConfig
from citychan.errors import UsageError
from citychan.notices.message import load_message
from tests.support.cli import assert_one_line_error, cli
from tests.support.config import ALERTS_CONFIG
from tests.support.files import write

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 28, 13, 5, tzinfo=UTC)
ALERTS = AlertsConfig(sender="warnung@bautzen.de", sender_name="Stadtverwaltung Bautzen",
                      web="https://www.bautzen.de/warnungen", contact="Bürgertelefon 03591 534-0")
CITY = CityConfig()


@pytest.fixture
def feed_config(isolated: Path) -> Path:
    return write(isolated / "citychan.toml", ALERTS_CONFIG + '[channels.website]\ntype = "feed"\n'
                 'public_url = "https://www.bautzen.de/aktuelles"\n')


def every_xml_file_parses(folder: Path, cap_schema) -> list[Path]:  # type: ignore[no-untyped-def]
    files = sorted(p for p in folder.rglob("*.xml") if p.is_file())
    for path in files:
        ET.parse(path)  # well-formed, or this raises
        if path.name.endswith(".cap.xml"):
            assert not list(cap_schema.iter_errors(path.read_text(encoding="utf-8"))), path
    return files


def test_area_seidau_x01_ufer_control_character_gives_well_formed_cap(
        feed_config: Path, isolated: Path, cap_schema) -> None:  # type: ignore[no-untyped-def]
    run = cli("warn", "--template", "hochwasser", "--level", "medium",
              "--area", "Seidau\x01Ufer", "--yes")
    assert run.code == 0, run.stdout + run.stderr
    files = every_xml_file_parses(isolated, cap_schema)
    names = {p.name for p in files}
    assert "alerts.xml" in names and any(n.endswith(".cap.xml") for n in names)
    cap = next(p for p in files if p.name.endswith(".cap.xml")).read_text(encoding="utf-8")
    assert "SeidauUfer" in cap and "\x01" not in cap
    # and the next warning still finds a feed it can read and extend
    again = cli("warn", "--template", "unwetter", "--level", "low", "--area", "Altstadt",
                "--yes")
    assert again.code == 0, again.stderr
    assert len(ET.parse(next(p for p in files if p.name == "alerts.xml")).getroot()) > 5


def test_details_with_control_characters_give_well_formed_cap(
        feed_config: Path, isolated: Path, cap_schema) -> None:  # type: ignore[no-untyped-def]
    run = cli("warn", "--template", "hochwasser", "--level", "medium", "--area", "Seidau",
              "--details", "Pegel\x0b 4,20\x1b[2J m\x00.", "--yes")
    assert run.code == 0, run.stdout + run.stderr
    cap = next(p for p in every_xml_file_parses(isolated, cap_schema)
               if p.name.endswith(".cap.xml")).read_text(encoding="utf-8")
    assert "überflutet werden. Pegel 4,20[2J m.</description>" in cap


def test_yaml_escapes_in_a_warning_file_give_well_formed_cap(
        feed_config: Path, isolated: Path, cap_schema) -> None:  # type: ignore[no-untyped-def]
    examples = Path(__file__).resolve().parents[2] / "examples"
    for name in ("warnung-hochwasser.md", "warnung-hochwasser.hsb.md"):
        text = (examples / name).read_text(encoding="utf-8")
        # YAML escapes that become control characters only when the YAML is read
        text = text.replace("area: Bautzen-Seidau, Spreeufer",
                            'area: "Bautzen-Seidau,\\x01 Spreeufer\\e"')
        text = text.replace("Meiden Sie das Spreeufer. Bringen",
                            'Meiden Sie das Spreeufer.\\x1f\\0\\uFFFE Bringen')
        text = text.replace("instruction: Meiden", 'instruction: "Meiden')
        text = text.replace("gelegene Straßen.", 'gelegene Straßen."')
        write(isolated / name.replace("warnung-hochwasser", "w"), text)
    run = cli("warn", "w.md", "--yes")
    assert run.code == 0, run.stdout + run.stderr
    cap = next(p for p in every_xml_file_parses(isolated, cap_schema)
               if p.name.endswith(".cap.xml")).read_text(encoding="utf-8")
    assert "<areaDesc>Bautzen-Seidau, Spreeufer</areaDesc>" in cap
    assert "<instruction>Meiden Sie das Spreeufer. Bringen Sie" in cap


ANY_TEXT = st.text(st.characters(codec="utf-8") | st.sampled_from("\x00\x01\x0b\x1b\ufffe\ud800"),
                   max_size=60)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(area=ANY_TEXT, headline=ANY_TEXT, description=ANY_TEXT, instruction=ANY_TEXT,
       details=ANY_TEXT)
def test_any_text_through_the_cap_builder_is_valid_cap(  # type: ignore[no-untyped-def]
        cap_schema, area: str, headline: str, description: str, instruction: str,
        details: str) -> None:
    w = from_flags(level="medium", event="hochwasser", area=area or "Bautzen", now=NOW,
                   headline=headline, description=description, instruction=instruction,
                   details=details, expires="2h", alerts=ALERTS)
    xml = to_cap_xml(w, ALERTS, CITY)
    ET.fromstring(xml)
    errors = list(cap_schema.iter_errors(xml.decode("utf-8")))
    # the schema wants some texts non-empty; what it may never see is a broken document
    assert all("not well-formed" not in str(e) for e in errors)
    if area.strip() and headline.strip() and description.strip():
        assert not errors, errors[0]


@pytest.mark.parametrize("circle", ["51.18,14.42 inf", "51.18,14.42 nan", "51.18,14.42 -1",
                                    "5_1.18,14.42 1", "nan,14.42 1", "51.18,inf 1",
                                    "٥١.١٨,14.42 1", "51.18,14.42 1e3", "91,14.42 1",
                                    "51.18,181 1", "51.18,14.42"])
def test_cap_circle_inf_nan_and_5_1_digits_are_refused_with_a_finding(
        isolated: Path, circle: str) -> None:
    write(isolated / "w.md", f"---\ntitle: 'Warnung: Hochwasser - Seidau'\nkind: warning\n"
                             f"level: medium\nevent: hochwasser\narea: Seidau\nexpires: 2h\n"
                             f"circle: '{circle}'\n---\nText\n")
    w = from_message(load_message(isolated / "w.md", kind="warning"), now=NOW, alerts=ALERTS)
    [finding] = [f for f in w.findings if f.code == "CC002"]
    assert finding.severity == "error" and "circle" in finding.message
    assert w.area.circles == ()  # never written into a CAP file
    with pytest.raises(UsageError):
        from_template("hochwasser", Level.MEDIUM, "Seidau", "2h", now=NOW, circle=circle)


@pytest.mark.parametrize("polygon,why", [
    ("51.18,14.42 51.19,14.43 51.18,14.42", "at least 4 points"),
    ("51.18,14.42 51.19,14.43 51.17,14.44 51.18,14.43", "must be closed"),
    ("51.18,14.42 51.19,14.43 51.17,nan 51.18,14.42", "not a decimal number"),
    ("51.18,14.42 95,14.43 51.17,14.44 51.18,14.42", "outside -90..90"),
])
def test_cap_polygon_open_short_or_not_numbers_is_refused(polygon: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_polygon(polygon)


@given(st.text(max_size=40))
def test_any_circle_is_refused_or_finite_and_in_range(text: str) -> None:
    try:
        shape = parse_circle(text)
    except ValueError:
        return
    point, radius = shape.split(" ")
    lat, lon = (float(x) for x in point.split(","))
    assert shape.isascii()
    assert all(math.isfinite(v) for v in (lat, lon, float(radius)))
    assert -90 <= lat <= 90 and -180 <= lon <= 180 and float(radius) >= 0


def test_circle_radius_zero_is_a_point() -> None:
    assert parse_circle("51.18,14.42 0") == "51.18,14.42 0"


@pytest.mark.parametrize("start,real", [
    (datetime(2026, 3, 29, 0, 30, tzinfo=BERLIN), timedelta(hours=6)),  # clocks go forward
    (datetime(2026, 10, 25, 0, 30, tzinfo=BERLIN), timedelta(hours=6)),  # clocks go back
])
def test_expires_6h_across_the_dst_change_is_six_real_hours(start: datetime,
                                                           real: timedelta) -> None:
    w = from_template("hochwasser", Level.MEDIUM, "Seidau", "6h", now=start, alerts=ALERTS)
    assert w.expires is not None
    assert w.expires.astimezone(UTC) - w.effective.astimezone(UTC) == real
    assert w.expires.astimezone(UTC) - start.astimezone(UTC) == real


@pytest.mark.parametrize("when,needle,hint", [
    ("2026-03-29T02:30", "2026-03-29T02:30 does not exist in Europe/Berlin",
     "a time before or after the change"),
    ("2026-10-25T02:30", "2026-10-25T02:30 happens twice in Europe/Berlin",
     "2026-10-25T02:30+02:00 (the first) or 2026-10-25T02:30+01:00 (the second)"),
])
def test_nonexistent_and_ambiguous_local_expires_are_refused_with_a_hint(
        feed_config: Path, when: str, needle: str, hint: str) -> None:
    run = cli("warn", "--template", "hochwasser", "--level", "medium", "--area", "Seidau",
              "--expires", when, "--yes")
    assert_one_line_error(run, 2, needle)
    assert hint in run.stderr


def test_an_explicit_offset_settles_the_doubled_hour() -> None:
    w = from_template("hochwasser", Level.MEDIUM, "Seidau", "2026-10-25T02:30+01:00",
                      now=datetime(2026, 10, 24, 20, 0, tzinfo=BERLIN), alerts=ALERTS)
    assert w.expires is not None
    assert w.expires.astimezone(UTC) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert w.expires.isoformat() == "2026-10-25T02:30:00+01:00"


def test_an_impossible_or_overflowing_expires_is_one_line_exit_2(feed_config: Path) -> None:
    for value, needle in (("2026-02-30T10:00", "day is out of range for month"),
                          ("99999999d", "'99999999d' is longer than ten years")):
        run = cli("warn", "--template", "hochwasser", "--level", "medium", "--area", "Seidau",
                  "--expires", value, "--yes")
        assert_one_line_error(run, 2, needle)
