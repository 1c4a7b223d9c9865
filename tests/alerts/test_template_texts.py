"""Templates a German press officer would sign (issue 11, item 8): the place once, natural
times, a battery radio, bombe only with the defusal time, gas and ordnance finds of their
own, a police advisory that is no danger warning, all-clears that say what is over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from citychan.alerts import (
    CapStatus,
    Level,
    ResponseType,
    allclear,
    check_warning,
    from_template,
    load_template,
    template_names,
    to_cap_xml,
)
from citychan.alerts.rules import is_imperative_de
from citychan.config import AlertsConfig, CityConfig
from citychan.errors import UsageError
from tests.support.templates import TEMPLATE_LEVELS, a_level, required

NOW = datetime(2026, 11, 29, 19, 14, tzinfo=UTC)  # 20:14 in Bautzen
ALERTS = AlertsConfig(sender="warnung@bautzen.de", sender_name="Stadtverwaltung Bautzen",
                      web="https://www.bautzen.de/warnungen")
AREA = "Spreeufer zwischen Friedensbrücke und Kronprinzenbrücke"


@pytest.mark.parametrize("name", template_names())
def test_the_area_is_named_once_in_the_text(name: str) -> None:
    w = from_template(name, a_level(name), AREA, "2h", now=NOW, alerts=ALERTS, **required(name))
    for lang in w.langs:
        t = w.texts[lang]
        assert " ".join((t.headline, t.description, t.instruction)).count(AREA) == 1, lang
        assert "Betroffen" not in t.description and "Potrjechene" not in t.description


def test_the_power_cut_reads_naturally_and_names_a_battery_radio() -> None:
    w = from_template("stromausfall", "medium", "Gesundbrunnen", "2h", now=NOW, alerts=ALERTS)
    de = w.texts["de"]
    assert "Seit 29.11.2026" not in de.description and "20:14" not in de.description
    assert de.description.startswith("Der Strom ist ausgefallen.")
    assert "batteriebetriebenes Radio" in de.instruction
    assert "Radio mit Batterien" not in de.instruction


def test_bombe_refuses_to_guess_the_defusal_time() -> None:
    with pytest.raises(UsageError, match="template 'bombe' needs --time: citychan does not "
                                         "guess it"):
        from_template("bombe", "high", "Altstadt", "3h", now=NOW, alerts=ALERTS)


def test_bombe_says_when_the_defusal_starts_with_its_date() -> None:
    today = from_template("bombe", "high", "Altstadt", "3h", now=NOW, alerts=ALERTS,
                          time="22:00")
    assert today.texts["de"].instruction.startswith(
        "Verlassen Sie den Sperrkreis, bevor die Entschärfung heute (29.11.) um 22:00 Uhr "
        "beginnt.")
    assert "dźensa (29.11.) w 22:00" in today.texts["hsb"].instruction
    later = from_template("bombe", "high", "Altstadt", "3h", now=NOW, alerts=ALERTS,
                          time="02.12.2026 09:00")
    assert "bevor die Entschärfung am 02.12.2026 um 09:00 Uhr beginnt" in (
        later.texts["de"].instruction)
    (note,) = [f for f in today.findings if "time" in f.message]
    assert (note.code, str(note.severity)) == ("CC411", "info")
    assert note.message == "time 22:00 = heute, 29.11.2026, 22:00 Uhr"


def test_a_time_for_a_template_without_one_is_refused_not_dropped() -> None:
    with pytest.raises(UsageError, match="template 'hochwasser' names no time"):
        from_template("hochwasser", "medium", "Seidau", "2h", now=NOW, time="14:00")


def test_gas_and_ordnance_finds_have_their_own_templates() -> None:
    gas = from_template("gasaustritt", "high", "Kornmarkt", "2h", now=NOW, alerts=ALERTS)
    find = from_template("kampfmittelfund", "medium", "Wallstraße", "2h", now=NOW, alerts=ALERTS)
    assert gas.response is ResponseType.EVACUATE and find.response is ResponseType.AVOID
    assert gas.texts["de"].instruction.startswith("Verlassen Sie das Gebiet sofort")
    assert "Lichtschalter" in gas.texts["de"].instruction
    assert find.texts["de"].headline == "Gefahr: Kampfmittelfund - Wallstraße"
    assert "warnen wir Sie erneut" in find.texts["de"].instruction  # no evacuation yet


def test_the_police_advisory_is_sent_only_at_the_lowest_level() -> None:
    for level in ("medium", "hoch"):
        with pytest.raises(UsageError, match="'polizeihinweis' is sent only at level low"):
            from_template("polizeihinweis", level, "Bautzen", "1d", now=NOW, alerts=ALERTS,
                          details="Warnung vor falschen Spendensammlern.")


def test_the_police_advisory_needs_what_the_police_report() -> None:
    with pytest.raises(UsageError, match="needs --details"):
        from_template("polizeihinweis", "low", "Bautzen", "1d", now=NOW, alerts=ALERTS)


def test_a_warning_of_false_donation_collectors_has_a_home() -> None:
    w = from_template("betrug", "niedrig", "Bautzen-Ost", "1d", now=NOW, alerts=ALERTS,
                      details={"de": "Warnung vor falschen Spendensammlern.",
                               "hsb": "Warnowanje před wopačnymi zběrarjemi darow."})
    assert w.template == "polizeihinweis" and w.level is Level.LOW
    de = w.texts["de"]
    assert de.headline == "Gefahreninformation: Hinweis der Polizei - Bautzen-Ost"
    assert de.description == "Die Polizei bittet um Vorsicht. Warnung vor falschen " \
                             "Spendensammlern."
    assert w.response is ResponseType.MONITOR
    cap = to_cap_xml(w, ALERTS, CityConfig()).decode()
    assert "<severity>Minor</severity>" in cap and "<event>Hinweis der Polizei</event>" in cap
    assert [f.code for f in check_warning(w, ALERTS, now=NOW) if str(f.severity) == "error"] == []


@pytest.mark.parametrize("name", template_names())
def test_the_allclear_says_what_is_over_and_what_people_may_do_again(name: str) -> None:
    w = from_template(name, a_level(name), "Seidau", "2h", now=NOW, alerts=ALERTS,
                      **required(name))
    c = allclear(w, now=NOW + timedelta(hours=1))
    de = c.texts["de"]
    tpl = load_template(name).texts["de"]
    assert de.description == tpl.allclear_description and de.instruction == tpl.allclear_instruction
    assert "Die Gefahr ist vorbei:" not in de.description
    assert "gewohnten Tätigkeiten" not in de.instruction and "Betroffen war" not in de.description
    assert is_imperative_de(de.instruction), de.instruction
    assert c.texts["hsb"].review == ("all-clear text",)


def test_an_event_without_a_template_gets_the_general_allclear() -> None:
    from dataclasses import replace

    w = from_template("unwetter", "medium", "Seidau", "2h", now=NOW, alerts=ALERTS)
    c = allclear(replace(w, event="glatteis"), now=NOW + timedelta(hours=1))
    assert c.texts["de"].headline == "Entwarnung: Glatteis - Seidau"
    assert c.texts["de"].description == "Die Gefahr ist vorüber. Die Warnung ist aufgehoben."
    assert c.texts["de"].instruction.startswith("Bewegen Sie sich im Gebiet wieder frei.")


@pytest.mark.parametrize(("name", "level"), TEMPLATE_LEVELS)
def test_template_exercises_stay_marked(name: str, level: Level) -> None:
    w = from_template(name, level, "Seidau", "2h", now=NOW, alerts=ALERTS, status="Exercise",
                      **required(name))
    assert w.status is CapStatus.EXERCISE
    assert all(w.text(x).headline.startswith("ÜBUNG: ") for x in w.langs)


def test_template_aliases_and_names_with_umlauts_find_the_template() -> None:
    sturm = from_template("sturm", "hoch", "Seidau", "2h", now=NOW, alerts=ALERTS)
    assert sturm.template == "unwetter" and sturm.level is Level.HIGH
    assert [f.message for f in sturm.findings if f.code == "CC411"] == [
        "template 'sturm' is 'unwetter'"]
    assert load_template("Bombenentschärfung").name == "bombe"
    assert load_template("Überschwemmung").name == "hochwasser"


@pytest.mark.parametrize(("typed", "meant"), [
    ("strum", "unwetter"), ("hochwaser", "hochwasser"), ("gaslek", "gasaustritt")])
def test_an_unknown_template_gets_the_template_it_probably_means(typed: str, meant: str) -> None:
    with pytest.raises(UsageError, match=f"unknown template '{typed}'. Did you mean '{meant}'"):
        load_template(typed)
