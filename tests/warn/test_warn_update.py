"""`warn update`: it starts from the incident's latest message in every language and changes
only what the duty officer gives (a new level, instruction, area, expiry)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import cli
from tests.support.config import ALERTS_TABLE, OUTBOX, MakeConfig
from tests.support.files import write


@pytest.fixture(autouse=True)
def config(make_config: MakeConfig) -> Path:
    return make_config(alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})


def warn(*args: str) -> dict:
    run = cli("warn", *args, "--yes", "--output", "json")
    assert run.code == 0, run.stdout + run.stderr
    return json.loads(run.stdout)["result"]


def infos(isolated: Path, cap_schema, identifier: str) -> dict[str, dict]:
    path = isolated / "citychan-out" / "cap" / f"{identifier}.cap.xml"
    cap_schema.validate(str(path))
    return {i["language"][:-3]: i for i in cap_schema.to_dict(str(path))["info"]}


def flood() -> str:
    return warn("--template", "hochwasser", "--level", "medium", "--area", "Seidau")["incident"]


def test_escalating_the_level_relabels_every_headline(isolated: Path, cap_schema) -> None:
    inc = flood()
    res = warn("update", inc, "--level", "high")
    info = infos(isolated, cap_schema, res["identifier"])
    assert info["de"]["headline"] == "Extreme Gefahr: Aktualisierung - Hochwasser - Seidau"
    assert info["hsb"]["headline"] == "Ekstremny strach: Aktualizacija - Wulka woda - Seidau"
    assert info["de"]["description"].startswith("Neu: Warnstufe erhöht auf Extreme Gefahr.\n\n")
    assert {i["severity"] for i in info.values()} == {"Extreme"}
    assert not [f for f in res["findings"] if f["severity"] == "error"]
    down = warn("update", inc, "--level", "low")
    lower = infos(isolated, cap_schema, down["identifier"])["de"]
    assert lower["headline"] == "Gefahreninformation: Aktualisierung - Hochwasser - Seidau"
    assert lower["description"].startswith(  # the old "Neu:" line is replaced, not stacked
        "Neu: Warnstufe gesenkt auf Gefahreninformation.\n\nDas Wasser steigt")


def test_escalating_with_a_long_area_is_never_refused_for_its_headline(
        isolated: Path, cap_schema) -> None:
    """'Extreme Gefahr' is longer than 'Gefahr': a headline at the limit would pass 140 and
    block the escalation; it then names the event only (the area stays in text and CAP)."""
    area = "Spreeufer zwischen Friedensbrücke und Kronprinzenbrücke, Seidau, Gesundbrunnen, " \
           "Ortsteil Oehna und Teichnitz Nord"
    inc = warn("--template", "hochwasser", "--level", "medium", "--area", area)["incident"]
    res = warn("update", inc, "--level", "high")
    info = infos(isolated, cap_schema, res["identifier"])
    assert info["de"]["headline"] == "Extreme Gefahr: Aktualisierung - Hochwasser"
    assert info["hsb"]["headline"] == "Ekstremny strach: Aktualizacija - Wulka woda"
    areas = info["de"]["area"]
    assert "Teichnitz" in (areas[0] if isinstance(areas, list) else areas)["areaDesc"]


def test_a_new_instruction_changes_only_that_field(isolated: Path, cap_schema) -> None:
    inc = flood()
    before = infos(isolated, cap_schema, f"{inc}.1")
    res = warn("update", inc, "--instruction", "Verlassen Sie die Keller sofort.")
    info = infos(isolated, cap_schema, res["identifier"])
    assert info["de"]["instruction"] == "Verlassen Sie die Keller sofort."
    assert info["de"]["description"] == (
        "Neu: neue Verhaltenshinweise.\n\n" + before["de"]["description"])
    assert info["de"]["headline"] == before["de"]["headline"].replace(
        "Gefahr: ", "Gefahr: Aktualisierung - ")
    assert info["hsb"]["instruction"] == before["hsb"]["instruction"]  # never machine-made
    (note,) = [f for f in res["findings"] if f["code"] == "CC003"]
    assert note["severity"] == "warning" and "hsb: instruction" in note["message"]
    assert ".hsb.md" in note["hint"]


def test_a_new_area_is_named_in_every_language(isolated: Path, cap_schema) -> None:
    inc = flood()
    res = warn("update", inc, "--area", "Seidau und Stiebitz")
    info = infos(isolated, cap_schema, res["identifier"])
    assert info["de"]["headline"] == "Gefahr: Aktualisierung - Hochwasser - Seidau und Stiebitz"
    assert info["hsb"]["headline"] == (
        "Strach: Aktualizacija - Wulka woda - Seidau und Stiebitz")
    assert info["de"]["description"].startswith("Neu: Gebiet geändert.\n\n")
    assert "Seidau" not in info["de"]["description"]  # the place is named in the headline
    assert {i["area"][0]["areaDesc"] for i in info.values()} == {"Seidau und Stiebitz"}
    assert not [f for f in res["findings"] if f["severity"] == "error"]


def test_a_headline_that_does_not_name_the_old_area_is_pointed_out(isolated: Path) -> None:
    from tests.support.files import EXAMPLES

    for name in ("warnung-hochwasser.md", "warnung-hochwasser.hsb.md"):
        write(isolated / name, (EXAMPLES / name).read_text(encoding="utf-8"))
    inc = warn("warnung-hochwasser.md")["incident"]  # area "Bautzen-Seidau, Spreeufer",
    res = warn("update", inc, "--area", "Stiebitz")  # headline "… - Bautzen-Seidau"
    stale = [f for f in res["findings"] if f["code"] == "CC405"]
    assert stale and "Bautzen-Seidau" in stale[0]["message"] and "--headline" in stale[0]["hint"]
    assert res["findings"] and not [f for f in res["findings"] if f["severity"] == "error"]
    fixed = warn("update", inc, "--area", "Stiebitz", "--headline", "Gefahr: Hochwasser - Stiebitz")
    assert not [f for f in fixed["findings"] if f["code"] == "CC405" and
                f["message"].startswith("de:")]  # the German headline was just given


def test_each_update_starts_from_the_latest_message(isolated: Path, cap_schema) -> None:
    inc = flood()
    warn("update", inc, "--instruction", "Verlassen Sie die Keller sofort.")
    warn("update", inc, "--area", "Seidau und Stiebitz")
    res = warn("update", inc, "--level", "high")
    info = infos(isolated, cap_schema, res["identifier"])
    assert info["de"]["instruction"] == "Verlassen Sie die Keller sofort."
    assert info["de"]["headline"] == (
        "Extreme Gefahr: Aktualisierung - Hochwasser - Seidau und Stiebitz")
    end = warn("allclear", inc)
    assert infos(isolated, cap_schema, end["identifier"])["de"]["headline"] == (
        "Entwarnung: Hochwasser - Seidau und Stiebitz")


def test_a_flags_only_warning_says_how_to_give_the_sorbian_text(isolated: Path) -> None:
    run = cli("warn", "--event", "hochwasser", "--level", "medium", "--area", "Seidau",
              "--description", "Die Spree steigt.", "--instruction", "Meiden Sie das Ufer.",
              "--yes", "--output", "json")
    assert run.code == 3
    (f,) = [f for f in json.loads(run.stdout)["result"]["findings"] if f["code"] == "CC003"]
    assert "--template" in f["hint"] and "NAME.hsb.md" in f["hint"]
