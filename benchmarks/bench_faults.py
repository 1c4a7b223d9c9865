"""Hostile servers, whole process, against loopback servers.

1. Peak memory (RSS) of one `citychan post` to a webhook whose server answers 100 MB, beside
   the same post to a server answering normally (target: <= 80 MiB whatever the server
   answers). apprise's `json://` post against both servers is measured in the same run as a
   reference (installed only into the benchmark virtualenv that bench_fanout.py uses).
2. A danger warning to 8 loopback webhooks plus one Mastodon whose every answer drips a byte
   at a time, against the same warning without the Mastodon: the time until the 8 webhooks
   have their warning (target: with / without <= 1.5; the Mastodon delays only itself).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from _timing import compile_project, verdict

RSS_TARGET_MIB = 80.0
RATIO_TARGET = 1.5
HUGE = 100 * 1024 * 1024
HOOKS = 8
DRIP_INTERVAL = 0.5  # seconds per byte: faster than the 1 s read timeout, which never trips
ALERTS = """[alerts]
sender = "warnung@bautzen.de"
web = "https://www.bautzen.de/warnungen"
contact = "Bürgertelefon 03591 534-0"
"""


class Handler(BaseHTTPRequestHandler):
    """POST answers `{"id": "1"}`, or at a path ending in "huge" 100 MB; notes when each
    normal answer was done."""

    protocol_version = "HTTP/1.1"
    answered: list[float] = []

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        huge = self.path.endswith("huge")
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(HUGE if huge else 11))
            self.end_headers()
            if not huge:
                self.wfile.write(b'{"id": "1"}')
            else:
                chunk = b"9" * (64 * 1024)
                for _ in range(HUGE // len(chunk)):
                    self.wfile.write(chunk)
        except OSError:
            return  # the client stopped reading: that is the point
        if not huge:
            Handler.answered.append(time.monotonic())

    def log_message(self, *args: object) -> None:
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # 8 connections at once: a backlog of 5 drops some for a second


class DripServer:
    """Reads a request, then answers one byte every DRIP_INTERVAL seconds until the client
    goes away: a Mastodon that holds every request, its /api/v2/instance included."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
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
        with conn:
            try:
                conn.recv(65536)
                for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100000:
                    if self.stop.wait(DRIP_INTERVAL):
                        return
                    conn.sendall(bytes([byte]))
            except OSError:
                pass

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


# Runs a command and writes its peak RSS (ru_maxrss of wait4: that one child) to argv[1]. A
# small process of its own: a child's peak counts the memory of the process it was forked from
# until it execs (this script's, with its servers), which is not the command's.
LAUNCHER = """import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(str(usage.ru_maxrss))
child.returncode = os.waitstatus_to_exitcode(status)
"""


def peak_rss(cmd: Sequence[str], cwd: str, env: dict[str, str]) -> float:
    """MiB: the peak resident memory of the command's process."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as out:
        subprocess.run([sys.executable, "-c", LAUNCHER, out.name, *cmd], cwd=cwd, env=env,
                       check=True)
        scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, else KiB
        return int(Path(out.name).read_text()) * scale / 2**20


def memory(port: int, runs: int) -> dict[str, float]:
    citychan = str(Path(sys.executable).parent / "citychan")
    env = {**os.environ, "BENCH_SECRET": "bench-secret"}
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "n.md").write_text(
            "---\ntitle: Sperrung der Löbauer Straße\n---\nDie Löbauer Straße ist gesperrt.\n",
            encoding="utf-8")
        Path(tmp, "citychan.toml").write_text(
            "version = 1\n"
            f"[channels.normal]\ntype = 'webhook'\nurl = 'http://127.0.0.1:{port}/hook'\n"
            "secret_env = 'BENCH_SECRET'\n"
            f"[channels.huge]\ntype = 'webhook'\nurl = 'http://127.0.0.1:{port}/hook/huge'\n"
            "secret_env = 'BENCH_SECRET'\n", encoding="utf-8")
        post = [citychan, "post", "n.md", "--yes", "--force", "--channel"]
        commands = {"citychan post, normal answer": post + ["normal"],
                    "citychan post, 100 MB answer": post + ["huge"]}
        apprise = _apprise()
        if apprise is not None:
            json_url = f"json://127.0.0.1:{port}/hook"
            commands["apprise json://, normal answer"] = [apprise, "-b", "gesperrt", json_url]
            commands["apprise json://, 100 MB answer"] = [apprise, "-b", "gesperrt",
                                                          json_url + "/huge"]
        for name, cmd in commands.items():
            out[name] = max(peak_rss(cmd, tmp, env) for _ in range(runs))
    return out


def _apprise() -> str | None:
    """apprise from the benchmark virtualenv, installed there if need be; None if it cannot
    be (then no reference figure is printed: it is measured in this run or not at all)."""
    try:
        from bench_fanout import apprise_bin

        return str(apprise_bin())
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"apprise reference skipped: {exc}", file=sys.stderr)
        return None


def warn_config(port: int, masto_port: int | None) -> str:
    text = "version = 1\n[publish]\nmax_total_seconds = 1\ntimeout = 1\n" + ALERTS
    for i in range(HOOKS):
        text += (f"[channels.hook{i}]\ntype = 'webhook'\n"
                 f"url = 'http://127.0.0.1:{port}/warn/{i}'\nsecret_env = 'BENCH_SECRET'\n")
    if masto_port is not None:
        text += (f"[channels.masto]\ntype = 'mastodon'\nbase_url = 'http://127.0.0.1:{masto_port}'"
                 "\ntoken_env = 'BENCH_MASTO'\n")
    return text


def hooks_done(port: int, masto_port: int | None) -> tuple[float, float]:
    """Seconds from the start of one `citychan warn` until the last webhook had its warning,
    and until the process ended."""
    env = {**os.environ, "BENCH_SECRET": "bench-secret", "BENCH_MASTO": "bench-masto"}
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "citychan.toml").write_text(warn_config(port, masto_port), encoding="utf-8")
        Handler.answered.clear()
        start = time.monotonic()
        proc = subprocess.run(
            [str(Path(sys.executable).parent / "citychan"), "warn", "--template", "hochwasser",
             "--level", "high", "--area", "Spreeufer", "--yes"],
            cwd=tmp, env=env, capture_output=True)
        ended = time.monotonic() - start
        if proc.returncode not in (0, 4) or len(Handler.answered) != HOOKS:
            raise SystemExit(f"warn failed ({proc.returncode}, {len(Handler.answered)} of "
                             f"{HOOKS} webhooks): {proc.stdout.decode()[-1500:]}")
        return max(Handler.answered) - start, ended


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    compile_project()
    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    drip = DripServer()
    try:
        rss = memory(port, 3)
        hooks_done(port, None)  # warm the file cache
        plain = [hooks_done(port, None) for _ in range(runs)]
        dripping = [hooks_done(port, drip.port) for _ in range(runs)]
    finally:
        drip.close()
        server.shutdown()
        server.server_close()
    for name, mib in rss.items():
        print(f"{name:34s} {mib:6.1f} MiB peak RSS (max of 3)")
    without = statistics.median(t for t, _ in plain)
    with_masto = statistics.median(t for t, _ in dripping)
    print(f"{HOOKS} webhooks have the warning, no Mastodon       {without * 1000:7.1f} ms "
          f"(median of {runs})")
    print(f"{HOOKS} webhooks have the warning, dripping Mastodon {with_masto * 1000:7.1f} ms "
          f"(median of {runs}; the warn itself ends after "
          f"{statistics.median(e for _, e in dripping):.1f} s, Mastodon `unknown`)")
    verdict("peak RSS of one post, server answering 100 MB (MiB)",
            rss["citychan post, 100 MB answer"], RSS_TARGET_MIB)
    verdict(f"time until {HOOKS} webhooks have a warning, with a dripping Mastodon / without",
            with_masto / without, RATIO_TARGET)


if __name__ == "__main__":
    main()
