"""Two promises the docs make that only a real process can prove: a run killed with
kill -9 in the middle of its fan-out leaves its deliveries recorded as `pending` and nothing is
sent twice by the next run; and no request ever follows a redirect, so a token never reaches
a host it was not configured for."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.config import OUTBOX, MakeConfig
from tests.support.e2e import deliveries
from tests.support.fault_server import FaultServer, Ok, Silent, Status
from tests.support.files import NOTICE, write

pytestmark = pytest.mark.integration  # starts real servers on loopback

TOKEN = "ntfy-token-0815-geheim"


def citychan(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "citychan", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NTFY_TOKEN": TOKEN, "PYTHONIOENCODING": "utf-8"})


def ntfy(url: str) -> dict[str, object]:
    return {"type": "ntfy", "base_url": url, "topic": "bautzen", "token_env": "NTFY_TOKEN"}


def test_kill_9_mid_fan_out_leaves_pending_and_the_next_run_sends_nothing_twice(
        isolated: Path, make_config: MakeConfig) -> None:
    with FaultServer([Silent()]) as server:
        make_config(channels={"outbox": OUTBOX, "ntfy": ntfy(server.url)})
        write(isolated / "n.md", NOTICE)
        proc = subprocess.Popen([sys.executable, "-m", "citychan", "post", "n.md", "--yes"],
                                cwd=isolated, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL,
                                env={**os.environ, "NTFY_TOKEN": TOKEN})
        deadline = time.monotonic() + 30
        while not server.requests and time.monotonic() < deadline:
            time.sleep(0.05)  # the post has reached ntfy, which never answers
        assert server.requests, "the post never reached the server"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)

        stored = deliveries(isolated / "citychan-out" / "citychan.db")
        assert [row[0] for row in stored["ntfy"]] == ["pending"]  # recorded before sending

        again = citychan(isolated, "post", "n.md", "--yes")
        assert again.returncode == 4, again.stdout + again.stderr  # an open outcome, said so
        assert len(server.requests) == 1  # the dead run's post is never sent again blindly
        assert [row[0] for row in deliveries(isolated / "citychan-out" / "citychan.db")["ntfy"]
                ] == ["pending"]

        listed = citychan(isolated, "retry", "--list", "--output", "json")
        assert listed.returncode == 4
        assert '"ntfy"' in listed.stdout and '"pending"' in listed.stdout
        assert len(server.requests) == 1


def test_a_redirect_is_never_followed_so_the_token_stays_with_its_host(
        isolated: Path, make_config: MakeConfig) -> None:
    with FaultServer([Ok({"id": "elsewhere"})] * 3) as elsewhere, \
            FaultServer([Status(307, {"error": "moved"},
                                {"Location": elsewhere.url + "/bautzen"})] * 3) as server:
        make_config(channels={"ntfy": ntfy(server.url)})
        write(isolated / "n.md", NOTICE)
        run = citychan(isolated, "post", "n.md", "--yes", "--output", "json")
        assert run.returncode == 4, run.stdout + run.stderr
        assert server.requests and elsewhere.requests == []  # nothing went to the new host
        assert TOKEN not in run.stdout + run.stderr
        assert [row[0] for row in deliveries(isolated / "citychan-out" / "citychan.db")["ntfy"]
                ] != ["sent"]
