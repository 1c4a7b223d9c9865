"""citychan store info / export before anything was posted: they say there is no store yet
and where it would be, and create nothing (found by review: an empty store file appeared)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import assert_one_line_error, cli
from tests.support.config import OUTBOX, MakeConfig


def files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_store_info_without_a_store_says_so_and_creates_nothing(
        make_config: MakeConfig, isolated: Path) -> None:
    make_config(channels={"outbox": OUTBOX}, store={"path": "daten/citychan.db"})
    run = cli("store", "info")
    assert (run.code, run.stderr) == (0, "")
    assert "daten/citychan.db" in run.stdout and "No store yet" in run.stdout
    env = json.loads(cli("store", "info", "--output", "json").stdout)
    assert (env["exit_code"], env["result"]["exists"]) == (0, False)
    assert env["result"]["store"] == "daten/citychan.db"
    assert files(isolated) == ["citychan.toml"]


def test_store_export_without_a_store_is_refused_and_creates_nothing(
        make_config: MakeConfig, isolated: Path) -> None:
    make_config(channels={"outbox": OUTBOX})
    run = cli("store", "export", "backup.jsonl")
    assert_one_line_error(run, 2, "no store yet at citychan-out/citychan.db")
    assert files(isolated) == ["citychan.toml"]
