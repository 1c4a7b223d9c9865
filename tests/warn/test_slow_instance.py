"""No channel waits on another: a Mastodon whose every answer drips a byte at a time (its
`/api/v2/instance` included) delays only its own delivery. Before, the plan read the
instance's limit and a warning went nowhere for 150 s; now the others have it in their
normal time, Mastodon ends `unknown` within the hard limit, and the limit is never asked
for while planning."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.config import ALERTS_TABLE, OUTBOX, MakeConfig
from tests.support.e2e import ApiServer, deliveries, ntfy_sent
from tests.support.fault_server import Drip, Empty, Received, Step

pytestmark = pytest.mark.integration  # starts real servers on loopback

BUDGET, TIMEOUT = 1.0, 1.0
HARD_LIMIT = 2 * BUDGET + TIMEOUT + min(40.0, 4 * BUDGET)  # as delivery.publisher_for
NORMAL = 4.0  # start-up and one loopback request, on a slow CI machine


class Timed(ApiServer):
    """An ApiServer that notes when each request arrived (time.monotonic())."""

    def __init__(self, default: Step) -> None:
        super().__init__(default=default)
        self.arrived: list[float] = []

    def record(self, received: Received) -> Step:
        self.arrived.append(time.monotonic())
        return super().record(received)


def test_a_dripping_mastodon_holds_no_other_channel_back(
        isolated: Path, make_config: MakeConfig) -> None:
    with Timed(Drip(interval=TIMEOUT / 5)) as masto, Timed(ntfy_sent()) as ntfy, \
            Timed(Empty(204)) as hook:
        make_config(alerts=ALERTS_TABLE, publish={"max_total_seconds": BUDGET, "timeout": TIMEOUT},
                    channels={
                        "outbox": OUTBOX,
                        "ntfy": {"type": "ntfy", "base_url": ntfy.url, "topic": "bautzen"},
                        "hook": {"type": "webhook", "url": hook.url + "/hook",
                                 "secret_env": "HOOK_SECRET"},
                        "masto": {"type": "mastodon", "base_url": masto.url,
                                  "token_env": "MASTO_TOKEN"}})
        start = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "citychan", "warn", "--template", "hochwasser", "--level",
             "high", "--area", "Spreeufer", "--yes", "--output", "json"],
            cwd=isolated, capture_output=True, text=True, timeout=120,
            env={**os.environ, "MASTO_TOKEN": "masto-secret", "HOOK_SECRET": "hook-secret",
                 "PYTHONIOENCODING": "utf-8"})
        took = time.monotonic() - start
        reached = {name: server.arrived[0] - start if server.arrived else None
                   for name, server in (("ntfy", ntfy), ("hook", hook), ("masto", masto))}
        masto_paths = [r.path for r in masto.requests]

    assert proc.returncode == 4, proc.stdout + proc.stderr
    results = {r["channel"]: r for r in json.loads(proc.stdout)["result"]["results"]}
    assert {n: r["status"] for n, r in results.items()} == {
        "outbox": "sent", "ntfy": "sent", "hook": "sent", "masto": "unknown"}
    assert "may still arrive" in results["masto"]["error"]
    assert reached["ntfy"] is not None and reached["ntfy"] < NORMAL, reached
    assert reached["hook"] is not None and reached["hook"] < NORMAL, reached
    # the limit was asked for only while sending: right before the status, given up in time
    assert masto_paths[:2] == ["/api/v2/instance", "/api/v1/statuses"]
    assert took < HARD_LIMIT + NORMAL
    stored = deliveries(isolated / "citychan-out" / "citychan.db")
    assert {n: [row[0] for row in rows] for n, rows in stored.items()} == {
        "outbox": ["sent"], "ntfy": ["sent"], "hook": ["sent"], "masto": ["unknown"]}
