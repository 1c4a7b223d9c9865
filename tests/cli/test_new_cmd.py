"""citychan new: a file in a folder that does not exist is refused (a typo would hide the
notice where nobody finds it), and --level writes a warning file's level (found by review)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import assert_one_line_error, cli
from tests.support.config import ALERTS_TABLE, OUTBOX, MakeConfig


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize("template", ["strassensperrung", "sturm"])
def test_new_into_a_missing_folder_is_refused_and_creates_nothing(
        make_config: MakeConfig, isolated: Path, template: str) -> None:
    make_config(alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})
    (isolated / "notices").mkdir()
    before = tree(isolated)
    run = cli("new", template, "notices/2026/dezmber/sperrung.md")
    assert_one_line_error(run, 2, "notices/2026/dezmber: no such folder")
    assert "mkdir -p notices/2026/dezmber" in run.stderr
    assert "nearest existing folder: notices" in run.stderr
    assert run.stdout == ""
    assert tree(isolated) == before


def test_new_into_an_existing_folder_works_as_before(make_config: MakeConfig,
                                                     isolated: Path) -> None:
    (isolated / "notices" / "2026").mkdir(parents=True)
    run = cli("new", "strassensperrung", "notices/2026/sperrung.md", "--date", "07.12.2026")
    assert run.code == 0, run.stderr
    assert (isolated / "notices" / "2026" / "sperrung.md").is_file()


def test_new_warning_with_level_writes_it_in_german_or_english(make_config: MakeConfig,
                                                               isolated: Path) -> None:
    make_config(alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})
    run = cli("new", "sturm", "w.md", "--level", "hoch", "--output", "json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["result"]["level"] == "high"
    text = (isolated / "w.md").read_text(encoding="utf-8")
    assert "\nlevel: high  #" in text
    assert 'title: "Extreme Gefahr: Unwetter - ‹Gebiet›"' in text
    assert "Ekstremny strach" in (isolated / "w.hsb.md").read_text(encoding="utf-8")
    assert cli("new", "sturm", "v.md", "--level", "LOW").code == 0
    assert "\nlevel: low  #" in (isolated / "v.md").read_text(encoding="utf-8")


def test_new_warning_without_level_keeps_the_default_medium(make_config: MakeConfig,
                                                            isolated: Path) -> None:
    make_config(alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})
    assert cli("new", "sturm", "w.md").code == 0
    assert "\nlevel: medium  #" in (isolated / "w.md").read_text(encoding="utf-8")


def test_new_warning_with_an_unknown_level_is_refused(make_config: MakeConfig,
                                                      isolated: Path) -> None:
    make_config(alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})
    run = cli("new", "sturm", "w.md", "--level", "mitel")
    assert_one_line_error(run, 2, "unknown warning level 'mitel'")
    assert "mittel" in run.stderr
    assert not (isolated / "w.md").exists()


def test_new_warning_at_a_level_the_template_is_not_for_is_refused(
        make_config: MakeConfig, isolated: Path) -> None:
    make_config(alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})
    run = cli("new", "polizeihinweis", "p.md", "--level", "hoch")
    assert_one_line_error(run, 2, "'polizeihinweis' is sent only at level low")
    assert not (isolated / "p.md").exists()


def test_new_notice_with_level_is_refused_with_one_line(isolated: Path) -> None:
    run = cli("new", "strassensperrung", "n.md", "--level", "hoch")
    assert_one_line_error(run, 2, "--level is for warning templates")
    assert "strassensperrung" in run.stderr
    assert not (isolated / "n.md").exists()


def test_new_help_names_level(isolated: Path) -> None:
    run = cli("new", "--help", env={"COLUMNS": "200"})
    assert run.code == 0
    assert "--level" in run.stdout and "niedrig" in run.stdout
