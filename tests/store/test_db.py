"""The store's own contract: a transaction is all or nothing, every SQLite failure is a
StoreError (one line, exit 2 at the command line), and a store used in ``with`` is closed."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from citychan.errors import ExitCode, StoreError
from citychan.store.db import Store
from citychan.store.deliveries import DeliveryStore, Status
from tests.support.cli import assert_one_line_error, cli
from tests.support.files import NOTICE, write


def _messages(path: Path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return [r[0] for r in con.execute("SELECT hash FROM messages ORDER BY hash")]
    finally:
        con.close()


def _insert(tx, hash_: str) -> None:  # type: ignore[no-untyped-def]
    tx.execute("INSERT INTO messages(hash, kind, title, langs, created) VALUES (?,?,?,?,?)",
               (hash_, "info", "T", "de", "2026-11-28T10:00:00+00:00"))


def test_a_transaction_commits_what_its_block_did(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        with store.transaction() as tx:
            _insert(tx, "a")
            _insert(tx, "b")
        assert [r["hash"] for r in store.query("SELECT hash FROM messages ORDER BY hash")] == [
            "a", "b"]
    assert _messages(tmp_path / "s.db") == ["a", "b"]  # committed: another connection sees it


def test_an_exception_in_the_block_rolls_the_whole_transaction_back(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        with pytest.raises(RuntimeError, match="power cut"), store.transaction() as tx:
            _insert(tx, "a")
            raise RuntimeError("power cut")
        assert store.query("SELECT hash FROM messages") == []
        with store.transaction() as tx:  # and the store is usable afterwards
            _insert(tx, "b")
    assert _messages(tmp_path / "s.db") == ["b"]


def test_an_sqlite_error_in_the_block_is_a_store_error_and_rolls_back(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        with pytest.raises(StoreError, match="cannot write the store") as caught:
            with store.transaction() as tx:
                _insert(tx, "a")
                _insert(tx, "a")  # the same primary key again
        assert caught.value.exit_code is ExitCode.USAGE
        assert "\n" not in caught.value.message
        assert store.query("SELECT hash FROM messages") == []


def test_bad_sql_in_a_read_is_a_store_error(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store, pytest.raises(StoreError, match="cannot read"):
        store.query("SELECT nothing FROM nowhere")


def test_the_store_as_a_context_manager_closes_its_connection(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        assert store.scalar("SELECT 1") == 1
    with pytest.raises(StoreError, match="closed"):
        store.scalar("SELECT 1")
    with pytest.raises(StoreError, match="closed"), store.transaction():
        pass


def test_the_store_is_closed_when_the_block_raises(tmp_path: Path) -> None:
    with pytest.raises(KeyError), Store.open(tmp_path / "s.db") as store:
        raise KeyError("x")
    with pytest.raises(StoreError, match="closed"):
        store.query("SELECT 1")


def test_a_corrupt_store_file_is_a_store_error(tmp_path: Path) -> None:
    path = write(tmp_path / "s.db", "this is not an SQLite database, but it is long enough "
                 "for SQLite to look at its header and refuse it. " * 4)
    with pytest.raises(StoreError, match="cannot open the store") as caught:
        Store.open(path)
    assert "\n" not in caught.value.message and caught.value.exit_code is ExitCode.USAGE


def _config_with_store(isolated: Path) -> None:
    write(isolated / "citychan.toml", 'version = 1\n[store]\npath = "data/citychan.db"\n'
          '[channels.outbox]\ntype = "outbox"\n')


@pytest.mark.parametrize("command", [("log",), ("retry", "--list"), ("retry", "--yes"),
                                     ("post", "n.md", "--yes")])
def test_a_corrupt_store_is_one_line_and_exit_2_at_the_command_line(
    isolated: Path, command: tuple[str, ...]
) -> None:
    _config_with_store(isolated)
    write(isolated / "n.md", NOTICE)
    write(isolated / "data" / "citychan.db", "garbage " * 200)
    assert_one_line_error(cli(*command), 2, "data/citychan.db: cannot open the store")


def test_a_store_that_refuses_writes_is_one_line_and_exit_2_when_posting(isolated: Path) -> None:
    """SQLite failing mid-run (disk full, I/O error) is simulated by a trigger that aborts
    every new delivery: the post stops with one line, and the outbox file is not written."""
    _config_with_store(isolated)
    write(isolated / "n.md", NOTICE)
    Store.open(isolated / "data" / "citychan.db").close()
    con = sqlite3.connect(isolated / "data" / "citychan.db")
    con.execute("CREATE TRIGGER full BEFORE INSERT ON deliveries "
                "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    con.commit()
    con.close()
    assert_one_line_error(cli("post", "n.md", "--yes"), 2, "cannot write the store")
    assert not (isolated / "citychan-out" / "outbox").exists()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="file permissions do not bind root")
def test_a_read_only_store_file_is_one_line_and_exit_2(isolated: Path) -> None:
    _config_with_store(isolated)
    write(isolated / "n.md", NOTICE)
    Store.open(isolated / "data" / "citychan.db").close()
    (isolated / "data" / "citychan.db").chmod(0o444)
    (isolated / "data").chmod(0o555)
    try:
        run = cli("post", "n.md", "--yes")
    finally:
        (isolated / "data").chmod(0o755)
    assert_one_line_error(run, 2, "data/citychan.db: cannot")


def test_records_survive_the_store_being_closed_and_opened_again(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        deliveries = DeliveryStore(store)
        deliveries.record_message("h", "info", "T", ("de",), "n.md")
        did = deliveries.begin("h", "outbox", "outbox", "text", False)
        deliveries.finish(did, Status.SENT, remote_id="r", attempts=1)
    with Store.open(tmp_path / "s.db") as store:
        (d,) = DeliveryStore(store).recent()
        assert (d.id, d.status, d.remote_id, d.attempts) == (did, Status.SENT, "r", 1)
