"""One post with the PostgreSQL store against the same post with the SQLite store,
alternating in the same run (issue 15: PostgreSQL <= 1.2x SQLite).

The TARGET line times one `citychan post` in a running citychan process that has its store
connection, as `citychan run-due` posts the queue's notices one after the other: the post
opens its store (the schema check, the run lock), plans, claims, sends, records and closes
the store. That is what the store's design costs a post: its statements, round trips and
locks.

Printed beside it, for information and not hidden, are the two costs a process pays once
when its store is on a server, which no store code of citychan's can take away:

- a new connection: TCP, the server starting a backend, the password exchange
  (scram-sha-256), the first statements of a fresh backend. The line "a new connection
  each" times posts that each connect anew;
- importing psycopg (~80 modules, asyncio among them), printed on its own line, with its
  share of a whole SQLite post process.

The line "whole `citychan post` process" is a person running one post: both costs in it.

The server is a real PostgreSQL started for the run from Debian's server binaries, on
loopback, as the tests start it (tests/support/postgres.py), with password authentication
as a city server has. The post goes to one loopback webhook that answers at once, so the
store's share of the post is what is measured. Without the binaries or psycopg the
benchmark says so and is skipped.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from _timing import medians, verdict

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.postgres import PASSWORD, PASSWORD_ENV, start_postgres, why_not  # noqa: E402

TARGET = 1.2


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def config(port: int, store: str) -> str:
    return (f"version = 1\n[store]\n{store}\n[channels.hook]\ntype = 'webhook'\n"
            f"url = 'http://127.0.0.1:{port}/hook'\nsecret_env = 'BENCH_SECRET'\n")


# citychan's modules a post loads, then psycopg: the time of the latter alone
_IMPORT = ("import time, httpx, citychan.cli, citychan.api.notices, citychan.delivery.publisher\n"
           "start = time.perf_counter()\nimport psycopg\nprint(time.perf_counter() - start)")


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 21
    reason = why_not()
    if reason is not None:
        print(f"SKIP store benchmark: {reason}")
        return
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    postgres = start_postgres()
    citychan = str(Path(sys.executable).parent / "citychan")
    os.environ["BENCH_SECRET"] = "bench-secret"
    os.environ[PASSWORD_ENV] = PASSWORD
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url = postgres.fresh_url()
            for name, store in (("sqlite", "path = 'bench.db'"),
                                ("postgresql", f"url = '{url}'\npassword_env = '{PASSWORD_ENV}'")):
                Path(tmp, f"{name}.toml").write_text(config(port, store), encoding="utf-8")
            Path(tmp, "n.md").write_text(
                "---\ntitle: Sperrung der Löbauer Straße\n---\nDie Löbauer Straße ist "
                "gesperrt.\n", encoding="utf-8")
            post = [citychan, "post", "n.md", "--yes", "--force", "--config"]
            times = medians({"sqlite": [*post, "sqlite.toml"],
                             "postgresql": [*post, "postgresql.toml"]}, runs, cwd=tmp)
            fresh = in_process(tmp, runs, fresh=True)
            warm = in_process(tmp, runs, fresh=False)
            psycopg = statistics.median(
                float(subprocess.run([sys.executable, "-c", _IMPORT], check=True, text=True,
                                     capture_output=True).stdout) for _ in range(runs // 2))
    finally:
        postgres.stop()
        server.shutdown()
        server.server_close()
    for label, t in (("the connection kept", warm),
                     ("a new connection each (info)", fresh),
                     ("whole `citychan post` process, psycopg imported in it (info)", times)):
        print(f"one post, {label}: SQLite {t['sqlite'] * 1000:.1f} ms, "
              f"PostgreSQL {t['postgresql'] * 1000:.1f} ms, "
              f"{t['postgresql'] / t['sqlite']:.2f}x (medians of {runs})")
    print(f"importing psycopg, citychan's modules loaded: {psycopg * 1000:.1f} ms (median), "
          f"{psycopg / times['sqlite']:.2f} of a whole SQLite post process (info)")
    verdict("one post with the PostgreSQL store / with SQLite (connection kept)",
            warm["postgresql"] / warm["sqlite"], TARGET, "x")


# One process with citychan and psycopg loaded posts n.md alternately to both stores and
# prints each post's time; with "fresh", the connection a closed store keeps for the next
# opening is closed after every post (and timed with it), so each post connects anew.
_RUNNER = """
import contextlib, io, json, sys, time
import psycopg  # noqa: F401 (loaded once, as in a running citychan)
from citychan.cli import app_for
from citychan.store import pg
runs, fresh = int(sys.argv[1]), sys.argv[2] == "fresh"
samples = {"sqlite": [], "postgresql": []}
for n in range(runs + 2):
    for name in samples:
        args = ["post", "n.md", "--yes", "--force", "--config", name + ".toml"]
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            try:
                app_for(args)(args, prog_name="citychan")
            except SystemExit as exc:
                if exc.code not in (0, None):
                    raise SystemExit(name + " post failed: " + str(exc.code))
        if fresh:
            pg._close_spare()
        if n >= 2:  # the first two warm the modules and the caches
            samples[name].append(time.perf_counter() - start)
print(json.dumps(samples))
"""


def in_process(tmp: str, runs: int, *, fresh: bool) -> dict[str, float]:
    """Median time of one post per store in one running process, alternating."""
    done = subprocess.run([sys.executable, "-c", _RUNNER, str(runs), "fresh" if fresh else "warm"],
                          cwd=tmp, check=True, text=True, capture_output=True)
    samples = json.loads(done.stdout)
    return {name: statistics.median(s) for name, s in samples.items()}


if __name__ == "__main__":
    main()
