"""Every way a run ends, ends the same way: one `Error:` line (and a `Hint:`) on stderr, the
exit code, and with ``--output json`` exactly one envelope on stdout. Issue 9: "`log --output
json --limit abc` and internal errors print no JSON envelope; `log --limit
99999999999999999999` exits 1"; and usage errors were Typer's multi-line box."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import Run, assert_one_line_error, cli
from tests.support.files import write

BOX = ("╭", "│", "Usage:")


def envelope(run: Run, command: str, code: int) -> dict[str, Any]:
    """stdout is exactly one JSON document (json.loads refuses anything after it), the
    envelope of a failure, with the message stderr gave."""
    env = json.loads(run.stdout)
    assert env["citychan"] == 1 and env["command"] == command, env
    assert env["ok"] is False and env["exit_code"] == code == run.code, env
    error = env["result"]["error"]
    assert set(error) == {"message", "hint"}
    assert f"Error: {error['message']}" in run.stderr.splitlines()
    return error


def assert_usage_error(run: Run, contains: str, help_of: str) -> None:
    assert_one_line_error(run, 2, contains)
    assert run.stderr.splitlines()[-1] == f"Hint: try '{help_of} --help'", run.stderr
    assert not any(mark in run.stderr for mark in BOX), run.stderr


@pytest.mark.parametrize(
    ("args", "contains", "help_of"),
    [
        (["warn", "new", "a.md", "b.md"], "unexpected extra argument", "citychan warn new"),
        (["warn", "a.md", "b.md"], "unexpected extra argument", "citychan warn new"),
        (["warn", "update"], "Missing argument 'incident'", "citychan warn update"),
        (["warn", "allclear", "x", "y"], "unexpected extra argument", "citychan warn allclear"),
        (["post"], "Missing argument 'file'", "citychan post"),
        (["check", "--bogus", "n.md"], "No such option: --bogus", "citychan check"),
        (["log", "--limit", "abc"], "'abc' is not a valid", "citychan log"),
        (["log", "--output", "xml"], "use 'text' or 'json'", "citychan log"),
        (["channels", "extra"], "unexpected extra argument", "citychan channels"),
        (["retry", "--lsit"], "No such option: --lsit", "citychan retry"),
        (["qr", "--bogus"], "No such option: --bogus", "citychan qr"),
        (["init", "extra"], "unexpected extra argument", "citychan init"),
        (["--bogus"], "No such option: --bogus", "citychan"),
        (["pots", "n.md"], "No such command 'pots'. Did you mean 'post'?", "citychan"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_a_usage_error_is_one_line_and_a_hint_everywhere(
        args: list[str], contains: str, help_of: str) -> None:
    run = cli(*args)
    assert_usage_error(run, contains, help_of)
    assert run.stdout == ""


@pytest.mark.parametrize(
    ("args", "command", "contains"),
    [
        (["log", "--output", "json", "--limit", "abc"], "log", "'abc' is not a valid"),
        (["log", "--limit", "abc", "--output", "json"], "log", "'abc' is not a valid"),
        (["log", "--output=json", "--limit", "abc"], "log", "'abc' is not a valid"),
        (["log", "--output", "json", "--bogus"], "log", "No such option: --bogus"),
        (["post", "--output", "json"], "post", "Missing argument 'file'"),
        (["warn", "update", "--output", "json"], "warn", "Missing argument 'incident'"),
        (["warn", "a.md", "b.md", "--output", "json"], "warn", "unexpected extra argument"),
        (["pots", "--output", "json"], "pots", "No such command 'pots'"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_json_output_gives_the_envelope_for_a_usage_error(
        args: list[str], command: str, contains: str) -> None:
    run = cli(*args)
    assert_one_line_error(run, 2, contains)
    error = envelope(run, command, 2)
    assert contains in error["message"] and error["hint"].startswith("try 'citychan ")


def test_log_limit_too_large_is_a_usage_error_not_a_crash(isolated: Path) -> None:
    write(isolated / "n.md", "---\ntitle: Markt\n---\nHeute.\n")
    assert cli("post", "n.md", "--yes").code == 0  # rows in the store: SQLite once overflowed
    for limit in ("99999999999999999999", "100001", "0", "-1"):
        assert_one_line_error(cli("log", "--limit", limit), 2, "--limit")
        run = cli("log", "--limit", limit, "--output", "json")
        assert "range" in envelope(run, "log", 2)["message"]
    widest = cli("log", "--limit", "100000", "--output", "json")
    assert widest.code == 0 and len(json.loads(widest.stdout)["result"]["deliveries"]) == 2


def _boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("boom")


def _interrupt(*args: object, **kwargs: object) -> None:
    raise KeyboardInterrupt


def test_an_internal_error_gives_one_line_and_the_envelope(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("citychan.api.notices.log", _boom)
    text = cli("log")
    assert_one_line_error(text, 1, "internal error: RuntimeError: boom")
    assert text.stdout == "" and "--debug" in text.stderr
    run = cli("log", "--output", "json")
    assert_one_line_error(run, 1, "internal error: RuntimeError: boom")
    assert envelope(run, "log", 1)["message"] == "internal error: RuntimeError: boom"


def test_an_internal_error_outside_a_commands_core_is_one_line_too(
        isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug while drawing the result: still no traceback, except with --debug."""
    monkeypatch.setattr("citychan.cli.views.deliveries_table", _boom)
    run = cli("log")
    assert_one_line_error(run, 1, "internal error: RuntimeError: boom")
    debug = cli("--debug", "log")
    assert isinstance(debug.exception, RuntimeError)  # the whole traceback, as asked


def test_an_interrupt_gives_exit_130_and_the_envelope(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("citychan.api.notices.log", _interrupt)
    text = cli("log")
    assert_one_line_error(text, 130, "interrupted")
    assert text.stdout == "" and "citychan log" in text.stderr
    run = cli("log", "--output", "json")
    assert_one_line_error(run, 130, "interrupted")
    assert envelope(run, "log", 130)["message"] == "interrupted"


def test_an_interrupt_outside_a_commands_core_gives_the_envelope(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("citychan.cli.common.emit_json", _once_then(KeyboardInterrupt))
    run = cli("log", "--output", "json")
    assert_one_line_error(run, 130, "interrupted")
    assert envelope(run, "log", 130)["message"] == "interrupted"


def _once_then(exc: type[BaseException]) -> Any:
    """emit_json that is interrupted the first time (the result) and works the second (the
    error's envelope)."""
    from citychan.cli import common

    real, calls = common.emit_json, []

    def emit(*args: Any, **kwargs: Any) -> None:
        calls.append(args)
        if len(calls) == 1:
            raise exc
        real(*args, **kwargs)

    return emit


def test_the_real_entry_point_gives_one_line_and_the_envelope(isolated: Path) -> None:
    """`citychan` as a process (main(), not the test runner): the same one line and envelope."""
    proc = subprocess.run([sys.executable, "-m", "citychan", "log", "--output", "json",
                           "--limit", "abc"], cwd=isolated, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2
    env = json.loads(proc.stdout)
    assert env["exit_code"] == 2 and env["command"] == "log"
    assert proc.stderr.splitlines() == [
        f"Error: {env['result']['error']['message']}", "Hint: try 'citychan log --help'"]
