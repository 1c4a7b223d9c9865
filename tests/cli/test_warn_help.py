"""`warn update` and `warn allclear` are commands of their own: each --help shows its own
usage and options, not those of a new warning; `warn --help` lists the three commands."""

from __future__ import annotations

import re

import pytest

from tests.support.cli import cli

NEW_ONLY = ("--channel",  # a follow-up goes to exactly the original's channels
            "--only-lang")
TEXT_OPTIONS = ("--level", "--template", "--event", "--area", "--headline", "--description",
                "--instruction", "--expires", "--time",
                "--area-hsb", "--instruction-hsb", "--details-hsb")
SHARED = ("--exercise", "--test", "--cap-out", "--dry-run", "--yes", "--config", "--output",
          "--by", "--urgent", "--reason")  # issue 15 (review): past review, with the reason


def options(help_text: str) -> set[str]:
    return set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", help_text))


def help_of(*args: str) -> str:
    run = cli(*args)
    assert run.code == 0 and run.stderr == "", run.stderr
    return run.stdout


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_warn_update_help_is_its_own(flag: str) -> None:
    text = help_of("warn", "update", flag)
    assert "Usage: citychan warn update [OPTIONS] {incident} [file]" in text
    assert "Update an incident (CAP Update)" in text
    assert "Send a new danger warning" not in text
    assert options(text) == {*TEXT_OPTIONS, "--details", "--repeat", *SHARED, "--help"}


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_warn_allclear_help_is_its_own(flag: str) -> None:
    text = help_of("warn", "allclear", flag)
    assert "Usage: citychan warn allclear [OPTIONS] {incident}" in text
    assert "Give the all-clear (Entwarnung, CAP Cancel)" in text
    assert "[file]" not in text
    assert options(text) == {"--details", *SHARED, "--help"}


def test_warn_help_names_the_three_commands_and_new_has_the_warning_options() -> None:
    group = help_of("warn", "--help")
    assert "Usage: citychan warn [new] [FILE] [OPTIONS] | update INCIDENT" in group
    for command in ("new", "update", "allclear"):
        assert re.search(rf"│ {command} +\S", group), command
    new = help_of("warn", "new", "--help")
    assert "Usage: citychan warn new [OPTIONS] [file]" in new
    assert options(new) == {*TEXT_OPTIONS, *NEW_ONLY, "--details", "--new", *SHARED, "--help"}
    # the new-warning options with the old spelling still reach `warn new`
    assert options(help_of("warn", "--level", "high", "--help")) == options(new)
