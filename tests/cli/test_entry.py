"""The ``citychan`` entry point: a run builds only the command it runs, and ``--help`` pays
for Typer and nothing else."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer.main
from typer.testing import CliRunner

from citychan.cli import app, app_for


def commands_of(built: typer.Typer) -> set[str]:
    group = typer.main.get_command(built)
    assert isinstance(group, typer.main.TyperGroup)
    return set(group.commands)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["post", "n.md", "--yes"], {"post"}),
        (["--debug", "check", "n.md"], {"check"}),
        (["log", "--help"], {"log"}),
    ],
)
def test_a_run_builds_only_the_command_it_runs(args: list[str], expected: set[str]) -> None:
    assert commands_of(app_for(args)) == expected
    assert {"post", "check", "log", "init"} <= commands_of(app)  # the app itself is whole


@pytest.mark.parametrize(
    "args",
    [[], ["--help"], ["-h"], ["--version"], ["pots", "n.md"], ["--output", "log"], ["--debug"]],
    ids=["none", "help", "h", "version", "typo", "unknown-root-option", "flag-only"],
)
def test_help_version_and_typos_get_the_whole_app(args: list[str]) -> None:
    assert app_for(args) is app


@pytest.mark.parametrize("args", [["post", "--help"], ["--debug", "check", "--help"]])
def test_a_commands_help_is_the_same_as_from_the_whole_app(args: list[str]) -> None:
    runner = CliRunner()
    whole, lean = runner.invoke(app, args), runner.invoke(app_for(args), args)
    assert lean.exit_code == whole.exit_code == 0
    assert lean.stdout == whole.stdout
    assert "--dry-run" in lean.stdout or "--output" in lean.stdout


def test_a_typo_still_gets_did_you_mean() -> None:
    run = CliRunner().invoke(app_for(["pots"]), ["pots"])
    assert run.exit_code == 2
    assert "Did you mean 'post'?" in run.stderr


def test_help_in_a_real_process_imports_no_library_layer() -> None:
    """`citychan --help` must not pay for HTTP, YAML, the store or the channels (Markdown it
    may: Typer's rich help imports markdown-it, for a bare Typer app as well)."""
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: sys.stderr.write('MODULES ' + ' '.join(sys.modules) + '\\n'))\n"
        "sys.argv = ['citychan', '--help']\n"
        "from citychan.cli import main\n"
        "main()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "post" in proc.stdout and "check" in proc.stdout  # the whole command list
    line = next(x for x in proc.stderr.splitlines() if x.startswith("MODULES "))
    modules = set(line.split()[1:])
    assert "typer" in modules  # the list is real
    heavy = {"httpx", "httpcore", "yaml", "sqlite3", "citychan.api", "citychan.config"}
    assert not heavy & modules
    assert not {m for m in modules if m.startswith(("citychan.channels", "citychan.store",
                                                   "citychan.delivery"))}
