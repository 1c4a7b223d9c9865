"""On a real terminal (a pty): the confirmation prompt stays readable until it is answered,
and Ctrl-C at the prompt ends with exit 130 and nothing sent."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.cli import store_rows

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")


class Terminal:
    def __init__(self, args: list[str], cwd: Path) -> None:
        master, slave = pty.openpty()
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
        self.proc = subprocess.Popen([sys.executable, "-m", "citychan", *args], cwd=cwd,
                                     stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True)
        os.close(slave)
        self.fd, self.screen = master, b""

    def read(self, seconds: float) -> bytes:
        got, end = b"", time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if select.select([self.fd], [], [], left)[0]:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                got += chunk
        self.screen += got
        return got

    def wait_for(self, text: bytes, seconds: float = 30) -> None:
        end = time.monotonic() + seconds
        while text not in self.screen and time.monotonic() < end:
            self.read(0.2)
        assert text in self.screen, self.screen.decode(errors="replace")[-2000:]

    def finish(self) -> int:
        self.read(1.0)
        code = self.proc.wait(timeout=60)
        self.read(0.2)
        os.close(self.fd)
        return code


def test_the_post_prompt_is_not_redrawn_over(notice: Path, isolated: Path) -> None:
    term = Terminal(["post", "notice.md"], isolated)
    term.wait_for(b"Post now?")
    after = term.read(0.8)  # a live display would redraw (ESC[2K) several times by now
    assert b"\x1b[2K" not in after and b"\r" not in after.replace(b"\r\n", b"")
    os.write(term.fd, b"n\r")
    assert term.finish() == 2
    assert b"nothing was sent" in term.screen
    assert store_rows(isolated / "citychan-out" / "citychan.db") == []


def test_ctrl_c_at_the_prompt_is_exit_130_without_a_traceback(notice: Path, isolated: Path) -> None:
    term = Terminal(["post", "notice.md"], isolated)
    term.wait_for(b"Post now?")
    os.killpg(term.proc.pid, signal.SIGINT)
    assert term.finish() == 130
    assert b"Traceback" not in term.screen and b"internal error" not in term.screen
    assert store_rows(isolated / "citychan-out" / "citychan.db") == []


def test_the_warning_prompt_stays_readable(isolated: Path) -> None:
    term = Terminal(["warn", "--template", "hochwasser", "--level", "high", "--area",
                     "Spreeufer zwischen Friedensbrücke und Kronprinzenbrücke"], isolated)
    term.wait_for(b"Hochwasser")
    term.wait_for(b":", 5)
    after = term.read(0.8)
    assert b"\x1b[2K" not in after
    os.write(term.fd, b"nein\r")
    assert term.finish() == 2


def test_escape_sequences_in_the_store_do_not_reach_a_real_terminal(isolated: Path) -> None:
    """On a terminal rich draws colours and tables; a title, an error or a URL an older
    citychan stored with escape sequences is still only shown (issue 9: `log`)."""
    import sqlite3
    from contextlib import closing

    from tests.support.files import write

    write(isolated / "markt.md", "---\ntitle: Wochenmarkt\n---\nHeute Markt.\n")
    post = Terminal(["post", "markt.md", "--yes"], isolated)
    assert post.finish() == 0
    hostile = "Markt \x1b]0;pwned\x07\x1b[2J\x9b31m\u202eevil"
    with closing(sqlite3.connect(isolated / "citychan-out" / "citychan.db")) as con, con:
        con.execute("UPDATE messages SET title = ?", (hostile,))
        con.execute("UPDATE deliveries SET status = 'unknown', error = ?", (hostile,))
    for args in (["log"], ["retry", "--list"]):
        term = Terminal(args, isolated)
        term.finish()
        screen = term.screen
        assert b"\x1b]0;pwned" not in screen and b"\x07" not in screen, screen
        assert "\x9b".encode() not in screen and "\u202e".encode() not in screen, screen
        assert b"\x1b[2J" not in screen and b"pwned" in screen  # shown, not obeyed


def test_the_progress_display_starts_once_when_eight_senders_report_at_once() -> None:
    import threading

    from citychan.cli import views

    progress = views.Progress()
    started: list[object] = []
    barrier = threading.Barrier(8)

    def report(i: int) -> None:
        barrier.wait()
        progress.event(f"c{i}", "sending", "attempt 1")
        started.append(progress._live)

    with progress:
        threads = [threading.Thread(target=report, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len({id(live) for live in started}) == 1
