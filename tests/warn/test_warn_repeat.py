"""An update whose text is unchanged is still a new CAP message: it is sent, never skipped as
"already sent" (the content hash includes the CAP identifier and message type)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import cli
from tests.support.config import CAP_ISSUER, OUTBOX, MakeConfig


def test_an_unchanged_update_right_after_the_alert_is_sent(
        isolated: Path, clock, make_config: MakeConfig) -> None:
    make_config(alerts=CAP_ISSUER, channels={"outbox": OUTBOX})
    clock.set(3, 0)
    first = cli("warn", "--template", "stromausfall", "--level", "low", "--area", "Gesundbrunnen",
                "--yes", "--output", "json")
    assert first.code == 0, first.stdout + first.stderr
    incident = json.loads(first.stdout)["result"]["incident"]
    clock.set(3, 0)  # the same second again
    # unchanged: a deliberate repeat (without --repeat it is refused: test_incidents_update)
    again = cli("warn", "update", incident, "--repeat", "--yes", "--output", "json")
    assert again.code == 0, again.stdout + again.stderr
    result = json.loads(again.stdout)["result"]
    assert [r["status"] for r in result["results"]] == ["sent"]
    assert result["msg_type"] == "Update"
    assert len(list((isolated / "citychan-out" / "outbox").glob("*.txt"))) == 2
