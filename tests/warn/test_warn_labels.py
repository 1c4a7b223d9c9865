"""The level label at the start of a headline is a label only when a colon follows it, as in
every template: "Gefahrenlage beendet?" does not say "Gefahr"."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import assert_one_line_error, cli
from tests.support.config import CAP_ISSUER, OUTBOX, MakeConfig


def test_a_word_that_merely_starts_with_the_label_is_not_the_label(
        isolated: Path, make_config: MakeConfig) -> None:
    make_config(alerts={**CAP_ISSUER, "languages": ["de"], "sender_name": "Stadt Bautzen"},
                channels={"outbox": OUTBOX})
    run = cli("warn", "--event", "hochwasser", "--level", "medium", "--area", "Seidau",
              "--headline", "Gefahrenlage beendet? Hochwasser in Seidau",
              "--description", "Die Spree steigt wieder.",
              "--instruction", "Meiden Sie das Ufer.", "--yes", "--output", "json")
    assert run.code == 3, run.stdout + run.stderr
    (f,) = [f for f in json.loads(run.stdout)["result"]["findings"] if f["code"] == "CC402"]
    assert f["severity"] == "error" and "must start with 'Gefahr' and a colon" in f["message"]
    assert not (isolated / "citychan-out" / "outbox").exists()
    ok = cli("warn", "--event", "hochwasser", "--level", "medium", "--area", "Seidau",
             "--headline", "Gefahr: Hochwasser - Seidau", "--description", "Die Spree steigt.",
             "--instruction", "Meiden Sie das Ufer.", "--yes")
    assert ok.code == 0, ok.stderr


def test_an_event_that_contradicts_the_template_is_refused(
        isolated: Path, make_config: MakeConfig) -> None:
    make_config(alerts=CAP_ISSUER, channels={"outbox": OUTBOX})
    run = cli("warn", "--template", "hochwasser", "--event", "sturm", "--level", "medium",
              "--area", "Seidau", "--yes")
    assert_one_line_error(run, 2, "--event sturm does not match --template hochwasser")
    out = isolated / "citychan-out"
    assert not (out / "outbox").exists() and not (out / "cap").exists()
    same = cli("warn", "--template", "hochwasser", "--event", "Hochwasser", "--level",
               "medium", "--area", "Seidau", "--yes")
    assert same.code == 0, same.stderr
