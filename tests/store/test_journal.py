"""Disk full after the post went out: the outcome is kept in the fallback journal beside the
store, the run ends with exit 4 and its result table (never exit 2, "nothing sent"), and
the next run writes the outcome into the store before anything else."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from citychan.store.db import Store
from citychan.store.journal import journal_path
from tests.support.cli import cli
from tests.support.config import OUTBOX, MakeConfig
from tests.support.files import NOTICE, write
from tests.support.workers import CountingServer

# the store takes new deliveries but no outcome: full after the pending rows were written
FULL = ("CREATE TRIGGER full BEFORE UPDATE OF status ON deliveries "
        "WHEN NEW.status != 'pending' BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")


def sql(db: Path, statement: str) -> list[tuple]:
    with closing(sqlite3.connect(db)) as con:
        rows = con.execute(statement).fetchall()
        con.commit()
        return rows


@pytest.fixture
def store(isolated: Path) -> Path:
    path = isolated / "citychan-out" / "citychan.db"
    Store.open(path).close()
    sql(path, FULL)
    write(isolated / "n.md", NOTICE)
    return path


@pytest.mark.integration
def test_disk_full_after_the_webhook_got_the_post_exits_4_and_keeps_the_outcome(
    isolated: Path, make_config: MakeConfig, monkeypatch: pytest.MonkeyPatch, store: Path
) -> None:
    """The attack: the webhook got the post, then the store could not be written: exit 2
    "cannot write the store", which means nothing was sent, and the log kept it pending."""
    monkeypatch.setenv("HOOK_SECRET", "hook-secret-value")
    with CountingServer() as hooks:
        make_config(channels={name: {"type": "webhook", "url": f"{hooks.url}/{name}",
                                     "secret_env": "HOOK_SECRET"} for name in ("a", "b")})
        proc = subprocess.run([sys.executable, "-m", "citychan", "post", "n.md", "--yes"],
                              cwd=isolated, capture_output=True, text=True, timeout=60,
                              env={**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "300"})
        assert proc.returncode == 4, proc.stdout + proc.stderr
        assert "Error" not in proc.stderr and "Traceback" not in proc.stderr
        table = [line for line in proc.stdout.splitlines() if line.strip().startswith(("a ", "b "))]
        assert len(table) == 2 and all(" sent " in line for line in table), proc.stdout
        assert "citychan.db.fallback.jsonl" in proc.stdout
        assert hooks.count() == {"/a": 1, "/b": 1}
        kept = journal_path(store).read_text(encoding="utf-8").splitlines()
        assert sorted(json.loads(line)["status"] for line in kept) == ["sent", "sent"]
        assert sql(store, "SELECT DISTINCT status FROM deliveries") == [("pending",)]

        # still full: the log shows what went out; a post sends nothing and says why
        log = cli("log", "--output", "json")
        assert log.code == 0, log.stderr
        assert {d["status"] for d in json.loads(log.stdout)["result"]["deliveries"]} == {"sent"}
        again = cli("post", "n.md", "--yes")
        assert again.code == 2 and "database or disk is full" in again.stderr
        assert cli("retry", "--yes").code == 2
        assert hooks.count() == {"/a": 1, "/b": 1}

        sql(store, "DROP TRIGGER full")  # space again: the next run records the outcome first
        again = cli("post", "n.md", "--yes", "--output", "json")
        assert again.code == 0, again.stdout + again.stderr
        results = json.loads(again.stdout)["result"]["results"]
        assert all(r["status"] == "skipped" and "already sent" in r["error"] for r in results)
        assert hooks.count() == {"/a": 1, "/b": 1}
    assert not journal_path(store).exists()
    assert sorted(sql(store, "SELECT channel, status, remote_id IS NOT NULL, attempts "
                             "FROM deliveries")) == [("a", "sent", 1, 1), ("b", "sent", 1, 1)]
    assert cli("retry", "--list").code == 0


def test_when_the_journal_cannot_be_written_either_the_result_still_says_it_was_sent(
    isolated: Path, make_config: MakeConfig, monkeypatch: pytest.MonkeyPatch, store: Path
) -> None:
    def full(self, entry):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Store, "keep_aside", full)
    make_config(channels={"outbox": OUTBOX})
    run = cli("post", "n.md", "--yes", "--output", "json")
    assert run.code == 4, run.stderr
    (result,) = json.loads(run.stdout)["result"]["results"]
    assert result["status"] == "sent"
    assert "not recorded" in result["store_error"] and "No space left" in result["store_error"]
    assert len(list((isolated / "citychan-out" / "outbox").iterdir())) == 1


def test_a_store_that_refuses_one_claim_of_two_reports_both_and_exits_4(
    isolated: Path, make_config: MakeConfig
) -> None:
    """Refused before the first attempt for one channel while the other went out: that one
    is `failed` (not sent), the other `sent`; not exit 2, which would say nothing was sent."""
    path = isolated / "citychan-out" / "citychan.db"
    Store.open(path).close()
    sql(path, "CREATE TRIGGER full BEFORE INSERT ON deliveries WHEN NEW.channel = 'second' "
              "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    write(isolated / "n.md", NOTICE)
    make_config(channels={"first": OUTBOX, "second": {**OUTBOX, "path": "out2"}})
    run = cli("post", "n.md", "--yes", "--output", "json")
    assert run.code == 4, run.stderr
    by = {r["channel"]: r for r in json.loads(run.stdout)["result"]["results"]}
    assert by["first"]["status"] == "sent"
    assert by["second"]["status"] == "failed"
    error = by["second"]["error"]
    assert error.startswith("not sent: ") and "disk is full" in error
    assert not (isolated / "out2").exists()
