"""Every warning rule, with a case it must flag and a case it must let through."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from citychan.alerts import (
    Level,
    WarningText,
    allclear,
    as_exercise,
    check_warning,
    from_flags,
    from_template,
)
from citychan.alerts import rules as R
from citychan.config import AlertsConfig
from citychan.findings import Finding
from tests.support.templates import TEMPLATE_LEVELS, required

NOW = datetime(2026, 11, 28, 13, 5, tzinfo=UTC)
ALERTS = AlertsConfig(sender="warnung@bautzen.de", sender_name="Stadtverwaltung Bautzen",
                      web="https://www.bautzen.de", contact="03591 534-0")


def codes(findings: list[Finding], severity: str | None = None) -> list[str]:
    return [f.code for f in findings if severity is None or str(f.severity) == severity]


def good(**changes):  # type: ignore[no-untyped-def]
    w = from_template("hochwasser", "medium", "Seidau", "2h", now=NOW, alerts=ALERTS)
    return replace(w, **changes)


def with_de(w, **fields):  # type: ignore[no-untyped-def]
    return replace(w, texts={**w.texts, "de": replace(w.texts["de"], **fields)})


@pytest.mark.parametrize(("name", "level"), TEMPLATE_LEVELS)
def test_templates_pass_every_rule_with_only_review_warnings(name: str, level: Level) -> None:
    w = from_template(name, level, "Bautzen-Seidau", "2h", now=NOW, alerts=ALERTS,
                      **required(name))
    found = [f for f in check_warning(w, ALERTS, now=NOW) if f.code != "CC411"]  # read-as
    assert codes(found, "error") == []
    # the Sorbian drafts must reach the user, and nothing else may be doubtful
    assert [(f.code, f.message.split(":")[0]) for f in found] == [("CC409", "hsb")]
    assert "native speaker" in found[0].message and "template text" in found[0].message


def test_cc401_missing_fields_and_issuer() -> None:
    w = good(event="", area=replace(good().area, desc={}), expires=None)
    w = with_de(w, description="")
    msgs = [f.message for f in check_warning(w, AlertsConfig(sender_name=" "), now=NOW)
            if f.code == "CC401"]
    assert any("needs an event" in m for m in msgs)
    assert any("needs a description" in m for m in msgs)
    assert any("needs an area" in m for m in msgs)
    assert any("needs expires" in m for m in msgs)
    assert not any("issuer" in m for m in msgs)  # the warning carries its sender_name
    no_issuer = R.check_fields(replace(w, sender_name=""), AlertsConfig(sender_name=""))
    assert any("issuer" in f.message for f in no_issuer)
    assert any("sender is still" in m for m in msgs)
    assert any("no web" in m for m in msgs) and any("no contact" in m for m in msgs)
    assert "CC401" in codes(R.check_fields(good(event="Meteorit"), ALERTS), "error")
    assert R.check_fields(good(), ALERTS) == []


def test_cc003_required_languages() -> None:
    w = from_flags(level="low", event="sturm", area="Bautzen", now=NOW, alerts=ALERTS,
                   description="Orkanböen bis 120 km/h.", instruction="Bleiben Sie drinnen.")
    found = R.check_languages(w, ALERTS)
    assert codes(found, "error") == ["CC003"] and "hsb" in found[0].message
    assert R.check_languages(w, replace(ALERTS, languages=("de",))) == []
    partial = replace(good(), texts={**good().texts,
                                     "hsb": replace(good().texts["hsb"], instruction="")})
    assert "instruction" in R.check_languages(partial, ALERTS)[0].message
    assert R.check_languages(good(), ALERTS) == []


def test_cc402_headline_length_and_label() -> None:
    long = with_de(good(), headline="Gefahr: " + "Hochwasser " * 13)
    assert codes(R.check_headline(long, ALERTS), "error") == ["CC402"]
    wrong = with_de(good(), headline="Hochwasser in Seidau: Gefahr")
    found = R.check_headline(wrong, ALERTS)
    assert codes(found, "error") == ["CC402"] and "'Gefahr'" in found[0].message
    # an unreviewed label (hsb) only warns: the writer may know the better word
    hsb = replace(good(), texts={**good().texts,
                                 "hsb": replace(good().texts["hsb"], headline="Kedźbu! ...")})
    assert codes(R.check_headline(hsb, ALERTS)) == ["CC402"]
    assert codes(R.check_headline(hsb, ALERTS), "error") == []
    assert R.check_headline(good(), ALERTS) == []
    assert R.check_headline(as_exercise(good()), ALERTS) == []  # "ÜBUNG: Gefahr: …" is fine
    clear = allclear(good(), now=NOW + timedelta(hours=1))
    assert R.check_headline(clear, ALERTS) == []


def test_cc403_instruction_required_different_and_imperative() -> None:
    assert codes(R.check_instruction(with_de(good(), instruction=""), ALERTS)) == ["CC403"]
    same = with_de(good(), description="Meiden Sie das Ufer.", instruction="Meiden Sie das Ufer!")
    assert "repeats" in R.check_instruction(same, ALERTS)[0].message
    statement = with_de(good(), instruction="Es besteht Gefahr durch steigendes Wasser.")
    found = R.check_instruction(statement, ALERTS)
    assert codes(found, "warning") == ["CC403"]
    assert R.check_instruction(good(), ALERTS) == []


@pytest.mark.parametrize(("text", "imperative"), [
    ("Meiden Sie das Ufer.", True),
    ("Bitte verlassen Sie das Gebäude.", True),
    ("Fenster und Türen schließen.", True),
    ("Es besteht Gefahr.", False),
    ("Die Bevölkerung wird gebeten, Fenster zu schließen.", False),
    ("Das Wasser steigt.", False),
])
def test_german_imperative_detection(text: str, imperative: bool) -> None:
    assert R.is_imperative_de(text) is imperative


def test_cc404_expired_and_effective_after_expires() -> None:
    w = good()
    assert R.check_times(w, now=NOW) == []
    assert "expired" in R.check_times(w, now=NOW + timedelta(hours=3))[0].message
    backwards = replace(w, effective=w.expires + timedelta(minutes=1))
    assert codes(R.check_times(backwards, now=NOW), "error") == ["CC404"]


def test_cc405_text_order() -> None:
    place_first = with_de(good(), headline="Gefahr: Seidau - Hochwasser")
    assert "place before the hazard" in R.check_text_order(place_first, ALERTS)[0].message
    shuffled = with_de(good(), short="Meiden Sie das Ufer. Hochwasser in Seidau. "
                                     "Stadtverwaltung Bautzen, gültig bis 16:05 Uhr.")
    found = R.check_text_order(shuffled, ALERTS)
    assert codes(found) == ["CC405"] and "too early: hazard" in found[0].message
    assert R.check_text_order(good(), ALERTS) == []
    # a hand-written summary may paraphrase: "Stadt Bautzen", only "Seidau", a clock time
    own = with_de(good(), short="Stadt Bautzen: Gefahr durch Hochwasser in Seidau. "
                                "Meiden Sie die Ufer. Bis 20:00 Uhr.")
    assert R.check_text_order(own, ALERTS) == [] and R.check_short_text(own, ALERTS) == []


def test_cc406_short_text_length_and_elements() -> None:
    long_area = "Bautzen-Seidau, " + ", ".join(f"Straße Nummer {i}" for i in range(20))
    w = from_template("hochwasser", "medium", long_area, "2h", now=NOW, alerts=ALERTS)
    found = [f for f in R.check_short_text(w, ALERTS) if f.severity == "error"]
    assert codes(found) == ["CC406", "CC406"]
    assert "shorten the area description" in (found[0].hint or "")
    vague = with_de(good(), short="Achtung, bitte aufpassen.")
    missing = R.check_short_text(vague, ALERTS)
    assert codes(missing, "warning") == ["CC406"] and "lacks source, hazard" in missing[0].message
    assert R.check_short_text(good(), ALERTS) == []


def test_cc407_cell_broadcast_over_limit() -> None:
    w = with_de(good(), description="Das Wasser steigt. " * 80)
    found = R.check_cell_broadcast(w, ALERTS)
    assert codes(found, "warning") == ["CC407"]
    assert "GSM-7" in found[0].message and "1395" in found[0].message
    hsb = replace(good(), texts={**good().texts, "hsb": replace(
        good().texts["hsb"], description="Woda dale stupa. " * 40)})
    msg = R.check_cell_broadcast(hsb, ALERTS)[0].message
    assert "UCS-2" in msg and "615" in msg and "ó" in msg
    assert R.check_cell_broadcast(good(), ALERTS) == []


def test_cc408_level_missing_or_contradicted() -> None:
    assert codes(R.check_level(good(level=None), ALERTS), "error") == ["CC408"]
    louder = with_de(good(level=Level.LOW), headline="Extreme Gefahr: Hochwasser - Seidau")
    found = R.check_level(louder, ALERTS)
    # de says "Extreme Gefahr", the hsb template headline still says "Strach" (medium)
    assert codes(found, "error") == ["CC408", "CC408"]
    assert found[0].message.startswith("de: headline says 'Extreme Gefahr' but the level is low")
    assert found[1].message.startswith("hsb: headline says 'Strach'")
    assert R.check_level(good(), ALERTS) == []


def test_review_flag_reaches_the_user_only_for_unchecked_text() -> None:
    found = R.check_review(good(), ALERTS)
    assert len(found) == 1 and str(found[0].severity) == "warning"
    assert found[0].message.startswith("hsb: not yet checked by a native speaker")
    assert "level label 'Strach'" in found[0].message
    de_only = replace(good(), texts={"de": good().texts["de"]})
    assert R.check_review(de_only, ALERTS) == []


def test_user_written_sorbian_is_not_flagged_as_template_text() -> None:
    own = replace(good(), texts={**good().texts, "hsb": WarningText(
        headline="Strach: Wulka woda - Židow", description="Sprjewja wustupuje.",
        instruction="Wobeńdźće brjoh.")})
    assert "template text" not in R.check_review(own, ALERTS)[0].message
