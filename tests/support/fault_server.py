"""A loopback HTTP server that answers from a script, for retry, timeout and idempotency tests.

Each request takes the next step of the script: an ok JSON answer, an error status, a 429
with Retry-After, a slow answer, a dropped connection, or an empty 2xx. Every request is
recorded (method, path, headers, body) so a test can prove how many actually arrived.

    with FaultServer([Status(500), Ok({"id": "1"})]) as server:
        post(server.url + "/api/v1/statuses")
        assert len(server.requests) == 2
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.integration import require_marker


@dataclass(frozen=True)
class Ok:
    """Answer ``status`` with a JSON body."""

    body: Any = field(default_factory=dict)
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Status:
    """Answer an error status with an optional JSON body and headers (e.g. Retry-After)."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def rate_limited(retry_after: str = "1", body: Any = None) -> Status:
    """A 429 carrying ``Retry-After``."""
    return Status(429, body or {"error": "Too many requests"}, {"Retry-After": retry_after})


@dataclass(frozen=True)
class Slow:
    """Wait ``delay`` seconds before answering (beyond the client's timeout)."""

    delay: float
    then: Ok | Status = field(default_factory=Ok)


@dataclass(frozen=True)
class Drop:
    """Read the whole request, then close the connection without any answer."""


@dataclass(frozen=True)
class Empty:
    """A 2xx with an empty body (what a confused gateway sends)."""

    status: int = 200


Step = Ok | Status | Slow | Drop | Empty


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        step = self.server.fault.record(
            Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        )
        if isinstance(step, Drop):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if isinstance(step, Slow):
            time.sleep(step.delay)
            step = step.then
        if isinstance(step, Empty):
            self._answer(step.status, b"", {})
            return
        payload = b"" if step.body is None else json.dumps(step.body).encode()
        self._answer(step.status, payload, step.headers)

    def _answer(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            pass  # the client gave up (timeout) before the slow answer came

    do_GET = do_POST = do_PUT = do_DELETE = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fault: FaultServer


class FaultServer:
    """The scripted server on 127.0.0.1; port 0 picks a free port unless one is given."""

    def __init__(self, script: list[Step] | None = None, port: int = 0) -> None:
        require_marker(type(self).__name__)
        self.script = list(script or [])
        self.requests: list[Received] = []
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.fault = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def record(self, received: Received) -> Step:
        """Store a request and return the step that answers it (500 once the script is over)."""
        with self._lock:
            self.requests.append(received)
            if self.script:
                return self.script.pop(0)
        return Status(500, {"error": "fault server: script exhausted"})

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def closed_port() -> int:
    """A loopback port nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
