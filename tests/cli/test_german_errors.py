"""An operator with a German interface sees the library's errors and hints in German: the
times of --at (timeparse, schedule), --by and --reason, the config, the store's references,
incidents, templates, warning languages, retry --dismiss, qr, store import and the CLI's
own usage errors (the English stays for
--output json and the logs; test_german_interface checks the catalog is complete)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import cli
from tests.support.clock import Clock
from tests.support.config import ALERTS_TABLE, OUTBOX, MakeConfig
from tests.support.files import NOTICE, write

BAD_CONFIG = 'version = 1\n[city]\nnmae = "Bautzen"\n'

# (arguments, the error line, the hint line or None, English words that must be gone)
CASES = [
    (("post", "notice.md", "--yes", "--by", " "), "Fehler: --by: der Name ist leer",
     "Hinweis: angeben, wer handelt, z. B. --by m.schulze", ("name is empty", "give who")),
    (("post", "notice.md", "--yes", "--at", "2027-12-07"),
     "Fehler: --at: '2027-12-07' hat keine Uhrzeit", None, ("time of day",)),
    (("post", "notice.md", "--yes", "--at", "2030-03-31 02:30"),
     "Fehler: --at: 2030-03-31T02:30 gibt es in Europe/Berlin nicht: die Uhren überspringen "
     "diese Stunde", "Hinweis: eine Zeit vor oder nach der Umstellung angeben oder eine Dauer "
     "wie 6h", ("does not exist", "clocks skip", "give a time")),
    (("check", "notice.md", "--config", "bad.toml"),
     "Fehler: bad.toml: [city] unbekannter Schlüssel 'nmae'. Meinten Sie 'names'?", None,
     ("unknown key", "Did you mean")),
    (("check", "notice.md", "--config", "nope.toml"),
     "Fehler: nope.toml: Konfigurationsdatei nicht gefunden",
     "Hinweis: 'citychan init' ausführen", ("config file not found", "run ")),
    (("log", "zz"), "Fehler: zz: noch nichts gepostet", "Hinweis: siehe citychan log",
     ("nothing was posted", "see ")),
    (("withdraw", "latest", "--reason", " ", "--yes"),
     "Fehler: --reason muss sagen, warum die Mitteilung zurückgezogen wird", None,
     ("must say why",)),
    (("new", "nosuch", "x.md"), "Fehler: unbekannte Vorlage 'nosuch'.",
     "Hinweis: citychan templates listet sie auf", ("unknown template", "lists them")),
    (("retry", "--dismiss", "99", "--reason", "weg"),
     "Fehler: nichts zu schließen: noch nichts gesendet", "Hinweis: siehe: citychan log",
     ("nothing to dismiss", "was sent yet")),
    (("warn", "--template", "hochwasser", "--level", "high", "--area", "Spreeufer",
      "--only-lang", "fr", "--dry-run"), "Fehler: unbekannte Warnungssprache 'fr'",
     "Hinweis: die Sprachen der Warnungen sind de, hsb ([alerts] languages)",
     ("unknown warning language", "the warning languages are")),
    (("qr", "--out", "x.gif"),
     "Fehler: --out x.gif: unbekannte Endung '.gif': qr schreibt PNG, SVG oder PDF",
     "Hinweis: code.png (ein Bild des Codes), code.svg (der Code für Druckereien) oder "
     "poster.pdf (das Plakat) verwenden", ("unknown extension", "writes", "picture of")),
    (("qr", "--out", "x.png", "--fg", "#ffffff", "--bg", "#000000"),
     "Fehler: --fg #ffffff ist heller als --bg #000000: helle Codes auf dunklem Grund werden "
     "abgelehnt, weil viele Handy-Scanner sie nicht lesen können",
     "Hinweis: ein dunkles --fg auf einem hellen --bg verwenden", ("lighter than", "use a dark")),
    (("store", "import", "notice.md"),
     "Fehler: notice.md: weder ein SQLite-Speicher noch ein Export eines citychan-Speichers",
     "Hinweis: die Speicherdatei (citychan-out/citychan.db) oder eine von 'citychan store "
     "export' geschriebene Datei angeben", ("neither an SQLite", "give the store file")),
    # Python's reason for an impossible date, said in German too
    (("post", "notice.md", "--yes", "--at", "31.02.2027 07:00"),
     "Fehler: --at: '31.02.2027 07:00' lässt sich nicht als Zeit lesen (diesen Tag hat der "
     "Monat nicht)", None, ("cannot read", "out of range")),
    # the CLI's own usage errors
    (("post", "notice.md", "--at", "07.12.2026 07:00", "--dry-run"),
     "Fehler: --at und --dry-run: ein geplanter Post wird geprüft, wenn er geplant wird; eine "
     "der beiden Optionen weglassen", None, ("scheduled post", "leave out")),
    (("warn", "--exercise", "--test", "--dry-run"),
     "Fehler: --exercise oder --test wählen, nicht beides", None, ("choose", "not both")),
    (("warn", "allclear", "latest", "--level", "high"),
     "Fehler: warn allclear nimmt --level nicht: sie nimmt nur --details (die Texte der "
     "Entwarnung schreibt citychan)", None, ("does not take", "takes only")),
]


@pytest.mark.parametrize(("args", "line", "hint", "english"), CASES,
                         ids=[" ".join(c[0][:2]) for c in CASES])
def test_an_error_and_its_hint_are_german_in_german_mode(
        args: tuple[str, ...], line: str, hint: str | None, english: tuple[str, ...],
        make_config: MakeConfig, isolated: Path, clock: Clock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    make_config(channels={"outbox": OUTBOX}, alerts=ALERTS_TABLE,
                subscribe={"url": "https://whatsapp.com/channel/0029VaABCDEFGHIJKLMNOP12"})
    write(isolated / "notice.md", NOTICE)
    write(isolated / "bad.toml", BAD_CONFIG)
    monkeypatch.setenv("CITYCHAN_LANG", "de")
    run = cli(*args, env={"COLUMNS": "400"})
    assert run.code == 2 and run.stdout == "", (run.stdout, run.stderr)
    lines = run.stderr.splitlines()
    assert lines[0] == line
    assert lines[1:] == ([hint] if hint else lines[1:2]) and len(lines) <= 2
    for word in english:
        assert word not in run.stderr


def test_the_same_error_stays_english_without_german(make_config: MakeConfig, isolated: Path,
                                                     clock: Clock) -> None:
    make_config(channels={"outbox": OUTBOX})
    write(isolated / "notice.md", NOTICE)
    run = cli("post", "notice.md", "--yes", "--by", " ")
    assert run.code == 2
    assert run.stderr == ("Error: --by: the name is empty\n"
                          "Hint: give who acts, e.g. --by m.schulze\n")


@pytest.mark.parametrize(("channel", "line"), [
    ({"type": "telegram", "chat_id": "@stadtbautzen", "token_env": "CITYCHAN_TEST_NO_TOKEN"},
     "Fehler: citychan.toml: Kein Geheimnis: CITYCHAN_TEST_NO_TOKEN setzen oder token_env in "
     "[channels.tg] ändern"),
    ({"type": "webhook", "url": "ftp://example.org/hook", "secret_env": "HOOK_SECRET"},
     "Fehler: citychan.toml: [channels.tg] url muss eine https://-URL sein (http nur für "
     "Loopback): 'ftp://example.org/hook'"),
], ids=["missing secret", "bad url"])
def test_a_channel_config_error_reaches_the_operator_in_german(
        channel: dict, line: str, make_config: MakeConfig, isolated: Path, clock: Clock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The channel's own message, which the config reader puts its file name before."""
    make_config(channels={"tg": channel})
    write(isolated / "notice.md", NOTICE)
    monkeypatch.delenv("CITYCHAN_TEST_NO_TOKEN", raising=False)
    monkeypatch.setenv("HOOK_SECRET", "hook-secret-value")
    monkeypatch.setenv("CITYCHAN_LANG", "de")
    run = cli("post", "notice.md", "--yes", env={"COLUMNS": "400"})
    assert run.code == 2, (run.stdout, run.stderr)
    assert run.stderr.splitlines()[0] == line
    assert "No secret" not in run.stderr and "must be" not in run.stderr


def test_a_store_url_with_a_password_is_refused_in_german_without_the_password(
        isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(isolated / "citychan.toml",
          'version = 1\n[store]\nurl = "postgresql://u:geheim@db/citychan"\n')
    monkeypatch.setenv("CITYCHAN_LANG", "de")
    run = cli("store", "info", env={"COLUMNS": "400"})
    assert run.code == 2
    assert run.stderr.splitlines()[0] == (
        "Fehler: citychan.toml: [store] url darf kein Passwort enthalten: seine "
        "Umgebungsvariable in password_env nennen: 'postgresql://u:***@db/citychan'")
    assert "geheim" not in run.stdout + run.stderr
