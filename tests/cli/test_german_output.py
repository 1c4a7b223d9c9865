"""A German operator's everyday output: the results, tables, status words and summaries of
the most used commands are German, and the English literals they replace are gone; a
channel's error reaches the report in German with its secret masked (the store keeps the
English text), and a fixed error text is German again in `citychan log`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.support.cli import cli
from tests.support.clock import Clock
from tests.support.config import ALERTS_TABLE, OUTBOX, MakeConfig
from tests.support.files import NOTICE, write
from tests.support.plugin import install_plugin

WIDE = {"COLUMNS": "220"}


@pytest.fixture
def german(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYCHAN_LANG", "de")


def _said(*args: str, code: int = 0) -> str:
    run = cli(*args, env=WIDE)
    assert run.exception is None, (args, run.exception)
    assert run.code == code, (args, run.code, run.stdout, run.stderr)
    return run.stdout + run.stderr


def _check(text: str, german: tuple[str, ...], english: tuple[str, ...]) -> None:
    for word in german:
        assert word in text, (word, text)
    for word in english:
        assert word not in text, (word, text)


def test_checking_and_posting_a_notice_speak_german(german: None, make_config: MakeConfig,
                                                    isolated: Path, clock: Clock) -> None:
    make_config(channels={"outbox": OUTBOX})
    notice = str(write(isolated / "notice.md", NOTICE))
    _check(_said("check", notice), ("(Info, de)", "Warnung CC203", "Tracking-Parameter entfernt",
                                    "1 von 1 Datei(en) in Ordnung."),
           ("(info, de)", "warning CC203", "file(s) ok", "tracking parameters removed"))
    _check(_said("preview", notice), ("Befunde:", "kein Limit"), ("Findings:", "no limit"))
    _check(_said("post", notice, "--dry-run"),
           ("Probelauf: 'Sperrung der Löbauer Straße' besteht die Regeln; nichts wurde "
            "gesendet.",), ("Dry run", "passes the rules", "nothing was sent"))
    _check(_said("post", notice, "--yes"), ("outbox  gesendet",), ("  sent  ",))
    _check(_said("log"), ("Mitteilungen (neueste zuerst)", "wann", "Titel", "Kanäle",
                          "✓ outbox", "Zeiten in Ortszeit Europe/Berlin."),
           ("Notices", "newest first", "Times are", "local time", "when"))
    _check(_said("log", "--detail"), ("Zustellungen (neueste zuerst)", "gesendet",
                                      "wo / Fehler"),
           ("Deliveries", "where / error", " sent "))
    _check(_said("channels"), ("Kanäle", "Name", "aktiv", "Info,Warnung", "alle", "eingebaut"),
           ("Channels", "enabled", "info,warning", "built-in"))


def test_the_queue_review_incidents_and_store_speak_german(
        german: None, make_config: MakeConfig, isolated: Path, clock: Clock) -> None:
    make_config(channels={"outbox": OUTBOX}, alerts=ALERTS_TABLE)
    notice = str(write(isolated / "notice.md", NOTICE))
    _check(_said("queue"), ("Nichts geplant.",), ("Nothing scheduled",))
    _check(_said("post", notice, "--yes", "--at", "07.12.2026 07:00"),
           ("Geplant: #1 'Sperrung der Löbauer Straße' für 07.12.2026 07:00",),
           ("Scheduled", "2026-12-07"))
    _check(_said("queue"), ("Geplante Posts", "fällig", "geplant", "07.12.2026 07:00"),
           ("Scheduled posts", "due", "scheduled", "2026-12-07"))
    _check(_said("review"), ("Keine Entwürfe warten auf Freigabe.",), ("No drafts",))
    _check(_said("incidents"), ("Noch keine Vorfälle.",), ("No incidents",))
    _said("warn", "--template", "hochwasser", "--level", "medium", "--area", "Spreeufer",
          "--yes")
    _check(_said("incidents"), ("Vorfälle (offene zuerst", "aktiv", "Hochwasser, mittel:",
                                "bis 30.11.", "Zeiten in Ortszeit"),
           ("Incidents", "active", "medium", "until", "Times are"))
    _check(_said("log"), ("Offene Vorfälle", "Stufe", "mittel", "läuft ab"),
           ("Open incidents", "level", "medium", "expires"))
    _check(_said("store", "info"), ("Speicher:", "diese citychan-Version"),
           ("Store:", "this citychan"))


def test_a_qr_code_is_summed_up_in_german(german: None, make_config: MakeConfig,
                                          isolated: Path, clock: Clock) -> None:
    make_config(channels={"outbox": OUTBOX},
                subscribe={"url": "https://whatsapp.com/channel/0029VaABCDEFGHIJKLMNOP12"})
    _check(_said("qr", "--out", "code.png"), ("code.png geschrieben: PNG-Code, Code ",
                                              " cm breit (", " Module zu "),
           ("Wrote", "wide", "modules of"))


ERRING_CHANNEL = """
from __future__ import annotations
from citychan.channels.base import Capabilities, ChannelError, Dialect, Option
from citychan.i18n import N_

class ErringChannel:
    type_name = "erring"
    options = {"behaviour": Option(str), "token_env": Option(str)}

    def __init__(self, name, behaviour, token):
        self.name, self.behaviour, self._token = name, behaviour, token
        self.capabilities = Capabilities(dialect=Dialect.PLAIN)

    @classmethod
    def from_config(cls, name, options, ctx):
        return cls(name, options["behaviour"], ctx.secret(name, options["token_env"]))

    def send(self, post):
        if self.behaviour == "fixed":  # a message of a built-in channel, as it is
            raise ChannelError(N_("Mastodon: verify_credentials gave no account"))
        raise RuntimeError("bug with " + self._token)
"""
TOKEN = "sekret-token-4711"


def test_a_channel_error_is_german_in_the_report_and_a_fixed_one_in_the_log(
        german: None, make_config: MakeConfig, isolated: Path, clock: Clock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    install_plugin(isolated / "plugin", monkeypatch, dist="citychan-erring",
                   module="citychan_erring", source=ERRING_CHANNEL,
                   entry_points="erring = citychan_erring:ErringChannel")
    monkeypatch.setenv("ERRING_TOKEN", TOKEN)
    make_config(channels={
        "fixed": {"type": "erring", "behaviour": "fixed", "token_env": "ERRING_TOKEN"},
        "buggy": {"type": "erring", "behaviour": "crash", "token_env": "ERRING_TOKEN"}})
    notice = str(write(isolated / "notice.md", NOTICE))
    report = _said("post", notice, "--yes", code=4)
    _check(report, ("fixed  gescheitert  Mastodon: verify_credentials lieferte kein Konto",
                    "buggy  unbekannt  interner Fehler im Kanal: RuntimeError: bug with ***"),
           (TOKEN, "internal error", "gave no account"))
    # the store keeps the English text, masked
    with sqlite3.connect(isolated / "citychan-out" / "citychan.db") as db:
        stored = dict(db.execute("SELECT channel, error FROM deliveries").fetchall())
    db.close()
    assert stored == {"fixed": "Mastodon: verify_credentials gave no account",
                      "buggy": "internal error in channel: RuntimeError: bug with ***"}
    # later: a fixed text is German again; a filled-in one is shown as the store keeps it
    log = _said("log", "--detail")
    _check(log, ("Mastodon: verify_credentials lieferte kein Konto",),
           (TOKEN, "gave no account"))
    assert "internal error in channel: RuntimeError: bug with ***" in log


def test_the_feed_says_where_it_wrote_in_german_and_the_store_keeps_english(
        german: None, isolated: Path, make_config: MakeConfig, clock: Clock) -> None:
    make_config(channels={"feed": {"type": "feed", "path": "citychan-out/feed",
                                   "title": "Stadt Bautzen",
                                   "public_url": "https://www.bautzen.de/aktuelles"}})
    write(isolated / "n.md", NOTICE)
    said = _said("post", "n.md", "--yes")
    _check(said, ("lokal geschrieben, nicht hochgeladen:",), ("written locally",))
    with sqlite3.connect("citychan-out/citychan.db") as db:
        (url,) = db.execute("SELECT url FROM deliveries").fetchone()
    db.close()
    assert url.startswith("written locally, not uploaded: ")
