"""`citychan log` and `citychan retry --list` on a store that cannot be written: a read-only
file in a read-only folder, in WAL mode. The store is opened read-only (SQLite's mode=ro,
``immutable`` when there is no write-ahead log to read); where that cannot work, one line
says why. File permissions do not bind root: as root the folder is a read-only bind mount
in a mount namespace of its own."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from citychan.store.db import Store
from citychan.store.deliveries import DeliveryStore, Status
from citychan.store.journal import append
from tests.support.config import OUTBOX, write_config

_MOUNT = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0" && shift && exec "$@"'


def _can_mount_read_only(folder: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                            _MOUNT, str(folder), "x", "true"], capture_output=True)
    return probe.returncode == 0


def citychan_read_only(folder: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """citychan in a process for which ``folder`` cannot be written."""
    command = [sys.executable, "-m", "citychan", *args]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    if os.name == "posix" and os.geteuid() == 0:
        if not _can_mount_read_only(folder):
            pytest.skip("running as root without a read-only bind mount (unshare, mount)")
        command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", _MOUNT,
                   str(folder), "x", *command]
        return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env,
                              timeout=60)
    files = [p for p in folder.iterdir() if p.is_file()]
    for p in files:
        p.chmod(0o444)
    folder.chmod(0o555)
    try:
        return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env,
                              timeout=60)
    finally:
        folder.chmod(0o755)
        for p in files:
            p.chmod(0o644)


@pytest.fixture
def store(isolated: Path) -> Path:
    """A store with a sent delivery, a failed one, and one whose outcome (sent) waits in
    the fallback journal; closed, so it has no write-ahead log."""
    write_config(isolated / "citychan.toml", channels={"outbox": OUTBOX})
    path = isolated / "citychan-out" / "citychan.db"
    with Store.open(path) as s:
        d = DeliveryStore(s)
        d.record_message("h", "info", "Sperrung der Löbauer Straße", ("de",), "n.md")
        for channel, status in (("outbox", Status.SENT), ("tg", Status.FAILED),
                                ("ntfy", None)):
            did = d.claim("h", channel, "x", "text", False).id
            if status is not None:
                d.finish(did or 0, status, remote_id="r1" if status is Status.SENT else None,
                         error="401 Unauthorized" if status is Status.FAILED else None)
    append(path, {"delivery": 3, "status": "sent", "remote_id": "n1", "url": None,
                  "error": None, "attempts": 1, "updated": "2026-11-28T10:00:00+00:00"})
    return path


def _statuses(proc: subprocess.CompletedProcess[str]) -> list[tuple[str, str]]:
    assert proc.returncode in (0, 4), proc.stdout + proc.stderr
    return sorted((d["channel"], d["status"])
                  for d in json.loads(proc.stdout)["result"]["deliveries"])


def test_log_and_retry_list_work_on_a_read_only_store(store: Path, isolated: Path) -> None:
    """The attack: on a read-only store `log` and `retry --list` failed (WAL)."""
    folder = store.parent
    before = sorted(p.name for p in folder.iterdir())
    log = citychan_read_only(folder, isolated, "log", "--output", "json")
    assert log.returncode == 0, log.stdout + log.stderr
    assert _statuses(log) == [("ntfy", "sent"), ("outbox", "sent"), ("tg", "failed")]
    listed = citychan_read_only(folder, isolated, "retry", "--list", "--output", "json")
    assert listed.returncode == 4 and _statuses(listed) == [("tg", "failed")]
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing written
    text = citychan_read_only(folder, isolated, "log")
    assert text.returncode == 0 and "Sperrung" in text.stdout and not text.stderr


def test_log_reads_a_read_only_store_another_run_is_writing(store: Path, isolated: Path) -> None:
    """In WAL mode with a writer at work: the write-ahead log and its shared memory exist,
    and SQLite reads them without writing."""
    with Store.open(store) as writer:
        d = DeliveryStore(writer)
        did = d.claim("h", "matrix", "matrix", "text", False).id
        d.finish(did or 0, Status.SENT, remote_id="$ev")
        assert store.with_name("citychan.db-wal").stat().st_size > 0
        log = citychan_read_only(store.parent, isolated, "log", "--output", "json")
    assert ("matrix", "sent") in _statuses(log)


def test_a_write_ahead_log_no_read_only_open_can_read_is_one_clear_line(
    store: Path, isolated: Path
) -> None:
    """A -wal file with changes but no shared-memory file (copied, or left by a crash), in a
    folder that cannot be written: SQLite cannot read it, and ignoring it would show an old
    store. One line says so, exit 2."""
    copy = isolated / "copy"
    copy.mkdir()
    with Store.open(store) as writer:
        DeliveryStore(writer).finish(2, Status.SENT, remote_id="late")
        for name in ("citychan.db", "citychan.db-wal"):
            shutil.copy(store.with_name(name), copy / name)
    write_config(isolated / "copy.toml", store={"path": "copy/citychan.db"},
                 channels={"outbox": OUTBOX})
    run = citychan_read_only(copy, isolated, "log", "--config", "copy.toml")
    assert run.returncode == 2, run.stdout + run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert lines[0].startswith("Error: ") and "write-ahead log citychan.db-wal" in lines[0]
    assert all(line.startswith(("Error:", "Hint:")) for line in lines) and len(lines) == 2
