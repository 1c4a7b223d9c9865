"""A loopback HTTP server that answers from a script, for retry, timeout and idempotency tests.

Each request takes the next step of the script: an ok JSON answer, an error status, a 429
with Retry-After, a slow answer, a dropped connection, or an empty 2xx; and the hostile ones:
no answer at all, an answer dripping a byte at a time, a garbage body, a 100 MB body, an
answer that breaks off mid-body. Every request is
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


@dataclass(frozen=True)
class Silent:
    """Read the request, then say nothing: the connection stays open until the client gives
    up (or the server stops)."""


@dataclass(frozen=True)
class Drip:
    """The whole answer, status line first, one byte every ``interval`` seconds: it never
    trips a per-read timeout longer than ``interval``. Goes on until the client goes away."""

    interval: float = 1.0
    then: Ok | Status = field(default_factory=Ok)


@dataclass(frozen=True)
class Garbage:
    """A 2xx whose body, announced as JSON, is bytes that are no JSON and no UTF-8."""

    status: int = 200
    size: int = 4096


@dataclass(frozen=True)
class Huge:
    """A 2xx announcing and sending ``size`` bytes of a JSON-looking body (100 MB by
    default), in 64 KiB writes, for as long as the client reads."""

    size: int = 100 * 1024 * 1024
    status: int = 200


@dataclass(frozen=True)
class Cut:
    """Status and headers promising ``promised`` bytes, ``sent`` of them, then the
    connection closes: the answer breaks off mid-body."""

    status: int = 200
    promised: int = 1000
    sent: int = 10


Step = Ok | Status | Slow | Drop | Empty | Silent | Drip | Garbage | Huge | Cut


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
        if isinstance(step, Silent | Drip | Garbage | Huge | Cut):
            self.close_connection = True
            try:
                self._fault(step)
            except OSError:
                pass  # the client went away: what it does then is the test's question
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

    def _fault(self, step: Silent | Drip | Garbage | Huge | Cut) -> None:
        stop = self.server.fault.stopping
        if isinstance(step, Silent):
            self.connection.settimeout(0.05)
            while not stop.is_set():
                try:
                    if not self.connection.recv(1):
                        return  # the client closed the connection
                except TimeoutError:
                    continue
            return
        if isinstance(step, Drip):
            body = b"" if step.then.body is None else json.dumps(step.then.body).encode()
            for byte in _head(step.then.status, len(body)) + body:
                if stop.wait(step.interval):
                    return
                self.wfile.write(bytes([byte]))
            return
        if isinstance(step, Garbage):
            junk = bytes((i * 151 + 0x80) % 256 | 0x80 for i in range(step.size))
            self.wfile.write(_head(step.status, len(junk)) + junk)
            return
        if isinstance(step, Huge):
            self.wfile.write(_head(step.status, step.size))
            chunk = b'{"id": "' + b"9" * (64 * 1024 - 8)
            left = step.size
            while left > 0 and not stop.is_set():
                self.wfile.write(chunk[:left])
                left -= len(chunk)
            return
        self.wfile.write(_head(step.status, step.promised) + b"x" * step.sent)
        self.connection.shutdown(socket.SHUT_RDWR)

    do_GET = do_POST = do_PUT = do_DELETE = _handle


def _head(status: int, length: int) -> bytes:
    return (f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\nConnection: close\r\n\r\n").encode()


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
        self.stopping = threading.Event()  # ends the answers that never end by themselves
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
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()


def closed_port() -> int:
    """A loopback port nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
