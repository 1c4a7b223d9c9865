"""The retry budget is a promise to the duty officer: `post` ends in bounded time even when a
server answers one byte at a time, which no per-read timeout ever trips. The channel that
hangs becomes `unknown` (the post may still arrive); the others are delivered and recorded."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.support.config import OUTBOX, MakeConfig, Table
from tests.support.e2e import deliveries
from tests.support.files import NOTICE, write
from tests.support.integration import require_marker

pytestmark = pytest.mark.integration  # starts real servers on loopback


def outbox_and_ntfy(ntfy_url: str) -> dict[str, Table]:
    return {"outbox": OUTBOX, "ntfy": {"type": "ntfy", "base_url": ntfy_url, "topic": "bautzen"}}


class DripServer:
    """Reads a request, then sends an HTTP answer one byte every 0.2 s, forever."""

    def __init__(self) -> None:
        require_marker("DripServer")
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        conn.recv(65536)
        try:
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100000:
                if self.stop.is_set():
                    break
                conn.send(bytes([byte]))
                time.sleep(0.2)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


def test_a_byte_at_a_time_server_cannot_hold_the_post_past_its_limit(
        isolated: Path, make_config: MakeConfig) -> None:
    drip = DripServer()
    try:
        make_config(publish={"max_total_seconds": 1, "timeout": 1},
                    channels=outbox_and_ntfy(f"http://127.0.0.1:{drip.port}"))
        write(isolated / "n.md", NOTICE)
        proc = subprocess.run([sys.executable, "-m", "citychan", "post", "n.md", "--yes",
                               "--output", "json"], cwd=isolated, capture_output=True, text=True,
                              timeout=60, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    finally:
        drip.close()
    assert proc.returncode == 4, proc.stdout + proc.stderr
    by = {r["channel"]: r for r in json.loads(proc.stdout)["result"]["results"]}
    assert by["outbox"]["status"] == "sent"
    assert by["ntfy"]["status"] == "unknown" and "may still arrive" in by["ntfy"]["error"]
    assert "Traceback" not in proc.stderr
    stored = deliveries(isolated / "citychan-out" / "citychan.db")
    assert [row[0] for row in stored["ntfy"]] == ["unknown"]
    assert [row[0] for row in stored["outbox"]] == ["sent"]


def test_ctrl_c_during_the_fan_out_records_what_went_out_and_nothing_is_resent(
        isolated: Path, make_config: MakeConfig) -> None:
    """Interrupted while ntfy is still answering: the post arrives, so it must be recorded as
    sent; a later `retry --yes` then has nothing to resend (a second post otherwise)."""
    import signal

    from tests.support.fault_server import FaultServer, Ok, Slow

    with FaultServer([Slow(2.0, Ok({"id": "ntfy123", "event": "message"}))]) as ntfy:
        make_config(channels=outbox_and_ntfy(ntfy.url))
        write(isolated / "n.md", NOTICE)
        proc = subprocess.Popen([sys.executable, "-m", "citychan", "post", "n.md", "--yes"],
                                cwd=isolated, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
        deadline = time.monotonic() + 30
        while not ntfy.requests and time.monotonic() < deadline:
            time.sleep(0.05)  # the post is on its way to the server
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, out + err
        assert "Traceback" not in err
        stored = deliveries(isolated / "citychan-out" / "citychan.db")
        assert [row[:2] for row in stored["ntfy"]] == [("sent", "ntfy123")], out + err
        retry = subprocess.run([sys.executable, "-m", "citychan", "retry", "--yes"],
                               cwd=isolated, capture_output=True, text=True, timeout=60)
        assert retry.returncode == 0 and len(ntfy.requests) == 1
