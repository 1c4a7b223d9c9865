"""The all-clear (Entwarnung) can always be sent when its warning could: citychan writes its
texts, so they must fit every limit the warning's texts fitted."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from citychan.alerts import (
    Level,
    allclear,
    as_exercise,
    check_warning,
    from_template,
    short_text,
    to_cap_xml,
)
from citychan.config import AlertsConfig, CityConfig
from tests.support.cli import assert_one_line_error, cli
from tests.support.config import ALERTS_TABLE, OUTBOX, MakeConfig
from tests.support.templates import TEMPLATE_LEVELS, required

NOW = datetime(2026, 11, 28, 2, 5, tzinfo=UTC)
ALERTS = AlertsConfig(sender="warnung@bautzen.de", sender_name="Stadtverwaltung Bautzen",
                      web="https://www.bautzen.de/warnungen", contact="03591 534-0")
STREETS = ("Spreeufer zwischen Friedensbrücke und Kronprinzenbrücke, Seidau, Stiebitz, "
           "Gesundbrunnen, Löbauer Straße, Wallstraße, Taucherstraße, Ortenburg")


def errors(w, now: datetime = NOW + timedelta(hours=1)) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"{f.code} {f.message}" for f in check_warning(w, ALERTS, now=now)
            if str(f.severity) == "error"]


@pytest.mark.parametrize(("name", "level"), TEMPLATE_LEVELS)
def test_allclear_is_sendable_whenever_its_warning_was(name: str, level: Level,
                                                       cap_schema) -> None:
    sendable = 0
    for n in (*range(40, 141, 6), 104, 110):
        w = from_template(name, level, STREETS[:n].rstrip(", "), "3h", now=NOW, alerts=ALERTS,
                          **required(name))
        for variant in (w, as_exercise(w)):
            if errors(variant, NOW):
                continue  # the warning itself could not be sent
            sendable += 1
            clear = allclear(variant, [variant], now=NOW + timedelta(hours=1))
            assert errors(clear) == [], (n, variant.status)
            cap_schema.validate(to_cap_xml(clear, ALERTS, CityConfig()).decode())
    assert sendable  # the loop did test something


def test_a_long_area_stays_in_the_text_as_long_as_it_fits() -> None:
    area = STREETS[:110]
    w = from_template("hochwasser", "medium", area, "3h", now=NOW, alerts=ALERTS)
    assert errors(w, NOW) == []
    clear = allclear(w, [w], now=NOW + timedelta(hours=1))
    assert clear.text("de").headline == "Entwarnung: Hochwasser - " + area  # 135: fits
    assert short_text(clear, "de") == (
        f"Stadtverwaltung Bautzen - Entwarnung: Hochwasser, {area}. Nutzen Sie Uferwege und "
        "Straßen wieder, sobald die Absperrungen entfernt sind. Stand 28.11.2026, 04:05 Uhr.")
    hsb = allclear(as_exercise(w), now=NOW + timedelta(hours=1)).text("hsb")
    assert hsb.headline == "ÜBUNG: Wotwarnowanje: Wulka woda"  # with the area: 144
    assert area in hsb.description


def test_allclear_of_a_warning_with_a_summary_and_a_very_long_area() -> None:
    area = STREETS + ", " + STREETS  # 270 characters: only the hand-written summary fitted
    w = from_template("unwetter", "medium", area, "3h", now=NOW, alerts=ALERTS)
    w = replace(w, texts={lang: replace(t, headline=t.headline.split(" - ")[0],
                                        short=f"Stadt Bautzen - Gefahr: Unwetter in {lang}.")
                          for lang, t in w.texts.items()})
    assert errors(w, NOW) == []
    clear = allclear(w, [w], now=NOW + timedelta(hours=1))
    assert errors(clear) == []
    assert short_text(clear, "de") == (
        "Stadtverwaltung Bautzen - Entwarnung: Unwetter. Stand 28.11.2026, 04:05 Uhr.")
    mid = area[:190]
    shorter = replace(w, area=replace(w.area, desc={"de": mid, "hsb": mid}))
    assert short_text(allclear(shorter, now=NOW + timedelta(hours=1)), "de") == (
        f"Stadtverwaltung Bautzen - Entwarnung: Unwetter, {mid}. "
        "Stand 28.11.2026, 04:05 Uhr.")  # the generic action goes first, then the place


AREA_104 = STREETS[:104]


@pytest.fixture
def outbox_config(make_config: MakeConfig) -> Path:
    return make_config(alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})


def test_the_reported_case_allclear_after_a_104_character_area(outbox_config, isolated) -> None:
    run = cli("warn", "--template", "hochwasser", "--level", "high", "--area", AREA_104,
              "--yes", "--output", "json")
    assert run.code == 0, run.stderr
    incident = json.loads(run.stdout)["result"]["incident"]
    end = cli("warn", "allclear", incident, "--yes", "--output", "json")
    assert end.code == 0, end.stdout + end.stderr
    result = json.loads(end.stdout)["result"]
    assert result["msg_type"] == "Cancel"
    assert not [f for f in result["findings"] if f["severity"] == "error"]
    assert_one_line_error(cli("warn", "allclear", incident, "--yes"), 2, "all-clear already")
