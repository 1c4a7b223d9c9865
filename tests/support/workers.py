"""Real citychan processes for concurrency tests, and a loopback server that counts what
reaches it.

Each worker is one Python process that runs citychan commands, one for every line it reads
(``python -m tests.support.workers``), exactly as the ``citychan`` command runs them. The
test hands every worker its command at the same moment and waits for all the answers, as
many rounds as it likes, without paying for a new interpreter each round:

    with Workers(3, cwd=isolated) as workers:
        runs = workers.run([["post", "n.md", "--yes", "--output", "json"]] * 3)

``now`` sets the clock of the workers (ISO time) for that round: three warnings "in the same
second" are then in the same second whatever the machine's load.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

from tests.support.files import REPO
from tests.support.integration import require_marker


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


class Workers:
    """``n`` worker processes in ``cwd`` with the test's environment (plus ``env``)."""

    def __init__(self, n: int, cwd: Path, env: dict[str, str] | None = None) -> None:
        environ = {**os.environ, **(env or {}), "PYTHONIOENCODING": "utf-8",
                   "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
        self._procs = [
            subprocess.Popen([sys.executable, "-m", "tests.support.workers"], cwd=cwd,
                             env=environ, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True, encoding="utf-8")
            for _ in range(n)
        ]

    def run(self, commands: list[list[str]], now: str | None = None) -> list[Outcome]:
        """Command i to worker i, all sent before any answer is read; the answers in order."""
        assert len(commands) <= len(self._procs)
        lines = [json.dumps({"args": args, "now": now}) + "\n" for args in commands]
        for proc, line in zip(self._procs, lines, strict=False):
            assert proc.stdin is not None
            proc.stdin.write(line)
        for proc in self._procs[:len(lines)]:
            assert proc.stdin is not None
            proc.stdin.flush()
        out = []
        for proc in self._procs[:len(lines)]:
            assert proc.stdout is not None
            answer = proc.stdout.readline()
            assert answer, f"worker {proc.pid} ended (exit {proc.wait()})"
            out.append(Outcome(**json.loads(answer)))
        return out

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        for proc in self._procs:
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.close()
        for proc in self._procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            assert proc.stdout is not None
            proc.stdout.close()


def _serve(stdin: IO[str], stdout: IO[str]) -> None:
    """The worker: one command per line, one JSON answer per line."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from citychan import clock
    from citychan.cli import app_for

    real_now = clock.now
    for line in stdin:
        order = json.loads(line)
        if order["now"]:
            fixed = datetime.fromisoformat(order["now"])
            clock.now = lambda tz, fixed=fixed: fixed.astimezone(ZoneInfo(tz))
        else:
            clock.now = real_now
        out, err = io.StringIO(), io.StringIO()
        code = 0
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                app_for(order["args"])(order["args"], prog_name="citychan")
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        stdout.write(json.dumps({"code": code, "stdout": out.getvalue(),
                                 "stderr": err.getvalue()}) + "\n")
        stdout.flush()


# --- a server that counts ----------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    path: str
    key: str


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        counter = self.server.counter
        with counter.lock:
            counter.hits.append(Hit(self.path, self.headers.get("Idempotency-Key", "")))
            status = counter.status
            n = len(counter.hits)
        body = json.dumps({"id": f"r{n}"} if status < 300 else {"error": "down"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    counter: CountingServer


class CountingServer:
    """Answers every POST at once with ``status`` (200 with an id, or an error) and records
    its path and Idempotency-Key: a test counts exactly what arrived where."""

    def __init__(self) -> None:
        require_marker(type(self).__name__)
        self.hits: list[Hit] = []
        self.status = 200
        self.lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.counter = self
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def count(self) -> dict[str, int]:
        """Requests so far, by path."""
        with self.lock:
            out: dict[str, int] = {}
            for hit in self.hits:
                out[hit.path] = out.get(hit.path, 0) + 1
            return out

    def __enter__(self) -> CountingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


if __name__ == "__main__":
    _serve(sys.stdin, sys.stdout)
