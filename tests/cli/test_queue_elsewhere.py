"""Issue 15, any machine can do any job: a scheduled post keeps its notice's files in the
store, so `run-due` on another machine (cron on the city's server, the duty officer's
laptop) sends what was scheduled where the file is not: once, the text as queued, the
records naming the original path. Where the file is, it is read as before (a changed file
is refused); a kept copy that is not what was scheduled is refused. A draft with --at
approved on another machine queues the drafted copy. Two working folders share one store
(an absolute ``[store] path``), each with its own outbox."""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from tests.cli.test_review_elsewhere import on, picture, sent
from tests.support.clock import Clock
from tests.support.config import OUTBOX, write_config
from tests.support.fault_server import FaultServer, Ok, Status
from tests.support.files import NOTICE, NOTICE_HSB, write

BERLIN = "Europe/Berlin"
SECRET = "hook-secret-value-123"


def _machines(root: Path, store: Path, **sections: dict) -> dict[str, Path]:
    folders = {name: root / name for name in ("a", "b")}
    for folder in folders.values():
        write_config(folder / "citychan.toml", store={"path": str(store)}, **sections)
    return folders


@pytest.fixture
def machines(isolated: Path) -> dict[str, Path]:
    """Folders a (the press office's laptop) and b (the city's server), one store."""
    return _machines(isolated.parent, isolated.parent / "server" / "citychan.db",
                     channels={"outbox": OUTBOX})


def _notice(a: Path) -> None:
    write(a / "n.md", NOTICE.replace("link:", "image: bilder/sperrung.png\n"
                                              "image_alt: Karte der Sperrung\nlink:"))
    write(a / "n.hsb.md", NOTICE_HSB.replace("---\nLubijska", "image_alt: Karta\n---\nLubijska"))
    picture(a / "bilder" / "sperrung.png")


def _at(clock: Clock) -> str:
    return (clock(BERLIN) + timedelta(hours=1)).strftime("%d.%m.%Y %H:%M")


def _scheduled(machines: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
               clock: Clock) -> dict:
    """n.md (with its translation and picture) scheduled on a for 11:00; the clock reads
    10:00."""
    a = machines["a"]
    _notice(a)
    run = on(a, monkeypatch, "post", "n.md", "--at", _at(clock), "--by", "m.schulze",
             "--output", "json")
    assert run.code == 0, run.stderr
    return dict(json.loads(run.stdout)["result"]["scheduled"])


def _db(machines: dict[str, Path]) -> Path:
    return machines["b"].parent / "server" / "citychan.db"


def test_run_due_where_the_file_is_not_sends_the_queued_copy_once(
        machines: dict[str, Path], monkeypatch: pytest.MonkeyPatch, clock: Clock) -> None:
    entry = _scheduled(machines, monkeypatch, clock)
    a, b = machines["a"], machines["b"]
    a.rename(a.with_name("a-moved"))  # the author's folder is elsewhere now
    assert on(b, monkeypatch, "run-due").stdout.strip() == "Nothing due."  # not yet
    clock.set(11, 1)
    run = on(b, monkeypatch, "run-due")
    assert run.code == 0, run.stderr
    assert (f"#1: the file is not on this machine: sent the copy kept with it (message "
            f"{entry['message'][:12]}…).") in run.stdout
    (out,) = sent(b)
    text = out.read_text(encoding="utf-8")
    assert "Die *Löbauer Straße* ist zwischen _Wallstraße_" in text  # as queued
    assert "Zawrjenje Lubijskeje dróhi" in text  # its translation came along
    assert "[image: sperrung.png — Karte der Sperrung]" in text  # and its picture
    assert on(b, monkeypatch, "run-due").stdout.strip() == "Nothing due."
    assert len(sent(b)) == 1  # once
    (row,) = json.loads(on(b, monkeypatch, "queue", "--all", "--output", "json").stdout
                        )["result"]["queue"]
    assert (row["state"], row["operator"], row["path"]) == ("sent", "m.schulze",
                                                            str(a / "n.md"))
    logged = on(b, monkeypatch, "log", "--output", "json").stdout
    (delivery,) = json.loads(logged)["result"]["deliveries"]
    assert (delivery["message"], delivery["operator"]) == (entry["message"], "m.schulze")
    with sqlite3.connect(_db(machines)) as db:  # the records name the notice's own path
        (source,) = db.execute("SELECT source FROM messages").fetchone()
    db.close()
    assert source == str(a / "n.md")
    assert "citychan-draft-" not in run.stdout + logged + text


def test_run_due_as_json_names_the_queued_copy(
        machines: dict[str, Path], monkeypatch: pytest.MonkeyPatch, clock: Clock) -> None:
    entry = _scheduled(machines, monkeypatch, clock)
    machines["a"].rename(machines["a"].with_name("a-moved"))
    clock.set(11, 1)
    run = on(machines["b"], monkeypatch, "run-due", "--output", "json")
    assert run.code == 0, run.stderr
    (done,) = json.loads(run.stdout)["result"]["posts"]
    assert (done["state"], done["queued_copy"]) == ("sent", entry["message"])


def test_run_due_where_the_file_is_reads_it_and_refuses_a_change(
        machines: dict[str, Path], monkeypatch: pytest.MonkeyPatch, clock: Clock) -> None:
    _scheduled(machines, monkeypatch, clock)
    a, b = machines["a"], machines["b"]
    write(a / "n.md", NOTICE.replace("gesperrt.", "gesperrt, ab Montag."))
    clock.set(11, 1)
    run = on(b, monkeypatch, "run-due")
    assert run.code == 3
    assert "n.md changed since it was scheduled" in run.stdout
    assert "copy" not in run.stdout + run.stderr  # the file was there: no copy was used
    assert sent(b) == []


def test_a_kept_copy_that_is_not_what_was_scheduled_is_refused(
        machines: dict[str, Path], monkeypatch: pytest.MonkeyPatch, clock: Clock) -> None:
    _scheduled(machines, monkeypatch, clock)
    a, b = machines["a"], machines["b"]
    a.rename(a.with_name("a-moved"))
    forged = (a.with_name("a-moved") / "n.md").read_text(encoding="utf-8").replace(
        "gesperrt.", "frei.").encode()
    with sqlite3.connect(_db(machines)) as db:
        db.execute("UPDATE queue_files SET data=?, size=?, sha256=? WHERE name='n.md'",
                   (base64.b64encode(forged).decode(), len(forged),
                    hashlib.sha256(forged).hexdigest()))
    db.close()
    clock.set(11, 1)
    run = on(b, monkeypatch, "run-due")
    assert run.code == 3
    assert "the copy of n.md kept with #1 is not what was scheduled" in run.stdout
    assert sent(b) == []
    (row,) = json.loads(on(b, monkeypatch, "queue", "--output", "json").stdout
                        )["result"]["queue"]
    assert row["state"] == "refused"


def test_a_draft_with_at_approved_elsewhere_queues_the_drafted_copy(
        isolated: Path, monkeypatch: pytest.MonkeyPatch, clock: Clock) -> None:
    machines = _machines(isolated.parent, isolated.parent / "server" / "citychan.db",
                         review={"required_for": ["info"]}, channels={"outbox": OUTBOX})
    a, b = machines["a"], machines["b"]
    _notice(a)
    run = on(a, monkeypatch, "post", "n.md", "--at", _at(clock), "--by", "m.schulze")
    assert run.code == 0, run.stderr
    a.rename(a.with_name("a-moved"))
    approved = on(b, monkeypatch, "review", "approve", "d1", "--by", "k.nowak")
    assert approved.code == 0, approved.stderr
    assert "is scheduled with it; 'citychan run-due' sends it where the file is not" in \
        approved.stdout
    assert sent(b) == []
    clock.set(11, 1)
    due = on(b, monkeypatch, "run-due")
    assert due.code == 0, due.stderr
    assert "#1: the file is not on this machine: sent the copy kept with it" in due.stdout
    (out,) = sent(b)
    text = out.read_text(encoding="utf-8")
    assert "Die *Löbauer Straße* ist zwischen _Wallstraße_" in text
    assert "[image: sperrung.png — Karte der Sperrung]" in text


@pytest.mark.integration
def test_retry_of_a_post_sent_from_a_copy_resends_it_with_its_picture(
        isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Approved from the drafted copy with the webhook failing; the copy's folder is gone
    afterwards, and `retry` still sends the picture: from the files the draft keeps."""
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    with FaultServer([Status(403, {"error": "forbidden"}), Ok({"id": "42"})]) as server:
        machines = _machines(
            isolated.parent, isolated.parent / "server" / "citychan.db",
            review={"required_for": ["info"]},
            channels={"hook": {"type": "webhook", "url": server.url + "/in",
                               "secret_env": "HOOK_SECRET"}})
        a, b = machines["a"], machines["b"]
        _notice(a)
        png = (a / "bilder" / "sperrung.png").read_bytes()
        assert on(a, monkeypatch, "post", "n.md", "--by", "m.schulze").code == 0
        a.rename(a.with_name("a-moved"))
        approved = on(b, monkeypatch, "review", "approve", "d1", "--by", "k.nowak")
        assert approved.code == 4, approved.stderr  # the webhook refused it
        retried = on(b, monkeypatch, "retry", "--yes", "--output", "json")
        assert retried.code == 0, retried.stderr
        (row,) = json.loads(retried.stdout)["result"]["deliveries"]
        assert (row["action"], row["new_status"]) == ("resent", "sent")
        first, again = (json.loads(r.body) for r in server.requests)
    for body in (first, again):
        assert body["image"]["name"] == "sperrung.png"
        assert base64.b64decode(body["image"]["data"]) == png  # the picture, byte for byte
    assert again["text"] == first["text"]


def test_a_notice_whose_files_cannot_be_kept_is_still_scheduled_with_a_note(
        machines: dict[str, Path], monkeypatch: pytest.MonkeyPatch, clock: Clock) -> None:
    """Scheduling worked for these before files were kept (a picture by an absolute path, or
    one too big to keep): it still does, and says run-due sends it only where the file is."""
    a = machines["a"]
    write(a / "n.md", NOTICE.replace("link:", f"image: {a / 'karte.png'}\n"
                                              "image_alt: Karte der Sperrung\nlink:"))
    picture(a / "karte.png")
    run = on(a, monkeypatch, "post", "n.md", "--at", _at(clock), "--yes", "--output", "json")
    assert run.code == 0, run.stderr
    note = json.loads(run.stdout)["result"]["files_not_kept"]
    assert "its files are not kept with the scheduled post" in note
    assert "absolute path" in note
    run = on(a, monkeypatch, "queue", "--output", "json")
    assert run.code == 0 and len(json.loads(run.stdout)["result"]["queue"]) == 1
    clock.set(clock(BERLIN).hour + 1, clock(BERLIN).minute + 1)
    run = on(a, monkeypatch, "run-due")
    assert run.code == 0, run.stderr
    assert len(sent(a)) == 1  # where the file is, it goes out as before
