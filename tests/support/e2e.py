"""Shared pieces of the end-to-end tests: a routed fault server (fixed answers for reads such
as Mastodon's ``GET /api/v2/instance``, the script for everything else), the documented API
answers, a bilingual notice, and helpers that read every byte citychan left behind."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

from tests.support.fault_server import FaultServer, Ok, Received, Step
from tests.support.files import write

BARRIER_SECONDS = 3.0


class ApiServer(FaultServer):
    """A FaultServer whose ``fixed`` routes (method, path without query) always give the same
    answer, whose script answers everything else, and whose ``default`` answers once the
    script is used up. With a ``barrier``, every scripted request waits (up to
    ``BARRIER_SECONDS``, less than the client's timeout) until all parties' requests are in
    flight at once: that proves the fan-out is concurrent."""

    def __init__(self, script: list[Step] | None = None, *,
                 fixed: dict[tuple[str, str], Step] | None = None,
                 default: Step | None = None,
                 barrier: threading.Barrier | None = None) -> None:
        super().__init__(script)
        self.fixed = dict(fixed or {})
        self.default = default
        self.barrier = barrier
        self.barrier_broken = False

    def record(self, received: Received) -> Step:
        route = (received.method, received.path.split("?", 1)[0])
        if route in self.fixed:
            with self._lock:
                self.requests.append(received)
            return self.fixed[route]
        if self.default is not None and not self.script:
            with self._lock:
                self.requests.append(received)
            return self.default
        step = super().record(received)
        if self.barrier is not None:
            try:
                self.barrier.wait(timeout=BARRIER_SECONDS)
            except threading.BrokenBarrierError:
                self.barrier_broken = True
        return step

    @property
    def writes(self) -> list[Received]:
        """Every request that could post something (all but GET)."""
        return [r for r in self.requests if r.method != "GET"]


# --- what the real APIs answer ----------------------------------------------------------------

CHANNEL_ID = "120363025246125888@newsletter"
WAHA_ID = f"true_{CHANNEL_ID}_3EB0B430B6F8F1D0E05E"
TELEGRAM_CHAT = "@stadt_bautzen"
TELEGRAM_MESSAGE_ID = 4711
MASTODON_STATUS_ID = "113512345678901234"
NTFY_ID = "sPs71M8A2T"
SIGNAL_TIMESTAMP = "1732800000123"
SIGNAL_NUMBER = "+4935915340"
# one /v2/send takes numbers only or one group (signal-cli-rest-api src/client/client.go SendV2)
SIGNAL_RECIPIENTS = ["+4915112345678", "+4915198765432"]


def waha_sent(text: str = "") -> Ok:
    """WAHA's answer to sendText: the message with its serialized id."""
    return Ok({"id": {"fromMe": True, "remote": CHANNEL_ID, "id": "3EB0B430B6F8F1D0E05E",
                      "_serialized": WAHA_ID}, "body": text, "fromMe": True})


def telegram_sent() -> Ok:
    return Ok({"ok": True, "result": {"message_id": TELEGRAM_MESSAGE_ID, "date": 1732800000,
                                      "chat": {"id": -1001234567890, "type": "channel",
                                               "username": TELEGRAM_CHAT[1:]}}})


def mastodon_instance(max_characters: int = 5000) -> Ok:
    return Ok({"domain": "social.bautzen.de", "version": "4.3.1",
               "configuration": {"statuses": {"max_characters": max_characters,
                                              "characters_reserved_per_url": 23}}})


def mastodon_status() -> Ok:
    return Ok({"id": MASTODON_STATUS_ID, "visibility": "public", "language": "de",
               "uri": f"https://social.bautzen.de/users/stadt/statuses/{MASTODON_STATUS_ID}",
               "url": f"https://social.bautzen.de/@stadt/{MASTODON_STATUS_ID}",
               "created_at": "2026-11-28T10:00:00.000Z", "content": "<p>…</p>"})


def ntfy_sent() -> Ok:
    return Ok({"id": NTFY_ID, "time": 1732800000, "event": "message", "topic": "bautzen"})


def signal_sent() -> Ok:
    """signal-cli-rest-api's answer to /v2/send as master answers it (bbernhard/
    signal-cli-rest-api src/api/api.go SendV2, commit 6a225e6 of 2026-07-23): a list with one
    result per signal-cli send; release 0.100 answered the object alone."""
    return Ok([{"timestamp": SIGNAL_TIMESTAMP}], status=201)


# --- the notice ---------------------------------------------------------------------------------

NOTICE_DE = """---
title: Sperrung der Löbauer Straße
summary: Die Löbauer Straße ist vom 3. bis 7. Dezember gesperrt.
link: https://www.bautzen.de/aktuelles/loebauer-strasse?utm_source=whatsapp&utm_medium=social&id=7
---
Die **Löbauer Straße** ist zwischen *Wallstraße* und Taucherstraße gesperrt.

- Umleitung über die [Äußere Lauenstraße](https://www.bautzen.de/umleitung?utm_source=x&fbclid=abc)
- Busse fahren Ersatzhaltestellen an
"""

NOTICE_HSB = """---
title: Zawrjenje Lubijskeje dróhi
summary: Lubijska dróha je wot 3. do 7. decembra zawrjena.
---
Lubijska dróha je zawrjena. Wobjězd přez Zwonkowu dróhu: ě ł ć ř ž.
"""

DE_WORDS = "Löbauer Straße"
HSB_WORDS = "Wobjězd přez Zwonkowu dróhu: ě ł ć ř ž"
CLEAN_LINK = "https://www.bautzen.de/aktuelles/loebauer-strasse?id=7"
TRACKING = ("utm_source", "utm_medium", "fbclid")


def write_notice(folder: Path) -> Path:
    write(folder / "notice.hsb.md", NOTICE_HSB)
    return write(folder / "notice.md", NOTICE_DE)


# --- reading back what citychan left ------------------------------------------------------------

def all_cells(db: Path) -> list[tuple[str, Any]]:
    """(table, cell) for every cell of every table in the SQLite file."""
    con = sqlite3.connect(db)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return [(t, cell) for t in tables
                for row in con.execute(f'SELECT * FROM "{t}"') for cell in row]
    finally:
        con.close()


def deliveries(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """channel -> [(status, remote_id, attempts, idempotency_key)] in delivery order."""
    con = sqlite3.connect(db)
    try:
        rows = con.execute("SELECT channel, status, remote_id, attempts, idempotency_key "
                           "FROM deliveries ORDER BY id").fetchall()
    finally:
        con.close()
    out: dict[str, list[tuple[Any, ...]]] = {}
    for channel, *rest in rows:
        out.setdefault(channel, []).append(tuple(rest))
    return out


def files_under(*folders: Path) -> dict[Path, bytes]:
    """Every file below the folders, with its bytes."""
    return {p: p.read_bytes() for folder in folders if folder.exists()
            for p in sorted(folder.rglob("*")) if p.is_file()}
