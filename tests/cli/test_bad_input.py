"""Bad input of every kind: one line on stderr, the right exit code, no traceback, and the
store exactly as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import assert_one_line_error, cli, store_rows
from tests.support.files import NOTICE, write

DB = Path("citychan-out/citychan.db")


@pytest.fixture
def recorded(isolated: Path) -> list[tuple]:
    """A store that already holds one delivered notice."""
    write(isolated / "ok.md", NOTICE)
    run = cli("post", "ok.md", "--yes")
    assert run.code == 0, run.stderr
    rows = store_rows(isolated / DB)
    assert rows
    return rows


def bad_file(isolated: Path, case: str) -> str:
    p = isolated / "bad.md"
    if case == "missing":
        return "nope.md"
    if case == "directory":
        (isolated / "adir").mkdir()
        return "adir"
    if case == "binary":
        p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    elif case == "non-utf8":
        p.write_bytes("---\ntitle: Straße\n---\nÄrger\n".encode("latin-1"))
    elif case == "huge":
        p.write_bytes(b"---\ntitle: x\n---\n" + b"a" * (20 * 1024 * 1024))
    elif case == "empty":
        p.write_bytes(b"")
    elif case == "broken-yaml":
        write(p, "---\ntitle: [unclosed\nsummary: x\n---\nText\n")
    elif case == "list-front-matter":
        write(p, "---\n- title\n- summary\n---\nText\n")
    elif case == "missing-title":
        write(p, "---\nsummary: Ohne Titel\n---\nText\n")
    return "bad.md"


@pytest.mark.parametrize(
    "case,needle",
    [
        ("missing", "no such file"),
        ("directory", "is a directory"),
        ("binary", "binary file"),
        ("non-utf8", "not UTF-8"),
        ("huge", "too large"),
        ("empty", "is empty"),
        ("broken-yaml", "broken front matter"),
        ("list-front-matter", "not a list"),
        ("missing-title", "missing title"),
    ],
)
@pytest.mark.parametrize("command", ["post", "check", "preview"])
def test_bad_message_file(
    recorded: list[tuple], isolated: Path, case: str, needle: str, command: str
) -> None:
    args = [command, bad_file(isolated, case)] + (["--yes"] if command == "post" else [])
    run = cli(*args)
    assert_one_line_error(run, 2, needle) if command != "check" else _check_failed(run, needle)
    assert store_rows(isolated / DB) == recorded


def _check_failed(run: object, needle: str) -> None:
    # check reports per file on stdout and exits 2 when a file cannot be read
    assert run.exception is None and run.code == 2
    assert needle in run.stdout and "Traceback" not in run.stdout + run.stderr


def test_unknown_channel_name(recorded: list[tuple], isolated: Path) -> None:
    write(isolated / "n.md", NOTICE.replace("Löbauer", "Neue"))
    run = cli("post", "n.md", "--yes", "--channel", "outbx")
    assert_one_line_error(run, 2, "unknown channel 'outbx'. Did you mean 'outbox'?")
    assert store_rows(isolated / DB) == recorded


@pytest.mark.parametrize(
    "toml,needle",
    [
        (
            "version = 1\n[city]\nlanguage = ['de']\n",
            "unknown key 'language'. Did you mean 'languages'?",
        ),
        ("version = 1\n[rules.info]\nmax_per_day = '3'\n", "must be an integer, not a string"),
        ("[city]\ntimezone = 'Europe/Berlin'\n", "missing 'version = 1'"),
        ("version = 2\n", "newer than this citychan"),
        ("version = 1\n[store]\npath = 'ok.md/db.sqlite'\n[channels.out]\ntype = 'outbox'\n",
         "cannot open the store"),
    ],
)
def test_bad_config(recorded: list[tuple], isolated: Path, toml: str, needle: str) -> None:
    write(isolated / "bad.toml", toml)
    write(isolated / "n.md", NOTICE.replace("Löbauer", "Neue"))
    run = cli("post", "n.md", "--yes", "--config", "bad.toml")
    assert_one_line_error(run, 2, needle)
    assert store_rows(isolated / DB) == recorded


def test_missing_config_file_named_explicitly(isolated: Path) -> None:
    write(isolated / "n.md", NOTICE)
    assert_one_line_error(cli("check", "n.md", "--config", "nope.toml"), 2, "config file not found")


def test_real_process_prints_no_traceback(isolated: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "citychan", "post", "missing.md", "--yes"],
        capture_output=True,
        text=True,
        cwd=isolated,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("Error: missing.md: no such file")
    assert "Traceback" not in proc.stderr and proc.stdout == ""
