"""Issue 11, "Per-language texts": --area, --details and --instruction are German, with a
Sorbian counterpart (--area-hsb …, or the value hsb:TEXT); --only-lang de sends a
German-only warning in an emergency, recorded with a finding (CC003 a warning only then).
The hints of CC003 name options that exist."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import assert_one_line_error, cli
from tests.support.config import ALERTS_TABLE, OUTBOX, MakeConfig
from tests.support.files import write

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "warnung-hochwasser.md"
TEMPLATE = ("--template", "hochwasser", "--level", "medium", "--area", "Spreeufer")
AREA_HSB = "Brjóh Sprjewje"
DO_HSB = "Wobeńdźće brjóh Sprjewje."


@pytest.fixture(autouse=True)
def config(make_config: MakeConfig) -> None:
    make_config(alerts=ALERTS_TABLE, channels={
        "outbox": OUTBOX, "de-only": {"type": "outbox", "path": "de", "languages": ["de"]},
        "hsb-only": {"type": "outbox", "path": "hsb", "languages": ["hsb"]}})


def dry(*args: str) -> tuple[int, dict[str, Any]]:
    run = cli("warn", *args, "--dry-run", "--output", "json")
    assert run.exception is None and run.stdout, run.stderr
    return run.code, json.loads(run.stdout)["result"]


def text_of(result: dict[str, Any], channel: str) -> str:
    return next(t["text"] for t in result["targets"] if t["channel"] == channel)


def findings(result: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [f for f in result["findings"] if f["code"] == code]


@pytest.mark.parametrize("how", [
    ("--area-hsb", AREA_HSB, "--instruction-hsb", DO_HSB),
    ("--area", f"hsb:{AREA_HSB}", "--instruction", f"hsb:{DO_HSB}"),
], ids=["hsb-options", "hsb-prefix"])
def test_sorbian_area_and_instruction_go_to_the_sorbian_text(how: tuple[str, ...]) -> None:
    code, res = dry(*TEMPLATE, "--instruction", "Meiden Sie das Ufer.", *how)
    assert code == 0, res["findings"]
    assert res["cap"]["area"] == {"de": "Spreeufer", "hsb": AREA_HSB}
    hsb, de = text_of(res, "hsb-only"), text_of(res, "de-only")
    assert AREA_HSB in hsb and DO_HSB in hsb and "Spreeufer" not in hsb
    assert "Meiden Sie das Ufer." in de and AREA_HSB not in de
    assert not findings(res, "CC003")


def test_german_instruction_alone_with_a_template_is_refused_with_a_hint_that_works() -> None:
    code, res = dry(*TEMPLATE, "--instruction", "Meiden Sie das Ufer.")
    assert code == 3
    (missing,) = [f for f in findings(res, "CC003") if f["severity"] == "error"]
    assert "--instruction-hsb" in missing["hint"]


def test_details_in_german_only_hint_names_the_sorbian_option() -> None:
    code, res = dry(*TEMPLATE, "--details", "Pegel 5,20 m.")
    (only_de,) = findings(res, "CC003")
    assert only_de["severity"] == "warning" and "--details-hsb" in only_de["hint"]
    code, res = dry(*TEMPLATE, "--details", "Pegel 5,20 m.", "--details-hsb", "Staw 5,20 m.")
    assert not findings(res, "CC003") and "Staw 5,20 m." in text_of(res, "hsb-only")


def help_options(*command: str) -> set[str]:
    return set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", cli(*command, "--help").stdout))


@pytest.mark.parametrize("args", [
    TEMPLATE + ("--details", "Pegel 5,20 m."),
    TEMPLATE + ("--instruction", "Meiden Sie das Ufer."),
    ("--event", "hochwasser", "--level", "medium", "--area", "Spreeufer", "--headline",
     "Gefahr: Hochwasser - Spreeufer", "--description", "Die Spree steigt.",
     "--instruction", "Meiden Sie das Ufer."),
], ids=["details", "instruction", "flags"])
def test_every_cc003_hint_names_an_option_that_exists(args: tuple[str, ...]) -> None:
    _, res = dry(*args)
    hints = [f["hint"] or "" for f in findings(res, "CC003")]
    assert hints
    named = {o for h in hints for o in re.findall(r"--[a-z][a-z-]+[a-z]", h)}
    assert named and named <= help_options("warn", "new"), named


def test_only_lang_de_sends_a_german_only_warning_with_a_finding(
        isolated: Path, cap_schema) -> None:
    write(isolated / "w.md", EXAMPLE.read_text(encoding="utf-8"))  # no Sorbian sibling
    refused = cli("warn", "w.md", "--yes")
    assert refused.code == 3 and "CC003" in refused.stderr  # without it: blocked as before
    run = cli("warn", "w.md", "--only-lang", "de", "--yes", "--output", "json")
    assert run.code == 0, run.stdout
    res = json.loads(run.stdout)["result"]
    (note,) = findings(res, "CC003")
    assert note["severity"] == "warning" and "--only-lang" in note["message"]
    assert "hsb" in note["message"]
    status = {r["channel"]: r["status"] for r in res["results"]}
    assert status == {"outbox": "sent", "de-only": "sent", "hsb-only": "skipped"}
    (cap,) = (isolated / "citychan-out" / "cap").glob("*.xml")
    doc = cap_schema.to_dict(str(cap))
    assert [i["language"] for i in doc["info"]] == ["de-DE"]


def test_only_lang_of_a_complete_warning_drops_the_other_language() -> None:
    code, res = dry(*TEMPLATE, "--only-lang", "de")
    assert code == 0 and res["cap"]["langs"] == ["de"]
    assert [f["severity"] for f in findings(res, "CC003")] == ["warning"]


@pytest.mark.parametrize(("args", "says"), [
    (("--area", "xx:Spreeufer"), "unknown warning language 'xx'"),
    (("--only-lang", "en"), "unknown warning language 'en'"),
    (("--area-hsb", AREA_HSB, "--area", f"hsb:{AREA_HSB}"), "--area given twice for hsb"),
])
def test_a_wrong_language_is_refused_in_one_line(args: tuple[str, ...], says: str) -> None:
    assert_one_line_error(cli("warn", *TEMPLATE, *args, "--dry-run"), 2, says)


def test_update_takes_sorbian_texts_and_never_sends_them_as_german(isolated: Path) -> None:
    """--area-hsb / --instruction-hsb (or hsb:TEXT) on an update change the Sorbian text;
    the German text gets the German options; no CC003 for what was given in both."""
    first = cli("warn", *TEMPLATE, "--area-hsb", AREA_HSB, "--yes")
    assert first.code == 0, first.stderr
    incident = first.stdout.splitlines()[-1]
    code, res = dry("update", incident, "--area", "Seidau", "--area", "hsb:Žydow",
                    "--instruction", "Gehen Sie in obere Stockwerke.",
                    "--instruction-hsb", "Dźiće do hornich poschodow.")
    assert code == 0, res["findings"]
    hsb, de = text_of(res, "hsb-only"), text_of(res, "de-only")
    assert "Žydow" in hsb and "Dźiće do hornich poschodow." in hsb and "Seidau" not in hsb
    assert "Seidau" in de and "Gehen Sie in obere Stockwerke." in de and "Žydow" not in de
    assert not [f for f in findings(res, "CC003") if "instruction" in f["message"]]
    assert_one_line_error(cli("warn", "update", incident, "--area", "xx:Text", "--yes"), 2,
                          "unknown warning language")

