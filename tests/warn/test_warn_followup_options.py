"""What `warn update` and `warn allclear` accept: options a follow-up would silently ignore
are refused, and the all-clear's --details stay in the language they were written in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import assert_one_line_error, cli
from tests.support.config import CAP_ISSUER, OUTBOX, MakeConfig


@pytest.fixture(autouse=True)
def config(make_config: MakeConfig) -> Path:
    return make_config(alerts={**CAP_ISSUER, "sender_name": "Stadt Bautzen"},
                       channels={"outbox": OUTBOX})


@pytest.fixture
def incident() -> str:
    run = cli("warn", "--template", "hochwasser", "--level", "medium", "--area", "Seidau",
              "--yes", "--output", "json")
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)["result"]["incident"]


def test_allclear_details_stay_german(isolated: Path, incident: str, cap_schema) -> None:
    run = cli("warn", "allclear", incident, "--details", "Der Pegel sinkt.", "--yes",
              "--output", "json")
    assert run.code == 0, run.stderr
    res = json.loads(run.stdout)["result"]
    cap = isolated / "citychan-out" / "cap" / f"{res['identifier']}.cap.xml"
    doc = cap_schema.to_dict(str(cap))
    desc = {i["language"]: i["description"] for i in doc["info"]}
    assert desc["de-DE"].endswith("Der Pegel sinkt.")
    assert "Pegel" not in desc["hsb-DE"]
    (note,) = [f for f in res["findings"] if f["code"] == "CC003"]
    assert note["severity"] == "warning" and note["message"].startswith("hsb: the details")


@pytest.mark.parametrize(("args", "named"), [
    (("--level", "high"), "--level"),
    (("--headline", "Entwarnung: Hochwasser", "--expires", "2h"), "--headline, --expires"),
    (("--template", "hochwasser"), "--template"),
    (("--area", "Stiebitz"), "--area"),
])
def test_allclear_refuses_options_it_would_ignore(isolated: Path, incident: str, args,
                                                  named: str) -> None:  # type: ignore[no-untyped-def]
    run = cli("warn", "allclear", incident, *args, "--yes")
    assert_one_line_error(run, 2, f"warn allclear does not take {named}")
    assert not (isolated / "citychan-out" / "cap" / f"{incident}.2.cap.xml").exists()


def test_update_refuses_channel_and_a_different_status(isolated: Path, incident: str) -> None:
    assert_one_line_error(cli("warn", "update", incident, "--channel", "outbox", "--yes"), 2,
                          "warn update does not take --channel")
    assert_one_line_error(cli("warn", "update", incident, "--exercise", "--yes"), 2,
                          "is actual, not exercise")
    assert_one_line_error(cli("warn", "allclear", incident, "--test", "--yes"), 2,
                          "is actual, not test")
    assert not (isolated / "citychan-out" / "cap" / f"{incident}.2.cap.xml").exists()
