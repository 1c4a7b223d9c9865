"""citychan fmt: what it changes goes to stdout, a file it cannot read or fix goes to stderr
with its hint (found by review: errors were on stdout), with the exit codes as before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import cli
from tests.support.files import write

BROKEN = "---\ntitle: Sperrung\n  bis: Freitag\n---\nText\n"
FIXABLE = "---\ntitle: Achtung: Sperrung\n---\nText\n"


@pytest.mark.parametrize(("check", "code"), [((), 2), (("--check",), 2)])
def test_fmt_errors_go_to_stderr_and_the_rest_to_stdout(isolated: Path, check: tuple[str, ...],
                                                       code: int) -> None:
    write(isolated / "broken.md", BROKEN)
    write(isolated / "fix.md", FIXABLE)
    run = cli("fmt", *check, "broken.md", "fix.md", "missing.md")
    assert run.code == code
    assert "broken.md: broken front matter (line 3)" in run.stderr
    assert "hint:" in run.stderr
    assert "missing.md: no such file" in run.stderr
    assert "broken.md" not in run.stdout and "missing.md" not in run.stdout
    assert "fix.md" in run.stdout and 'title: "Achtung: Sperrung"' in run.stdout
    assert "1 of 3 file(s)" in run.stdout


def test_fmt_check_of_a_file_that_would_change_is_exit_1_on_stdout_only(isolated: Path) -> None:
    write(isolated / "fix.md", FIXABLE)
    run = cli("fmt", "--check", "fix.md")
    assert (run.code, run.stderr) == (1, "")
    assert "would change" in run.stdout


def test_fmt_json_stays_one_document_on_stdout(isolated: Path) -> None:
    write(isolated / "broken.md", BROKEN)
    run = cli("fmt", "broken.md", "--output", "json")
    assert run.code == 2
    env = json.loads(run.stdout)
    assert "broken front matter" in env["result"]["files"][0]["error"]
