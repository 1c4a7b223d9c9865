"""`store export` and `store import` never destroy or falsify the record they move: an export
does not overwrite the store, the config or any file without --force, and an import refuses
an export whose rows differ from the content hash in its header."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import assert_one_line_error, cli
from tests.support.config import OUTBOX, MakeConfig
from tests.support.files import NOTICE, write


def _posted(make_config: MakeConfig, isolated: Path) -> Path:
    make_config(channels={"outbox": OUTBOX})
    write(isolated / "n.md", NOTICE)
    assert cli("post", "n.md", "--yes").code == 0
    return isolated / "citychan-out" / "citychan.db"


def test_export_never_overwrites_the_store_the_config_or_a_file_without_force(
        make_config: MakeConfig, isolated: Path) -> None:
    db = _posted(make_config, isolated)
    before = db.read_bytes()
    assert_one_line_error(cli("store", "export", str(db)), 2, "own store or config")
    assert_one_line_error(cli("store", "export", "citychan.toml", "--force"), 2,
                          "own store or config")
    assert db.read_bytes() == before and cli("log").code == 0  # the store still opens
    write(isolated / "old.jsonl", "keep me\n")
    assert_one_line_error(cli("store", "export", "old.jsonl"), 2, "exists already")
    assert (isolated / "old.jsonl").read_text(encoding="utf-8") == "keep me\n"
    assert cli("store", "export", "old.jsonl", "--force").code == 0
    assert (isolated / "old.jsonl").read_text(encoding="utf-8").startswith("{")


def test_an_export_edited_after_the_fact_is_refused_and_nothing_is_imported(
        make_config: MakeConfig, isolated: Path, tmp_path: Path) -> None:
    _posted(make_config, isolated)
    assert cli("store", "export", "backup.jsonl").code == 0
    lines = (isolated / "backup.jsonl").read_text(encoding="utf-8").splitlines()
    edited = []
    for line in lines:
        item = json.loads(line)
        if item.get("table") == "deliveries":
            item["row"]["url"] = "https://evil.example/forged"
        edited.append(json.dumps(item, ensure_ascii=False))
    write(isolated / "forged.jsonl", "\n".join(edited) + "\n")
    other = tmp_path / "other"
    other.mkdir()
    write(other / "citychan.toml", "version = 1\n[store]\npath = \"new.db\"\n")
    run = cli("store", "import", str(isolated / "forged.jsonl"),
              "--config", str(other / "citychan.toml"))
    assert_one_line_error(run, 2, "differs from the content hash")
    untouched = cli("store", "import", str(isolated / "backup.jsonl"),
                    "--config", str(other / "citychan.toml"))
    assert untouched.code == 0, untouched.stderr  # the refused import left the store empty
