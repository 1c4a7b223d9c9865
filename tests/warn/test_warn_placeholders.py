"""A warning file copied from a template with a placeholder left in it ({area}, {time}, …)
is refused: the placeholder would go out to every channel as written."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import cli
from tests.support.config import CAP_ISSUER, OUTBOX, MakeConfig
from tests.support.files import write

DE = """---
title: "Gefahr: Hochwasser - {area}"
level: medium
event: hochwasser
area: Seidau
instruction: Meiden Sie die Ufer und überflutete Straßen.
expires: 3h
---
Das Hochwasser steigt weiter. Keller können ab {time} überflutet werden. { details }
"""
HSB = """---
title: "Strach: Wulka woda - Seidau"
area: Seidau
instruction: Wobeńdźće brjohi.
---
Wulka woda dale stupa.
"""


def test_a_placeholder_left_in_a_warning_file_blocks_it(
        isolated: Path, make_config: MakeConfig) -> None:
    make_config(alerts={**CAP_ISSUER, "sender_name": "Stadt Bautzen"}, channels={"outbox": OUTBOX})
    write(isolated / "flut.md", DE)
    write(isolated / "flut.hsb.md", HSB)
    run = cli("warn", "flut.md", "--yes", "--output", "json")
    assert run.code == 3, run.stdout + run.stderr
    found = [f for f in json.loads(run.stdout)["result"]["findings"] if f["code"] == "CC410"]
    assert [(f["severity"], f["message"]) for f in found] == [
        ("error", "de: the headline still has the placeholder {area}"),
        ("error", "de: the description still has the placeholder {time}, { details }"),
    ]
    assert "--template" in found[0]["hint"]
    assert not (isolated / "citychan-out" / "outbox").exists()

    checked = cli("check", "flut.md", "--output", "json")
    assert checked.code == 3
    codes = [f["code"] for f in json.loads(checked.stdout)["result"]["files"][0]["findings"]]
    assert codes.count("CC410") == 2

    write(isolated / "flut.md", DE.replace("{area}", "Seidau").replace("{time}", "15 Uhr")
          .replace("{ details }", ""))
    assert cli("warn", "flut.md", "--yes").code == 0
