"""The rough edges of issue 14 around writing and checking notices, each as the press
officer met it."""

from __future__ import annotations

from pathlib import Path

from citychan.alerts.rules import first_words
from tests.support.cli import cli
from tests.support.files import write


def test_check_of_a_language_pair_lists_the_notice_once(isolated: Path) -> None:
    write(isolated / "n.md", "---\ntitle: Sperrung\n---\nText\n")
    write(isolated / "n.hsb.md", "---\ntitle: Zawrjenje\n---\nTekst\n")
    run = cli("check", "n.hsb.md", "n.md")  # as the shell expands *.md
    assert run.code == 0, run.stdout
    assert run.stdout.count("(info, de+hsb)") == 1
    assert "1 of 1 file(s) ok." in run.stdout


def test_check_of_a_missing_file_names_the_path_once(isolated: Path) -> None:
    run = cli("check", "/nonexist.md")
    assert run.code == 2
    assert "✗ /nonexist.md: no such file" in run.stdout
    assert "/nonexist.md: /nonexist.md" not in run.stdout


def test_output_option_shows_its_values_in_help() -> None:
    run = cli("check", "--help", env={"COLUMNS": "200"})
    assert "text|json" in run.stdout and "<str>" not in run.stdout


def test_config_error_without_a_table_has_one_space(isolated: Path) -> None:
    write(isolated / "citychan.toml", '[city]\nname = "Bautzen"\n')
    run = cli("check", "x.md")
    assert "citychan.toml: missing 'version" in run.stderr
    assert ":  " not in run.stderr


def test_cc403_quotes_a_whole_sentence_or_whole_phrase() -> None:
    assert first_words("Das Wasser steigt weiter an. Bitte Keller räumen.") == \
        "Das Wasser steigt weiter an."
    long = ("Die Feuerwehr und das Technische Hilfswerk sind im Einsatz, die Lage wird "
            "laufend neu bewertet und die Bevölkerung wird informiert.")
    quoted = first_words(long)
    assert quoted == "Die Feuerwehr und das Technische Hilfswerk sind im Einsatz …"
    assert len(quoted) <= 82
