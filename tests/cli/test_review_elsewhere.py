"""Issue 15, approving from another machine: two working folders sharing one store (an
absolute ``[store] path``), each with its own outbox. A drafts ``n.md`` in its folder; the
folder is moved away (on B's machine it never was), and B approves from the copy the draft
keeps in the store: sent once, the text as drafted, the records naming the original path.
Where the file is there, it is read as before (a changed file is refused); a copy that is
not what was drafted is refused."""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from PIL import Image

from tests.support.cli import Run, assert_one_line_error, cli
from tests.support.clock import Clock
from tests.support.config import ALERTS_TABLE, OUTBOX, write_config
from tests.support.files import NOTICE, NOTICE_HSB, WARNING_GAS, WARNING_GAS_HSB, write

REVIEW = {"required_for": ["info", "warning"]}


@pytest.fixture
def machines(isolated: Path, clock: Clock) -> dict[str, Path]:
    """Folders a (the press office's laptop) and b (the head of office at home), one store."""
    store = isolated.parent / "server" / "citychan.db"
    folders = {name: isolated.parent / name for name in ("a", "b")}
    for folder in folders.values():
        write_config(folder / "citychan.toml", review=REVIEW, alerts=ALERTS_TABLE,
                     channels={"outbox": OUTBOX}, store={"path": str(store)})
    return folders


def on(folder: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Run:
    """citychan run in ``folder``, that machine's working folder."""
    monkeypatch.chdir(folder)
    return cli(*args, env={"COLUMNS": "200"})


def sent(folder: Path) -> list[Path]:
    out = folder / "citychan-out" / "outbox"
    return sorted(f for f in out.iterdir() if f.name.endswith(".outbox.txt")) \
        if out.exists() else []


def picture(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (40, 30), (200, 30, 30)).save(path)
    return path


def drafted_notice(machines: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> str:
    a = machines["a"]
    write(a / "n.md", NOTICE.replace("link:", "image: bilder/sperrung.png\n"
                                              "image_alt: Karte der Sperrung\nlink:"))
    write(a / "n.hsb.md", NOTICE_HSB.replace("---\nLubijska", "image_alt: Karta\n---\nLubijska"))
    picture(a / "bilder" / "sperrung.png")
    run = on(a, monkeypatch, "post", "n.md", "--yes", "--by", "m.schulze", "--output", "json")
    assert run.code == 0, run.stderr
    return str(json.loads(run.stdout)["result"]["draft"]["message"])


def test_approved_where_the_file_is_not_the_drafted_copy_goes_out_once(
        machines: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    message = drafted_notice(machines, monkeypatch)
    a, b = machines["a"], machines["b"]
    a.rename(a.with_name("a-moved"))  # the author's folder is elsewhere now
    shown = on(b, monkeypatch, "review", "show", "d1")
    assert shown.code == 0, shown.stderr
    assert ("The file is not on this machine: showing the drafted copy (message "
            f"{message[:12]}…)") in shown.stdout
    assert "Löbauer Straße" in shown.stdout
    run = on(b, monkeypatch, "review", "approve", "d1", "--by", "k.nowak")
    assert run.code == 0, run.stderr
    assert (f"The file is not on this machine: sending the drafted copy (message "
            f"{message[:12]}…)") in run.stdout
    (out,) = sent(b)
    text = out.read_text(encoding="utf-8")
    assert "Die *Löbauer Straße* ist zwischen _Wallstraße_" in text  # as drafted
    assert "Zawrjenje Lubijskeje dróhi" in text  # its translation came along
    assert "[image: sperrung.png — Karte der Sperrung]" in text  # and its picture
    again = on(b, monkeypatch, "review", "approve", "d1", "--by", "p.krause")
    assert_one_line_error(again, 2, "already approved by k.nowak")
    assert len(sent(b)) == 1
    logged = on(b, monkeypatch, "log", "--output", "json").stdout
    (delivery,) = json.loads(logged)["result"]["deliveries"]
    assert (delivery["message"], delivery["status"]) == (message, "sent")
    # the records name the notice's own path, never the temporary copy's
    with sqlite3.connect(b.parent / "server" / "citychan.db") as db:
        (source,) = db.execute("SELECT source FROM messages").fetchone()
    db.close()
    assert source == str(a / "n.md")
    assert "citychan-draft-" not in run.stdout + logged + text


def test_approved_where_the_file_is_it_is_read_as_before_and_a_change_refused(
        machines: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    drafted_notice(machines, monkeypatch)
    a = machines["a"]
    write(a / "n.md", NOTICE.replace("gesperrt.", "gesperrt, ab Montag."))
    run = on(a, monkeypatch, "review", "approve", "d1", "--by", "k.nowak")
    assert_one_line_error(run, 2, "n.md changed since it was drafted as d1")
    assert "drafted copy" not in run.stdout + run.stderr
    assert sent(a) == []


def test_a_copy_in_the_store_that_is_not_what_was_drafted_is_refused(
        machines: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    drafted_notice(machines, monkeypatch)
    a, b = machines["a"], machines["b"]
    a.rename(a.with_name("a-moved"))
    forged = NOTICE.replace("gesperrt.", "frei.").encode()
    with sqlite3.connect(b.parent / "server" / "citychan.db") as db:
        db.execute("UPDATE draft_files SET data=?, size=?, sha256=? WHERE name='n.md'",
                   (base64.b64encode(forged).decode(), len(forged),
                    hashlib.sha256(forged).hexdigest()))
    db.close()
    run = on(b, monkeypatch, "review", "approve", "d1", "--by", "k.nowak")
    assert_one_line_error(run, 2, "the copy of n.md kept with d1 is not what was drafted")
    assert sent(b) == []
    (row,) = json.loads(on(b, monkeypatch, "review", "--all", "--output", "json").stdout
                        )["result"]["drafts"]
    assert (row["state"], row["reviewer"]) == ("refused", "k.nowak")


@pytest.mark.parametrize(("names", "state"), [
    (("n.md", "n.md/b"), "refused"),  # the notice itself cannot be written
    (("a", "a/b", "n.md\0x"), "approved"),  # junk beside an intact notice: left out
], ids=["a file and a folder of one name", "a NUL byte and a clash beside the notice"])
def test_a_copy_whose_names_cannot_be_written_is_judged_by_its_hash_not_a_crash(
        names: tuple[str, ...], state: str, machines: dict[str, Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A store another machine writes to is read with care: names no file system takes
    (one name a file and a folder at once, a NUL byte) are left out, and the content hash
    decides: the notice as drafted goes out, anything else is a refusal, never a crash."""
    drafted_notice(machines, monkeypatch)
    a, b = machines["a"], machines["b"]
    a.rename(a.with_name("a-moved"))
    with sqlite3.connect(b.parent / "server" / "citychan.db") as db:
        (draft_id,) = db.execute("SELECT draft_id FROM draft_files LIMIT 1").fetchone()
        for name in names:
            db.execute("INSERT OR REPLACE INTO draft_files(draft_id, name, size, sha256, data) "
                       "VALUES (?,?,?,?,?)", (draft_id, name, 1, hashlib.sha256(b"x").hexdigest(),
                                              base64.b64encode(b"x").decode()))
    db.close()
    show = on(b, monkeypatch, "review", "show", "d1")
    assert show.exception is None and "internal error" not in show.stderr
    run = on(b, monkeypatch, "review", "approve", "d1", "--by", "k.nowak")
    if state == "refused":
        assert_one_line_error(run, 2, "kept with d1 is not what was drafted")
        assert sent(b) == []
    else:
        assert run.code == 0, run.stderr
        assert len(sent(b)) == 1
    (row,) = json.loads(on(b, monkeypatch, "review", "--all", "--output", "json").stdout
                        )["result"]["drafts"]
    assert row["state"] == state


def test_a_draft_from_before_copies_were_kept_cannot_be_read_elsewhere(
        machines: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    drafted_notice(machines, monkeypatch)
    a, b = machines["a"], machines["b"]
    a.rename(a.with_name("a-moved"))
    with sqlite3.connect(b.parent / "server" / "citychan.db") as db:
        db.execute("DELETE FROM draft_files")
    db.close()
    run = on(b, monkeypatch, "review", "approve", "d1", "--by", "k.nowak")
    assert_one_line_error(run, 2, "n.md cannot be read any more")
    assert sent(b) == []


def test_a_notice_whose_files_are_too_large_for_a_draft_is_refused_with_one_line(
        machines: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    a = machines["a"]
    write(a / "n.md", NOTICE.replace("link:", "image: gross.png\nimage_alt: Karte\nlink:"))
    (a / "gross.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * (17 * 1024 * 1024))
    run = on(a, monkeypatch, "post", "n.md", "--yes", "--by", "m.schulze")
    assert_one_line_error(run, 2, "a draft keeps at most 16 MB of them in the store")
    assert "n.md: its files are 17.0 MB together (n.md, gross.png)" in run.stderr


def test_a_warning_drafted_from_a_file_is_approved_from_the_copy_elsewhere(
        machines: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = machines["a"], machines["b"]
    write(a / "gas.md", WARNING_GAS)
    write(a / "gas.hsb.md", WARNING_GAS_HSB)
    assert on(a, monkeypatch, "warn", "gas.md", "--yes", "--by", "d.officer").code == 0
    a.rename(a.with_name("a-moved"))
    run = on(b, monkeypatch, "review", "approve", "d1", "--by", "k.nowak", "--yes")
    assert run.code == 0, run.stderr
    assert "The file is not on this machine: sending the drafted copy" in run.stdout
    (out,) = sent(b)
    text = out.read_text(encoding="utf-8")
    assert "beschädigten Leitung" in text and "wobškodźeneho" in text
