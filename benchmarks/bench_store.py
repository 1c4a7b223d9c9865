"""One post with the PostgreSQL store against the same post with the SQLite store, whole
process, alternating in the same run (target: PostgreSQL <= 1.2x SQLite).

The server is a real PostgreSQL started for the run from Debian's server binaries, on
loopback, as the tests start it (tests/support/postgres.py), with password authentication
as a city server has. The post goes to one loopback webhook that answers at once, so the
store's share of the post is what is measured. Without the binaries or psycopg the
benchmark says so and is skipped.
"""

from __future__ import annotations

import os
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


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
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
    finally:
        postgres.stop()
        server.shutdown()
        server.server_close()
    print(f"one post, whole process (median of {runs}): SQLite {times['sqlite'] * 1000:.0f} ms, "
          f"PostgreSQL {times['postgresql'] * 1000:.0f} ms")
    verdict("post with the PostgreSQL store / with SQLite", times["postgresql"] / times["sqlite"],
            TARGET, "x")


if __name__ == "__main__":
    main()
