"""The German interface (issue 14, item 1): the README tour in both languages, and a look-up
recorder that fails on any string the German catalog does not translate."""

from __future__ import annotations

import gettext
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from citychan import i18n
from citychan.cli import app
from tests.support.cli import cli
from tests.support.clock import Clock
from tests.support.config import ALERTS_TABLE, OUTBOX, MakeConfig
from tests.support.files import NOTICE, write

PO = Path(i18n.__file__).parent / "locale" / "de" / "LC_MESSAGES" / "citychan.po"


class Recording(gettext.GNUTranslations):
    """The German catalog, noting every msgid looked up that it has no translation for."""

    missing: set[str]

    def gettext(self, message: str) -> str:
        if not self._catalog.get(message):  # type: ignore[attr-defined]
            self.missing.add(message)
        return super().gettext(message)


@pytest.fixture
def german(monkeypatch: pytest.MonkeyPatch) -> Iterator[Recording]:
    monkeypatch.setenv("CITYCHAN_LANG", "de")
    with (i18n.LOCALE_DIR / "de" / "LC_MESSAGES" / "citychan.mo").open("rb") as mo:
        recording = Recording(mo)
    recording.missing = set()
    monkeypatch.setitem(i18n._catalogs, "de", recording)
    yield recording


# a notice fmt would change: a value with ': ' in it, a line that starts with a date
UNQUOTED = """---
title: Achtung: Töpferstraße gesperrt
---
Die Töpferstraße ist gesperrt.

24. November bis 3. Dezember
"""
CORRECTED = NOTICE.replace("3. bis 7. Dezember", "3. bis 8. Dezember")
GROUPS = {"review": ("show", "approve", "reject"), "queue": ("cancel",),
          "store": ("info", "migrate", "export", "import"), "warn": ("new", "update", "allclear")}


def _tour(make_config: MakeConfig, isolated: Path) -> list[tuple[tuple[str, ...], int]]:
    """Every command's --help, then the README tour and each newer command's own output, as
    (arguments, the exit code it must end with: a command that failed early would hide the
    strings it prints)."""
    make_config(channels={"outbox": OUTBOX}, alerts=ALERTS_TABLE)
    notice = str(write(isolated / "notice.md", NOTICE))
    unquoted = str(write(isolated / "unquoted.md", UNQUOTED))
    corrected = str(write(isolated / "corrected.md", CORRECTED))
    commands = [c.name for c in app.registered_commands] + list(GROUPS)
    helps = [("--help",), *((name, "--help") for name in commands if name),
             *((group, sub, "--help") for group, subs in GROUPS.items() for sub in subs)]
    return [
        *((args, 0) for args in helps),
        (("check", notice), 0), (("preview", notice), 0), (("post", notice, "--dry-run"), 0),
        (("post", notice, "--yes"), 0), (("log",), 0), (("channels",), 0),
        (("warn", "--template", "hochwasser", "--level", "high", "--area", "Spreeufer",
          "--area-hsb", "Brjóh Sprjewje", "--dry-run"), 0),
        (("check", "--nope"), 2), (("chek",), 2), (("post",), 2),
        # the commands that came with issues 13-15
        (("templates",), 0), (("config",), 0),
        (("new", "strassensperrung", str(isolated / "sperrung.md"), "--date", "07.12.2026"), 0),
        (("init", "--path", str(isolated / "neu.toml"), "--city", "Bautzen"), 0),
        (("fmt", "--check", unquoted), 1), (("fmt", unquoted), 0), (("fmt", unquoted), 0),
        (("review",), 0), (("store", "info"), 0), (("store", "migrate"), 0),
        (("store", "export", str(isolated / "backup.jsonl")), 0),
        (("log", "--detail"), 0), (("log", "latest"), 0),
        (("log", "--since", "2d", "--status", "sent", "--kind", "info"), 0),
        (("correct", "latest", corrected, "--dry-run"), 0),
        (("withdraw", "latest", "--reason", "Die Sperrung entfällt.", "--dry-run"), 0),
        (("post", corrected, "--yes", "--at", "07.12.2026 07:00"), 0), (("queue",), 0),
        (("queue", "cancel", "1"), 0), (("queue", "cancel", "1"), 2), (("queue",), 0),
        (("run-due",), 0),
        (("incidents",), 0), (("expire",), 0),
    ]


def _review_tour(make_config: MakeConfig, isolated: Path) -> list[tuple[tuple[str, ...], int]]:
    """A city that reviews information: a draft, what it sends, its rejection, the log."""
    make_config(channels={"outbox": OUTBOX}, review={"required_for": ["info"]})
    notice = str(write(isolated / "notice.md", NOTICE))
    return [
        (("review",), 0), (("post", notice, "--yes", "--by", "m.schulze"), 0),
        (("review",), 0), (("review", "show", "d1"), 0),
        (("review", "approve", "d1", "--by", "m.schulze"), 2),
        (("review", "reject", "d1", "--reason", "falsches Datum", "--by", "k.nowak"), 0),
        (("review", "reject", "d1", "--reason", "doppelt", "--by", "k.nowak"), 2),
        (("review", "show", "d9"), 2), (("review", "--all"), 0), (("log",), 0),
    ]


@pytest.mark.parametrize("tour", [_tour, _review_tour])
def test_the_readme_tour_leaves_no_string_untranslated_in_german(
        german: Recording, make_config: MakeConfig, isolated: Path, clock: Clock,
        tour: Callable[[MakeConfig, Path], list[tuple[tuple[str, ...], int]]]) -> None:
    for args, code in tour(make_config, isolated):
        run = cli(*args, env={"COLUMNS": "200"})
        assert run.exception is None, (args, run.exception)
        assert run.code == code, (args, run.code, run.stdout, run.stderr)
    assert not german.missing, f"untranslated in German: {sorted(german.missing)}"


def test_help_usage_errors_and_tables_speak_german(german: Recording,
                                                   make_config: MakeConfig) -> None:
    make_config(channels={"outbox": OUTBOX})
    help_page = cli("check", "--help")
    assert help_page.code == 0
    assert "Aufruf:" in help_page.stdout and "Optionen" in help_page.stdout
    assert "Diese Hilfe zeigen und beenden." in help_page.stdout
    assert "Mitteilungen gegen die Regeln" in help_page.stdout
    assert "Usage" not in help_page.stdout and "Show this message" not in help_page.stdout
    wrong = cli("check", "--nope")
    assert wrong.code == 2 and wrong.stdout == ""
    assert wrong.stderr == ("Fehler: Unbekannte Option: --nope\n"
                            "Hinweis: siehe 'citychan check --help'\n")
    channels = cli("channels")
    assert "Kanäle" in channels.stdout and "eingebaut" in channels.stdout


def test_english_stays_english_after_a_german_run(monkeypatch: pytest.MonkeyPatch,
                                                 make_config: MakeConfig) -> None:
    make_config(channels={"outbox": OUTBOX})
    monkeypatch.setenv("CITYCHAN_LANG", "de")
    assert "Optionen" in cli("--help").stdout
    monkeypatch.delenv("CITYCHAN_LANG")
    page = cli("log", "--help")
    assert "Usage:" in page.stdout and "Options" in page.stdout
    assert "Show this message and exit." in page.stdout and "Optionen" not in page.stdout


@pytest.mark.parametrize(("variables", "expected"), [
    ({"LANG": "de_DE.UTF-8"}, "de"), ({"LC_MESSAGES": "de_AT"}, "de"),
    ({"LC_ALL": "de_CH.UTF-8", "LANG": "en_GB"}, "de"), ({"LANG": "C.UTF-8"}, "en"),
    ({"CITYCHAN_LANG": "en", "LANG": "de_DE"}, "en"), ({"CITYCHAN_LANG": "de"}, "de"),
    ({"LANG": "fr_FR"}, "en"), ({}, "en"),
])
def test_the_language_comes_from_citychan_lang_then_the_locale(
        monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], expected: str) -> None:
    for key, value in variables.items():
        monkeypatch.setenv(key, value)
    assert i18n.language() == expected


def test_json_keeps_codes_and_english_and_adds_the_german_message(
        german: Recording, make_config: MakeConfig) -> None:
    make_config(channels={"outbox": OUTBOX})
    run = cli("check", "/nonexistent.md", "--output", "json")
    envelope = json.loads(run.stdout) if run.stdout.startswith("{") else {}
    wrong = cli("log", "--limit", "x", "--output", "json")
    error = json.loads(wrong.stdout)["result"]["error"]
    assert error["message"].startswith("Invalid value for '--limit'")
    assert error["message_localized"].startswith("Ungültiger Wert für '--limit'")
    assert "hint_localized" in error
    assert envelope.get("command", "check") == "check"


def test_a_finding_keeps_its_code_and_english_message_beside_the_localized_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from citychan import findings
    from citychan.errors import did_you_mean

    monkeypatch.setenv("CITYCHAN_LANG", "de")
    f = findings.error("CC001", "unknown key 'titel'." + did_you_mean("titel", ["title"]))
    d = f.as_dict()
    assert d["code"] == "CC001" and d["message"] == "unknown key 'titel'. Did you mean 'title'?"
    assert d["message_localized"] == "unknown key 'titel'. Meinten Sie 'title'?"


def test_the_german_catalog_has_no_empty_or_fuzzy_entry() -> None:
    with PO.open("rb") as po:
        catalog = read_po(po)
    bad = [m.id for m in catalog if m.id and (m.fuzzy or not all(
        m.string if isinstance(m.string, tuple) else (m.string,)))]
    assert not bad
    assert not catalog.fuzzy
    assert len(catalog) > 150


def test_the_compiled_catalog_matches_the_po_file() -> None:
    with PO.open("rb") as po:
        catalog = read_po(po)
    with PO.with_suffix(".mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for message in catalog:
        if message.id and isinstance(message.id, str):
            assert compiled.gettext(message.id) == message.string, message.id
