"""Every finding code the library can raise has a stable name: tools match on codes and
people read names (CC410 once showed an empty name in text and JSON)."""

from __future__ import annotations

import re
from pathlib import Path

from citychan.findings import CODES

SRC = Path(__file__).resolve().parents[2] / "src" / "citychan"


def test_every_code_raised_in_the_library_has_a_name() -> None:
    raised = {code for path in SRC.rglob("*.py") if path.name != "findings.py"
              for code in re.findall(r"[\"'](CC\d{3})[\"']", path.read_text())}
    assert raised, "the scan found no codes at all"
    assert sorted(raised - set(CODES)) == []
    assert all(CODES[code] for code in raised)
