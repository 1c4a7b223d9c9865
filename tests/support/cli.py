"""Run the CLI in-process and read the store, for CLI tests."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from citychan.cli import app


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    exception: BaseException | None


def cli(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Run:
    result = CliRunner().invoke(app, list(args), input=input, env=env)
    exc = result.exception if not isinstance(result.exception, SystemExit) else None
    return Run(result.exit_code, result.stdout, result.stderr, exc)


def store_rows(db: Path) -> list[tuple]:
    if not db.exists():
        return []
    con = sqlite3.connect(db)
    try:
        return (
            con.execute("SELECT * FROM deliveries ORDER BY id").fetchall()
            + con.execute("SELECT * FROM messages ORDER BY hash").fetchall()
        )
    finally:
        con.close()


def assert_one_line_error(run: Run, code: int, contains: str = "") -> None:
    assert run.exception is None, f"traceback: {run.exception!r}"
    assert run.code == code, (run.code, run.stdout, run.stderr)
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error:")]
    assert len(errors) == 1, run.stderr
    assert all(line.startswith(("Error:", "Hint:")) for line in lines), run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    assert contains in errors[0], errors[0]
