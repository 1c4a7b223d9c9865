"""One post with the PostgreSQL store against the same post with the SQLite store,
alternating in the same run. The target (PostgreSQL <= 1.2x SQLite) is for the whole
`citychan post` process, as a person runs it: it pays for importing psycopg and for the
first connection. Printed beside it, for information:

- one post in a running citychan process (one worker per store, as tests/support/workers.py
  runs commands): what the store itself costs a post (migrations checked, the claim and the
  outcome written, the connection kept open);
- what importing psycopg costs a process that has citychan's own modules loaded already.

The server is a real PostgreSQL started for the run from Debian's server binaries, on
loopback, as the tests start it (tests/support/postgres.py), with password authentication
as a city server has. The post goes to one loopback webhook that answers at once, so the
store's share of the post is what is measured. Without the binaries or psycopg the
benchmark says so and is skipped.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from _timing import medians, verdict

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.postgres import PASSWORD, PASSWORD_ENV, start_postgres, why_not  # noqa: E402
from tests.support.workers import Workers  # noqa: E402

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
            warm = in_process(Path(tmp), runs)
            psycopg = statistics.median(
                float(subprocess.run([sys.executable, "-c", _IMPORT], check=True, text=True,
                                     capture_output=True).stdout) for _ in range(runs // 2))
    finally:
        postgres.stop()
        server.shutdown()
        server.server_close()
    for label, t in (("whole `citychan post` process", times), ("in a running process", warm)):
        print(f"one post, {label}: SQLite {t['sqlite'] * 1000:.1f} ms, "
              f"PostgreSQL {t['postgresql'] * 1000:.1f} ms, "
              f"{t['postgresql'] / t['sqlite']:.2f}x (medians of {runs})")
    print(f"importing psycopg, citychan's modules loaded: {psycopg * 1000:.1f} ms (median)")
    verdict("post with the PostgreSQL store / with SQLite, whole process",
            times["postgresql"] / times["sqlite"], TARGET, "x")


def in_process(tmp: Path, runs: int) -> dict[str, float]:
    """Median time of one post per store, each in its own running worker, alternating."""
    samples: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
    with Workers(1, tmp) as sqlite, Workers(1, tmp) as postgresql:
        workers = {"sqlite": sqlite, "postgresql": postgresql}
        for n in range(runs + 2):
            for name, worker in workers.items():
                start = time.perf_counter()
                (done,) = worker.run([["post", "n.md", "--yes", "--force", "--config",
                                       f"{name}.toml"]])
                if done.code != 0:
                    raise SystemExit(f"{name}: post failed ({done.code}): {done.stderr}")
                if n >= 2:  # the first two warm the imports and the connection
                    samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(s) for name, s in samples.items()}


if __name__ == "__main__":
    main()
