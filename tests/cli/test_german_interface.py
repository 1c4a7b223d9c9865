"""The German interface (issue 14, item 1): the README tour in both languages, and a look-up
recorder that fails on any string the German catalog does not translate."""

from __future__ import annotations

import gettext
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from citychan import i18n
from citychan.cli import app
from tests.support.cli import cli
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


def _tour(make_config: MakeConfig, isolated: Path) -> list[tuple[str, ...]]:
    make_config(channels={"outbox": OUTBOX}, alerts=ALERTS_TABLE)
    notice = str(write(isolated / "notice.md", NOTICE))
    commands = [c.name for c in app.registered_commands] + ["warn", "queue"]
    return [
        ("--help",),
        *((name, "--help") for name in commands if name),
        ("warn", "update", "--help"), ("warn", "allclear", "--help"),
        ("check", notice), ("preview", notice), ("post", notice, "--dry-run"),
        ("post", notice, "--yes"), ("log",), ("channels",),
        ("warn", "--template", "hochwasser", "--level", "high", "--area", "Spreeufer",
         "--area-hsb", "Brjóh Sprjewje", "--dry-run"),
        ("check", "--nope"), ("chek",), ("post",),
    ]


def test_the_readme_tour_leaves_no_string_untranslated_in_german(
        german: Recording, make_config: MakeConfig, isolated: Path) -> None:
    for args in _tour(make_config, isolated):
        run = cli(*args)
        assert run.exception is None, (args, run.exception)
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
