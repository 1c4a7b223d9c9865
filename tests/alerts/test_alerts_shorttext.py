"""The short text (≤ 280, five elements in order) and cell-broadcast counting."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from citychan.alerts import (
    Level,
    allclear,
    as_test,
    cell_broadcast_count,
    cell_broadcast_text,
    from_template,
    short_text,
    template_names,
)
from citychan.alerts.levels import level_info
from citychan.alerts.shorttext import CB_LIMITS, SHORT_MAX, first_sentence, order_problems
from citychan.config import AlertsConfig
from tests.support.templates import TEMPLATE_LEVELS, a_level, required

NOW = datetime(2026, 11, 28, 13, 5, tzinfo=UTC)
ALERTS = AlertsConfig(sender="warnung@bautzen.de", sender_name="Stadtverwaltung Bautzen")
AREA = "Bautzen-Seidau, Spreeufer zwischen Friedensbrücke und Ortenburg"


@pytest.mark.parametrize(("name", "level"), TEMPLATE_LEVELS)
def test_short_text_fits_and_keeps_five_elements_in_order(name: str, level: Level) -> None:
    w = from_template(name, level, AREA, "2h", now=NOW, alerts=ALERTS, **required(name))
    for variant in (w, as_test(w), allclear(w, now=NOW + timedelta(hours=1))):
        for lang in variant.langs:
            text = short_text(variant, lang)
            assert len(text) <= SHORT_MAX, text
            assert order_problems(text, variant, lang) == ([], []), text
            assert "Stadtverwaltung Bautzen" in text and AREA in text
            assert variant.event_name(lang) in text
            assert first_sentence(variant.texts[lang].instruction) in text


def test_short_text_exact_shape() -> None:
    w = from_template("hochwasser", "medium", "Seidau", "2h", now=NOW, alerts=ALERTS)
    assert short_text(w, "de") == (
        "Stadtverwaltung Bautzen - Gefahr: Hochwasser, Seidau. Meiden Sie Ufer und "
        "überflutete Straßen. Gültig bis 28.11.2026, 16:05 Uhr.")
    assert short_text(as_test(w), "de").startswith("TEST: Stadtverwaltung Bautzen - Gefahr")


def test_short_text_is_never_truncated() -> None:
    area = "Seidau, " + ", ".join(f"Gasse {i}" for i in range(40))
    w = from_template("hochwasser", "medium", area, "2h", now=NOW, alerts=ALERTS)
    text = short_text(w, "de")
    assert len(text) > SHORT_MAX and area in text and text.endswith("16:05 Uhr.")


def test_handwritten_summary_wins() -> None:
    w = from_template("unwetter", "low", "Bautzen", "2h", now=NOW, alerts=ALERTS)
    w = replace(w, texts={**w.texts, "de": replace(w.texts["de"], short="Eigener Text.")})
    assert short_text(w, "de") == "Eigener Text."
    assert short_text(as_test(w), "de") == "TEST: Eigener Text."


@pytest.mark.parametrize(("text", "encoding", "units"), [
    ("Gefahr: Hochwasser in Bautzen. Meiden Sie die Ufer!", "GSM-7", 51),
    ("Straße, Übergänge, Brücke, Größe: ä ö ü Ä Ö Ü ß é", "GSM-7", 49),  # all in GSM 03.38
    ("Preis 5 € [Info] {x} ~ | ^ \\", "GSM-7", 28 + 9),  # 9 extension chars count twice
    ("Gefahr – Hochwasser", "UCS-2", 19),  # the en dash is not GSM-7
    ("Strach: Wulka woda w Budyšinje", "UCS-2", 30),  # š forces UCS-2
    ("ě ł ć ř", "UCS-2", 7),
    ("Achtung 🌊", "UCS-2", 10),  # outside the BMP: two UTF-16 units
])
def test_cell_broadcast_counting(text: str, encoding: str, units: int) -> None:
    count = cell_broadcast_count(text)
    assert (count.encoding, count.units) == (encoding, units)
    assert count.limit == CB_LIMITS[encoding]


def test_cell_broadcast_limits_and_what_forces_ucs2() -> None:
    assert cell_broadcast_count("a" * 1395).fits
    assert not cell_broadcast_count("a" * 1394 + "€").fits  # € costs 2 septets
    assert cell_broadcast_count("ł" * 615).fits and not cell_broadcast_count("ł" * 616).fits
    assert cell_broadcast_count("Budyšin – ěł").forcing_ucs2 == ("š", "–", "ě", "ł")


def test_german_template_warnings_stay_gsm7_and_sorbian_ones_are_ucs2() -> None:
    for name in template_names():
        level = a_level(name)
        w = from_template(name, level, "Bautzen-Seidau", "2h", now=NOW, alerts=ALERTS,
                          **required(name))
        de = cell_broadcast_count(cell_broadcast_text(w, "de"))
        hsb = cell_broadcast_count(cell_broadcast_text(w, "hsb"))
        assert (de.encoding, de.forcing_ucs2) == ("GSM-7", ()), name
        assert hsb.encoding == "UCS-2" and de.fits and hsb.fits, name
        assert cell_broadcast_text(w, "de").startswith(
            f"Stadtverwaltung Bautzen: {level_info(level).label('de')}: ")
