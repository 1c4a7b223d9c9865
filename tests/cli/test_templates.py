"""citychan new / templates: the city's own templates and the built-in ones (issue 14,
item 4). Why: templates existed only for warnings and only inside the package, so a city's
edits were lost on upgrade and nothing helped with recurring notices."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from citychan import clock
from citychan.notices.templates import long_date
from tests.support.cli import assert_one_line_error, cli
from tests.support.config import ALERTS_TABLE, OUTBOX, MakeConfig
from tests.support.files import write

BUILTIN_NOTICES = {"strassensperrung", "abfuhrtermin", "oeffnungszeiten", "veranstaltung"}
CITY_WARNING = """event = "hochwasser"
aliases = ["spreeflut"]

[de]
headline = "Spree-Hochwasser - {area}"
description = "Die Spree steigt. {details}"
instruction = "Meiden Sie die Ufer der Spree."

[hsb]
headline = "Wulka woda Sprjewje - {area}"
description = "Sprjewja stupa. {details}"
instruction = "Wobeńdźće brjoh Sprjewje."
"""


def listing(*args: str) -> dict[str, dict[str, object]]:
    run = cli("templates", "--output", "json", *args)
    assert run.code == 0, run.stderr
    return {f"{t['kind']}:{t['name']}": t for t in json.loads(run.stdout)["result"]["templates"]}


def test_the_built_in_notice_templates_are_listed_as_built_in(isolated: Path) -> None:
    found = listing()
    for name in BUILTIN_NOTICES:
        assert found[f"notice:{name}"]["origin"] == "built-in"
        assert found[f"notice:{name}"]["description"]
    assert found["warning:hochwasser"]["origin"] == "built-in"
    text = cli("templates", env={"COLUMNS": "200"}).stdout
    assert "strassensperrung" in text and "built-in" in text


def test_new_writes_a_notice_with_the_dates_filled_in(isolated: Path) -> None:
    run = cli("new", "Straßensperrung", "sperrung.md", "--date", "07.12.2026")
    assert run.code == 0, run.stderr
    text = (isolated / "sperrung.md").read_text(encoding="utf-8")
    assert 'title: "Vollsperrung ‹Straße› ab Montag, 7. Dezember 2026"' in text
    assert "template" not in text.split("---")[1]  # the template's own keys stay out
    assert "{date" not in text
    assert "‹Straße›" in run.stdout and "citychan check sperrung.md" in run.stdout


def test_new_without_a_date_takes_the_templates_distance_ahead(isolated: Path) -> None:
    from datetime import timedelta

    run = cli("new", "abfuhrtermin", "--output", "json")
    assert run.code == 0, run.stderr
    result = json.loads(run.stdout)["result"]
    day = clock.now("Europe/Berlin").date() + timedelta(days=7)  # template_date: 7d
    assert result["date"] == day.isoformat()
    (file,) = result["files"]
    assert file == f"abfuhrtermin-{day:%Y-%m-%d}.md"
    text = (isolated / file).read_text(encoding="utf-8")
    assert long_date(day) in text
    assert f'expires: "{day + timedelta(days=1):%d.%m.%Y} 00:00"' in text


def test_new_refuses_to_overwrite_a_file_without_force(isolated: Path) -> None:
    write(isolated / "n.md", "mine\n")
    run = cli("new", "veranstaltung", "n.md")
    assert_one_line_error(run, 2, "n.md: exists already")
    assert "--force" in run.stderr
    assert (isolated / "n.md").read_text() == "mine\n"
    assert cli("new", "veranstaltung", "n.md", "--force").code == 0
    assert "‹Veranstaltung›" in (isolated / "n.md").read_text(encoding="utf-8")


def test_a_notice_from_a_template_cannot_go_out_before_it_is_filled_in(isolated: Path) -> None:
    """The ‹parts› only a person can know would otherwise go out as they stand."""
    cli("new", "oeffnungszeiten", "o.md", "--date", "2026-12-07")
    run = cli("check", "o.md", env={"COLUMNS": "300"})
    assert run.code == 3
    assert "CC009" in run.stdout and "‹Einrichtung›" in run.stdout


@pytest.mark.parametrize("bad", ["31.02.2026", "morgen", "2026-13-01"])
def test_a_date_that_cannot_be_read_is_one_line(isolated: Path, bad: str) -> None:
    assert_one_line_error(cli("new", "veranstaltung", "--date", bad), 2, "--date")


def test_an_unknown_template_suggests_the_closest(isolated: Path) -> None:
    run = cli("new", "abfuhr")
    assert_one_line_error(run, 2, "Did you mean 'abfuhrtermin'?")
    assert "citychan templates" in run.stderr


def test_a_city_notice_template_replaces_the_built_in_one(make_config: MakeConfig,
                                                          isolated: Path) -> None:
    make_config(channels={"outbox": OUTBOX})
    write(isolated / "templates" / "abfuhrtermin.md",
          "---\ntemplate: Bautzens Abfuhr\ntitle: Abfuhr am {date_short}\n---\nText.\n")
    found = listing()
    assert found["notice:abfuhrtermin"]["origin"] == "city"
    assert found["notice:abfuhrtermin"]["overrides"] is True
    assert found["notice:abfuhrtermin"]["description"] == "Bautzens Abfuhr"
    assert "replaces the built-in" in cli("templates", env={"COLUMNS": "200"}).stdout
    cli("new", "abfuhrtermin", "a.md", "--date", "07.12.2026")
    assert (isolated / "a.md").read_text(encoding="utf-8") == (
        "---\ntitle: Abfuhr am 07.12.2026\n---\nText.\n")


def test_the_template_folder_is_set_in_paths(make_config: MakeConfig, isolated: Path) -> None:
    make_config(paths={"templates": "vorlagen"}, channels={"outbox": OUTBOX})
    write(isolated / "vorlagen" / "wochenmarkt.md", "---\ntitle: Markt {year}\n---\nText.\n")
    assert listing()["notice:wochenmarkt"]["origin"] == "city"
    assert cli("new", "wochenmarkt", "m.md", "--date", "1.5.2027").code == 0
    assert "title: Markt 2027" in (isolated / "m.md").read_text(encoding="utf-8")


def test_a_city_warning_template_replaces_the_built_in_one(make_config: MakeConfig,
                                                           isolated: Path) -> None:
    make_config(alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})
    write(isolated / "templates" / "hochwasser.toml", CITY_WARNING)
    found = listing()
    assert (found["warning:hochwasser"]["origin"], found["warning:hochwasser"]["overrides"]) == (
        "city", True)
    run = cli("warn", "--template", "spreeflut", "--level", "medium", "--area", "Seidau",
              "--yes", "--output", "json")  # the city's alias works too
    assert run.code == 0, run.stderr
    (outbox,) = (isolated / "citychan-out" / "outbox").glob("*.txt")
    assert "Spree-Hochwasser - Seidau" in outbox.read_text(encoding="utf-8")


def test_a_built_in_warning_template_still_works_beside_city_ones(make_config: MakeConfig,
                                                                  isolated: Path) -> None:
    """requires is kept: bombe still needs --time with a city folder present."""
    make_config(alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})
    write(isolated / "templates" / "hochwasser.toml", CITY_WARNING)
    run = cli("warn", "--template", "bombe", "--level", "high", "--area", "Altstadt", "--yes")
    assert_one_line_error(run, 2, "needs --time")


def test_a_broken_city_warning_template_names_its_file(make_config: MakeConfig,
                                                       isolated: Path) -> None:
    make_config(alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})
    write(isolated / "templates" / "hochwasser.toml", 'event = "hochwasser"\n[de]\n')
    run = cli("warn", "--template", "hochwasser", "--level", "medium", "--area", "Seidau",
              "--yes")
    assert_one_line_error(run, 2, "hochwasser.toml: missing key")


def test_new_writes_a_warning_file_per_language_from_a_warning_template(
        make_config: MakeConfig, isolated: Path) -> None:
    make_config(alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})
    run = cli("new", "sturm", "w.md")
    assert run.code == 0, run.stderr
    de = (isolated / "w.md").read_text(encoding="utf-8")
    assert "event: unwetter" in de and 'title: "Gefahr: Unwetter - ‹Gebiet›"' in de
    assert "Strach" in (isolated / "w.hsb.md").read_text(encoding="utf-8")
    assert cli("check", "w.md").code == 3  # the area is still to be filled in
    for f in ("w.md", "w.hsb.md"):
        path = isolated / f
        path.write_text(path.read_text(encoding="utf-8").replace("‹Gebiet›", "Seidau"),
                        encoding="utf-8")
    assert cli("check", "w.md").code == 0
