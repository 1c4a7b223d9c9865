"""Updates citizens can tell from a repeat (issue 11, item 6): "Aktualisierung" in every
headline, a "Neu:" line naming what changed, and ``changes()`` that says when nothing did
(the refusal of an unchanged update builds on it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from citychan.alerts import (
    Change,
    Level,
    changes,
    check_warning,
    from_template,
    revise,
    short_text,
    update,
)
from citychan.config import AlertsConfig

NOW = datetime(2026, 11, 29, 20, 16, tzinfo=UTC)  # 21:16 in Bautzen
ALERTS = AlertsConfig(sender="warnung@bautzen.de", sender_name="Stadtverwaltung Bautzen",
                      web="https://www.bautzen.de/warnungen")
LATER = NOW + timedelta(minutes=10)


def flood():  # type: ignore[no-untyped-def]
    return from_template("hochwasser", "medium", "Seidau", "6h", now=NOW, alerts=ALERTS)


def follow(latest, history, **given):  # type: ignore[no-untyped-def]
    new = revise(latest, now=LATER, **given)
    return update(history[0], new, now=LATER, history=history,
                  level=Level(given["level"]) if "level" in given else None)


def test_an_update_with_nothing_new_has_no_changes() -> None:
    w = flood()
    assert changes(w, revise(w, now=LATER)) == ()
    u = follow(w, [w])
    assert changes(w, u) == ()  # "Aktualisierung" and the opening line are no change
    assert changes(u, follow(u, [w, u])) == ()


def test_changes_name_level_area_instruction_and_expiry_in_order() -> None:
    w = flood()
    u = follow(w, [w], level="high", area="Seidau und Stiebitz",
               instruction="Verlassen Sie die Keller sofort.", expires="30.11.2026 06:00")
    assert changes(w, u) == (Change.LEVEL, Change.AREA, Change.HEADLINE, Change.INSTRUCTION,
                             Change.EXPIRY)
    assert changes(w, follow(w, [w], details="Pegel 4,80 m.")) == (Change.DESCRIPTION,)


def test_the_update_says_aktualisierung_and_what_is_new_in_every_language() -> None:
    w = flood()
    u = follow(w, [w], level="high", expires="30.11.2026 06:00")
    de, hsb = u.texts["de"], u.texts["hsb"]
    assert de.headline == "Extreme Gefahr: Aktualisierung - Hochwasser - Seidau"
    assert de.description.split("\n\n")[0] == (
        "Neu: Warnstufe erhöht auf Extreme Gefahr; verlängert bis 30.11.2026, 06:00 Uhr.")
    assert hsb.headline == "Ekstremny strach: Aktualizacija - Wulka woda - Seidau"
    assert hsb.description.startswith("Nowe: schodźenk warnowanja zwyšeny na Ekstremny strach")
    assert short_text(u, "de").startswith(
        "Stadtverwaltung Bautzen - Extreme Gefahr: Aktualisierung - Hochwasser, Seidau.")
    review = [f for f in check_warning(u, ALERTS, now=LATER) if f.code == "CC409"]
    assert any("update text" in f.message and f.message.startswith("hsb") for f in review)
    assert not [f for f in check_warning(u, ALERTS, now=LATER) if str(f.severity) == "error"]


def test_a_lower_level_and_a_shorter_expiry_are_said_as_such() -> None:
    w = flood()
    u = follow(w, [w], level="low", expires="23:00")
    assert u.texts["de"].description.startswith(
        "Neu: Warnstufe gesenkt auf Gefahreninformation; verkürzt bis 29.11.2026, 23:00 Uhr.")
    (note,) = [f for f in u.findings if f.code == "CC411"]
    assert note.message == "expires 23:00 = heute, 29.11.2026, 23:00 Uhr"


def test_a_second_update_replaces_the_new_line_instead_of_stacking_it() -> None:
    w = flood()
    u1 = follow(w, [w], instruction="Verlassen Sie die Keller sofort.")
    u2 = follow(u1, [w, u1], area="Seidau und Stiebitz")
    de = u2.texts["de"]
    assert de.headline == "Gefahr: Aktualisierung - Hochwasser - Seidau und Stiebitz"
    assert de.description.count("Neu:") == 1 and de.description.startswith("Neu: Gebiet geändert.")
    assert de.instruction == "Verlassen Sie die Keller sofort."


def test_a_deliberate_repeat_says_the_warning_stands_unchanged() -> None:
    w = flood()
    u = follow(w, [w])
    assert u.texts["de"].description.startswith("Die Warnung gilt unverändert weiter.\n\n")
    assert u.texts["de"].headline == "Gefahr: Aktualisierung - Hochwasser - Seidau"
