"""Building warnings (template, flags, notice file) and their lifecycle (update, all-clear,
exercise, test)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from citychan.alerts import (
    CapStatus,
    Level,
    MsgType,
    ResponseType,
    allclear,
    as_exercise,
    as_test,
    from_flags,
    from_message,
    from_template,
    parse_when,
    short_text,
    update,
    warning_to_message,
)
from citychan.config import AlertsConfig
from citychan.errors import UsageError
from citychan.notices.message import load_message

NOW = datetime(2026, 11, 28, 13, 5, tzinfo=UTC)  # 14:05 in Bautzen
ALERTS = AlertsConfig(sender="warnung@bautzen.de", sender_name="Stadtverwaltung Bautzen",
                      web="https://www.bautzen.de", contact="03591 534-0")
BERLIN_1405 = "2026-11-28T14:05:00+01:00"


def test_template_fills_area_times_details_and_puts_the_label_first() -> None:
    w = from_template("hochwasser", "medium", "Seidau", "2h", now=NOW, alerts=ALERTS,
                      details={"de": "Pegel 4,20 m.", "hsb": "Wodostaw 4,20 m."})
    assert w.langs == ("de", "hsb")
    de, hsb = w.texts["de"], w.texts["hsb"]
    assert de.headline == "Gefahr: Hochwasser - Seidau"
    assert de.description.startswith("Das Wasser steigt weiter.")
    assert de.description.endswith("überflutet werden. Pegel 4,20 m.")  # no "Betroffen ist:"
    assert hsb.headline == "Strach: Wulka woda - Seidau"
    assert hsb.description.endswith("Wodostaw 4,20 m.")
    assert hsb.review == ("template text",) and de.review == ()
    assert w.effective.isoformat() == BERLIN_1405
    assert w.expires - w.effective == timedelta(hours=2)
    assert (w.level, w.event, w.msg_type, w.status) == (
        Level.MEDIUM, "hochwasser", MsgType.ALERT, CapStatus.ACTUAL)
    assert w.response is ResponseType.PREPARE
    assert w.incident == "hochwasser-20261128T140500" and w.identifier.endswith(".1")


def test_template_without_details_leaves_no_placeholder_or_gap() -> None:
    w = from_template("bombe", "high", "Innenstadt", None, now=NOW, alerts=ALERTS, time="16:00")
    for t in w.texts.values():
        for text in (t.headline, t.description, t.instruction):
            assert "{" not in text and "  " not in text and not text.endswith(" ")
    # no --expires: the level's lifetime from [alerts.lifetimes] (high: 3h)
    assert w.expires - w.effective == timedelta(hours=3)


def test_template_only_in_configured_languages() -> None:
    w = from_template("unwetter", "low", "Bautzen", "1h", now=NOW,
                      alerts=replace(ALERTS, languages=("de",)))
    assert w.langs == ("de",)


@pytest.mark.parametrize(("text", "expected"), [
    ("2h", "2026-11-28T16:05:00+01:00"),
    ("90m", "2026-11-28T15:35:00+01:00"),
    ("1h30m", "2026-11-28T15:35:00+01:00"),
    ("1d", "2026-11-29T14:05:00+01:00"),
    ("2026-11-28T18:00", "2026-11-28T18:00:00+01:00"),  # naive: city time
    ("2026-11-28T18:00:00Z", "2026-11-28T19:00:00+01:00"),
])
def test_expires_as_duration_or_iso(text: str, expected: str) -> None:
    assert parse_when(text, base=NOW).isoformat() == expected


def test_unreadable_expires_and_unknown_names_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="cannot read 'soon'"):
        from_template("unwetter", "low", "Bautzen", "soon", now=NOW)
    with pytest.raises(UsageError, match="Did you mean 'hochwasser'"):
        from_template("hochwaser", "low", "Bautzen", "2h", now=NOW)
    with pytest.raises(UsageError, match="unknown warning level 'severe'"):
        from_template("unwetter", "severe", "Bautzen", "2h", now=NOW)
    with pytest.raises(UsageError, match="polygon must be closed"):
        from_template("unwetter", "low", "Bautzen", "2h", now=NOW,
                      polygon="51.1,14.4 51.2,14.4 51.2,14.5 51.1,14.5")
    with pytest.raises(UsageError, match="--event or --template"):
        from_flags(level="low", area="Bautzen", now=NOW)


def test_flags_without_template_make_a_one_language_warning() -> None:
    w = from_flags(level="high", event="Gasaustritt", area="Kornmarkt", now=NOW, expires="90m",
                   description="Aus einer Leitung tritt Gas aus.",
                   instruction="Verlassen Sie den Kornmarkt.", alerts=ALERTS)
    assert w.event == "gasaustritt" and w.langs == ("de",)
    assert w.texts["de"].headline == "Extreme Gefahr: Gasaustritt - Kornmarkt"
    assert w.response is ResponseType.EVACUATE
    assert w.expires.isoformat() == "2026-11-28T15:35:00+01:00"


def test_flag_override_drops_the_untranslated_template_field() -> None:
    w = from_flags(level="medium", template="grossbrand", area="Gewerbegebiet", now=NOW,
                   instruction="Verlassen Sie das Gewerbegebiet nach Süden.", alerts=ALERTS)
    assert w.texts["de"].instruction == "Verlassen Sie das Gewerbegebiet nach Süden."
    # the Sorbian template instruction would now contradict the German one
    assert w.texts["hsb"].instruction == ""
    assert w.texts["hsb"].headline.startswith("Strach: ")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


NOTICE = """---
title: 'Gefahr: Hochwasser - Seidau'
level: medium
event: hochwasser
area: Bautzen-Seidau
instruction: Meiden Sie das Spreeufer.
expires: 2026-11-28T20:00
polygon: 51.18,14.42 51.19,14.43 51.17,14.44 51.18,14.42
geocode: {ARS: "146250020020"}
summary: "Stadt Bautzen: Gefahr Hochwasser in Seidau. Meiden Sie das Ufer. Bis 20:00 Uhr."
---
Die Spree tritt über die Ufer.
"""
NOTICE_HSB = """---
title: 'Strach: Wulka woda - Židow'
area: Židow
instruction: Wobeńdźće brjoh Sprjewje.
---
Sprjewja wustupuje z brjohow.
"""


def test_from_message_reads_front_matter_body_and_translation(tmp_path: Path) -> None:
    _write(tmp_path / "hw.hsb.md", NOTICE_HSB)
    msg = load_message(_write(tmp_path / "hw.md", NOTICE), kind="warning")
    w = from_message(msg, now=NOW, alerts=ALERTS)
    assert w.findings == ()
    assert (w.level, w.event, w.langs) == (Level.MEDIUM, "hochwasser", ("de", "hsb"))
    assert w.texts["de"].description == "Die Spree tritt über die Ufer."
    assert w.texts["hsb"].headline == "Strach: Wulka woda - Židow"
    assert w.texts["hsb"].instruction == "Wobeńdźće brjoh Sprjewje."
    assert w.area.description("hsb") == "Židow" and w.area.description("de") == "Bautzen-Seidau"
    assert w.area.geocodes == (("ARS", "146250020020"),)
    assert w.expires.isoformat() == "2026-11-28T20:00:00+01:00"
    assert short_text(w, "de").startswith("Stadt Bautzen: Gefahr Hochwasser")


def test_from_message_reports_bad_values_as_findings(tmp_path: Path) -> None:
    text = NOTICE.replace("level: medium", "level: urgent").replace(
        "polygon: 51.18,14.42 51.19,14.43 51.17,14.44 51.18,14.42", "polygon: 51.18,14.42")
    w = from_message(load_message(_write(tmp_path / "x.md", text), kind="warning"), now=NOW)
    assert w.level is None
    assert [(f.code, str(f.severity)) for f in w.findings] == [
        ("CC408", "error"), ("CC002", "error")]
    assert "urgent" in w.findings[0].message and "polygon" in w.findings[1].message


def test_update_keeps_the_incident_and_references_the_original() -> None:
    w = from_template("stromausfall", "low", "Gesundbrunnen", "2h", now=NOW, alerts=ALERTS)
    later = NOW + timedelta(minutes=40)
    new = from_flags(level="medium", template="stromausfall", area="Gesundbrunnen", now=later,
                     alerts=ALERTS, incident="other")
    u = update(w, new, now=later)
    assert (u.incident, u.msg_type, u.level, u.sequence) == (
        w.incident, MsgType.UPDATE, Level.MEDIUM, 2)
    assert [r.cap() for r in u.references] == [f"warnung@bautzen.de,{w.identifier},{BERLIN_1405}"]
    assert u.identifier != w.identifier
    longer = update(w, now=later, expires=NOW + timedelta(hours=6))
    assert longer.expires == NOW + timedelta(hours=6)
    assert longer.texts["de"] == replace(  # the same text, said to be an update of it
        w.texts["de"],
        headline="Gefahreninformation: Aktualisierung - Stromausfall - Gesundbrunnen",
        description="Neu: verlängert bis 28.11.2026, 20:05 Uhr.\n\n" + w.texts["de"].description)


def test_allclear_is_a_cancel_with_entwarnung_text() -> None:
    w = from_template("gefahrstoff", "high", "Hafen", "2h", now=NOW, alerts=ALERTS)
    u = update(w, now=NOW + timedelta(minutes=20))
    c = allclear(w, [u, w], now=NOW + timedelta(hours=1))
    assert (c.msg_type, c.response, c.incident, c.sequence) == (
        MsgType.CANCEL, ResponseType.ALL_CLEAR, w.incident, 3)
    assert [r.identifier for r in c.references] == [w.identifier, u.identifier]
    assert c.texts["de"].headline == "Entwarnung: Gefahrstoffaustritt - Hafen"
    assert c.texts["de"].description == (  # what is over, from the template's all-clear
        "Von den ausgetretenen Stoffen geht keine Gefahr mehr aus.")
    assert c.texts["de"].instruction.startswith("Öffnen Sie Fenster und Türen wieder")
    assert c.texts["hsb"].review == ("all-clear text",)
    assert short_text(c, "de").startswith("Stadtverwaltung Bautzen - Entwarnung: ")


def test_exercise_and_test_prefix_every_text_also_in_follow_ups() -> None:
    w = from_template("unwetter", "medium", "Bautzen", "2h", now=NOW, alerts=ALERTS)
    for marked, word in ((as_exercise(w), "ÜBUNG: "), (as_test(w), "TEST: ")):
        for lang in marked.langs:
            t = marked.text(lang)
            assert all(x.startswith(word) for x in (t.headline, t.description, t.instruction))
            assert short_text(marked, lang).startswith(word)
        clear = allclear(marked, now=NOW + timedelta(hours=1))
        assert clear.status is marked.status
        assert clear.text("de").headline.startswith(word + "Entwarnung")
    assert w.text("de").headline.startswith("Gefahr: ")  # the original is untouched


def test_warning_to_message_renders_what_where_until_and_source() -> None:
    w = from_template("trinkwasser", "low", "Kleinwelka", "1d", now=NOW, alerts=ALERTS)
    m = warning_to_message(w, ["de", "hsb"], link="https://www.bautzen.de/wasser")
    assert m.kind == "warning" and m.langs == ("de", "hsb")
    de = m.doc("de")
    assert de.title == "Gefahreninformation: Trinkwasser abkochen - Kleinwelka"
    body = de.body
    order = [body.index(x) for x in (w.texts["de"].description, "**Was Sie tun sollten:** Trinken",
                                     "**Gültig bis:** 29.11.2026, 14:05 Uhr",
                                     "**Quelle:** Stadtverwaltung Bautzen")]
    assert order == sorted(order)
    # the area once, where it reads naturally: the headline names it, no "Gebiet:" repeats it
    assert "Kleinwelka" not in body and "Gebiet" not in body
    plain = replace(w.texts["de"], headline="Gefahreninformation: Trinkwasser abkochen")
    own = replace(w, texts={**w.texts, "de": plain})
    assert "**Gebiet:** Kleinwelka" in warning_to_message(own, ["de"]).doc("de").body
    assert de.summary == short_text(w, "de")
    assert m.expires == "2026-11-29T14:05:00+01:00"
    assert warning_to_message(w, ["hsb"]).title.startswith("Informacija wo strachu: ")
    u = update(w, now=NOW + timedelta(minutes=5))
    assert warning_to_message(u).content_hash != m.content_hash


def test_guard_for_high_means_typing_the_event_name() -> None:
    from citychan.alerts import guard_accepts, guard_phrase

    high = from_template("bombe", "high", "Innenstadt", "2h", now=NOW, alerts=ALERTS,
                         time="15:00")
    assert guard_phrase(high) == "Bombenentschärfung"
    assert guard_accepts(high, " bombenentschärfung ") and guard_accepts(high, "bombe")
    assert not guard_accepts(high, "ja") and not guard_accepts(high, "")
    medium = from_template("bombe", "medium", "Innenstadt", "2h", now=NOW, alerts=ALERTS,
                           time="15:00")
    assert guard_phrase(medium) is None


def test_cap_needs_a_level() -> None:
    from citychan.alerts import to_cap_xml
    from citychan.config import CityConfig
    from citychan.errors import InputError

    w = replace(from_template("bombe", "low", "Innenstadt", "2h", now=NOW, time="15:00"),
                level=None)
    with pytest.raises(InputError, match="without a level"):
        to_cap_xml(w, ALERTS, CityConfig())
