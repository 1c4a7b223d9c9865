"""CC201 knows German (issue 14): a compound is what its last part is, so
"Gefahrstoffsammlung" is a collection and "Hochwassergefahr" a danger; `not_a_warning:`
overrides it with a reason that goes into the store and the log."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from citychan.notices.rules import warning_words
from tests.support.cli import cli
from tests.support.files import write

EVERYDAY = [
    "Gefahrstoffsammlung am Samstag",
    "Feueralarm-Probe in der Grundschule",
    "Alarmübung zum Zuschauen",
    "Sperrung der Löbauer Straße",
    "Stadtfest 2026",
    "Wertstoffhof",
    "Schadstoffmobil: Gefahrstoffe richtig entsorgen",
    "Gefahrgutkontrolle auf der A4",
    "Alarmanlage im Rathaus wird erneuert",
    "Warnwesten für alle Schulanfänger",
    "Sirenenprobe am Mittwoch um 15 Uhr",
    "Tag der offenen Tür bei der Feuerwehr",
    "Gefahrenabwehrverordnung: Neufassung beschlossen",
    "Verwarnungsgeld für Falschparker steigt",
    "Verwarnung für Falschparker am Kornmarkt",
    "Neue Gefahrenkarte für Hochwasser online",
    "Öffnungszeiten des Bürgerbüros über Weihnachten",
    "Abfuhrtermine für Dezember",
    "Hochwasserschutzübung an der Spree",
    "Evakuierungsübung im Landratsamt",
    "Brandschutzübung im Gymnasium",
    "Rauchwarnmelder: Pflicht in jeder Wohnung",
    "Warntag: Sirenen heulen am Donnerstag",
    "Ampel an der Kreuzung umgefahren",
    "Mit dem Rad zur Arbeit gefahren: Stadtradeln beginnt",
    "Alarmierungsplan der Feuerwehr vorgestellt",
    "Stadtrat beschließt Haushalt 2026",
    "Weihnachtsmarkt öffnet am Freitag",
    "Baumfällungen im Stadtpark",
    "Gefahrstoff-Annahme im Wertstoffhof",
    "Kinderfest in der Seidau",
    "Spielplatz Humboldthain wieder offen",
]
ALARMS = [
    "Unwetterwarnung für Bautzen",
    "Hochwassergefahr an der Spree",
    "Warnung vor Glätte",
    "Probealarm der Sirenen",
    "Entwarnung: Trinkwasser wieder in Ordnung",
    "⚠️ Straßensperrung",
    "🚨 Hinweis",
    "Feueralarm in der Grundschule",
    "Großalarm in der Innenstadt",
    "Alarm: Gasleck in der Töpferstraße",
    "Brandgefahr im Stadtwald",
    "Lebensgefahr: Eis auf dem Stausee nicht betreten",
    "Gefahr durch umstürzende Bäume",
    "Gefahren durch Glätte auf Gehwegen",
    "WARNUNG: Trinkwasser abkochen",
    "Hitzewarnung für Montag",
    "Sturmwarnung des Deutschen Wetterdienstes",
    "Evakuierung der Seidau nach Bombenfund",
    "Hochwasser-Warnung für die Spree",
    "Waldbrand-Gefahr: Stufe 4",
    "Warnungen des DWD für das Wochenende",
    "Vorwarnung: Sirenen am Mittag",
    "🔥 Großbrand im Gewerbegebiet",
    "❗ Trinkwasser nicht trinken",
    "Gefahr! Straße gesperrt",
    "Smogalarm in der Innenstadt",
    "Glättewarnung für den Landkreis",
    "Teilevakuierung des Rathauses",
    "Achtung Lebensgefahr",
    "Bombenalarm am Bahnhof",
    "Gewitterwarnung: Veranstaltungen abgesagt",
    "Hochwasser: Evakuierungen in Teilen der Stadt",
]


def test_the_lists_are_long_enough() -> None:
    assert len(EVERYDAY) >= 30 and len(ALARMS) >= 30


@pytest.mark.parametrize("title", EVERYDAY)
def test_everyday_titles_pass(title: str) -> None:
    assert warning_words(title) == []


@pytest.mark.parametrize("title", ALARMS)
def test_alarm_titles_are_caught(title: str) -> None:
    assert warning_words(title)


def test_the_words_found_are_named_as_written() -> None:
    assert warning_words("Hochwasser-Warnung und Brandgefahr") == ["Hochwasser-Warnung",
                                                                   "Brandgefahr"]


def test_the_issues_titles_pass_check(isolated: Path) -> None:
    for i, title in enumerate(EVERYDAY[:3]):
        write(isolated / f"n{i}.md", f"---\ntitle: {title}\n---\nText\n")
    run = cli("check", "n0.md", "n1.md", "n2.md")
    assert run.code == 0, run.stdout
    assert "CC201" not in run.stdout


NOTICE = ('---\ntitle: Feueralarm in der Grundschule\nnot_a_warning: "Bericht über die Übung '
          'vom Montag"\n---\nAlle Kinder waren in vier Minuten draußen.\n')


def test_not_a_warning_overrides_cc201_and_is_recorded_and_logged(isolated: Path) -> None:
    write(isolated / "n.md", NOTICE)
    run = cli("post", "n.md", "--yes")
    assert run.code == 0, run.stderr
    assert "CC201" not in run.stdout + run.stderr
    with closing(sqlite3.connect(isolated / "citychan-out" / "citychan.db")) as db:
        rows = db.execute("SELECT code, reason FROM overrides").fetchall()
    assert rows == [("CC201", "Bericht über die Übung vom Montag")]
    log = cli("log", "--output", "json")
    deliveries = json.loads(log.stdout)["result"]["deliveries"]
    assert deliveries and all(d["not_a_warning"] == "Bericht über die Übung vom Montag"
                              for d in deliveries)
    text = cli("log", env={"COLUMNS": "250"}).stdout
    assert "not a warning" in text and "Übung" in text


def test_without_the_override_the_post_is_refused(isolated: Path) -> None:
    write(isolated / "n.md", NOTICE.replace('not_a_warning: "Bericht über die Übung vom '
                                            'Montag"\n', ""))
    run = cli("post", "n.md", "--yes")
    assert run.code == 3 and "CC201" in run.stderr and "not_a_warning" in run.stderr


def test_an_empty_override_is_refused_and_a_needless_one_is_named(isolated: Path) -> None:
    write(isolated / "e.md", NOTICE.replace('"Bericht über die Übung vom Montag"', '""'))
    write(isolated / "x.md", NOTICE.replace("Feueralarm", "Sommerfest"))
    env = json.loads(cli("check", "e.md", "x.md", "--output", "json").stdout)
    empty, needless = env["result"]["files"]
    assert not empty["ok"] and "give the reason" in json.dumps(empty["findings"])
    assert needless["ok"] and "no title sounds like a warning" in json.dumps(
        needless["findings"])
