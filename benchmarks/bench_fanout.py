"""Fan-out and per-post cost, whole process, against loopback HTTP endpoints.

1. `citychan post` to 8 webhook channels whose server answers after 200 ms each, against the
   same post to one of them (target: 8 channels <= 1.5x one channel).
2. One post to a loopback JSON endpoint by citychan (webhook channel) and by apprise
   (`json://`), whole process, alternating in the same run (target: citychan <= 0.6x
   apprise). apprise is installed only into a benchmark virtualenv under /tmp, never into
   the project.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
import venv
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from _timing import medians, verdict

DELAY = {"value": 0.2}
FANOUT_TARGET = 1.5
POST_TARGET = 0.6
APPRISE_VENV = Path(tempfile.gettempdir()) / "citychan-bench-apprise"


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(DELAY["value"])
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def apprise_bin() -> Path:
    exe = APPRISE_VENV / "bin" / "apprise"
    if not exe.exists():
        print("installing apprise into", APPRISE_VENV, file=sys.stderr)
        venv.create(APPRISE_VENV, with_pip=True)
        subprocess.run(
            [str(APPRISE_VENV / "bin" / "pip"), "install", "--quiet", "apprise"], check=True
        )
    return exe


def config(port: int, n: int) -> str:
    text = "version = 1\n[store]\npath = 'bench.db'\n"
    for i in range(n):
        text += (
            f"[channels.hook{i}]\ntype = 'webhook'\nurl = 'http://127.0.0.1:{port}/hook/{i}'\n"
            "secret_env = 'BENCH_SECRET'\n"
        )
    return text


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 11
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    citychan = str(Path(sys.executable).parent / "citychan")
    os.environ["BENCH_SECRET"] = "bench-secret"
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "citychan.toml").write_text(config(port, 8))
        Path(tmp, "n.md").write_text(
            "---\ntitle: Sperrung der Löbauer Straße\n---\nDie Löbauer Straße ist gesperrt.\n",
            encoding="utf-8",
        )
        post = [citychan, "post", "n.md", "--yes", "--force"]
        DELAY["value"] = 0.2
        fan = medians(
            {"1 channel (200 ms)": post + ["--channel", "hook0"], "8 channels (200 ms each)": post},
            runs,
            cwd=tmp,
        )
        DELAY["value"] = 0.0
        cmp = medians(
            {
                "citychan post (webhook)": post + ["--channel", "hook0"],
                "apprise json://": [
                    str(apprise_bin()),
                    "-t",
                    "Sperrung der Löbauer Straße",
                    "-b",
                    "Die Löbauer Straße ist gesperrt.",
                    f"json://127.0.0.1:{port}/hook/0",
                ],
            },
            runs,
            cwd=tmp,
        )
    server.shutdown()
    for name, t in {**fan, **cmp}.items():
        print(f"{name:28s} {t * 1000:7.1f} ms (median of {runs})")
    r1 = fan["8 channels (200 ms each)"] / fan["1 channel (200 ms)"]
    r2 = cmp["citychan post (webhook)"] / cmp["apprise json://"]
    verdict("fan-out ratio, 8 channels / 1 channel (200 ms each)", r1, FANOUT_TARGET)
    verdict("post ratio, citychan post / apprise json:// (one loopback post)", r2, POST_TARGET)


if __name__ == "__main__":
    main()
