"""CAP files exist exactly for the warnings that went out: written after the confirmation,
never for a declined or rejected warning; --cap-out takes a file or a folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import assert_one_line_error, cli
from tests.support.config import CAP_ISSUER, OUTBOX, MakeConfig
from tests.support.files import write


@pytest.fixture(autouse=True)
def config(make_config: MakeConfig) -> Path:
    return make_config(alerts={**CAP_ISSUER, "sender_name": "Stadt Bautzen"},
                       channels={"outbox": OUTBOX})


def caps(isolated: Path) -> list[str]:
    found = [p for p in isolated.rglob("*") if p.is_file() and ".cap.xml" in p.name
             or p.name.startswith(".") and p.suffix == ".tmp"]
    return sorted(str(p.relative_to(isolated)) for p in found)


def test_declining_the_prompt_leaves_no_cap_document(isolated: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from citychan.cli import common

    monkeypatch.setattr(common, "is_interactive", lambda: True)
    (isolated / "out").mkdir()
    no = cli("warn", "--template", "unwetter", "--level", "medium", "--area", "Bautzen",
             "--cap-out", "out/", input="n\n")
    assert no.code == 2 and "not confirmed" in no.stderr
    assert caps(isolated) == []
    wrong = cli("warn", "--template", "bombe", "--level", "high", "--area", "Altstadt",
                "--time", "23:59", "--cap-out", "out/", input="Hochwasser\n")
    assert "not confirmed" in wrong.stderr  # refused for the typed name, not the input
    assert wrong.code == 2 and caps(isolated) == []
    yes = cli("warn", "--template", "unwetter", "--level", "medium", "--area", "Bautzen",
              "--cap-out", "out/", input="y\n")
    assert yes.code == 0, yes.stderr
    found = caps(isolated)
    assert [p.split("/")[:-1] for p in found] == [
        ["citychan-out", "cap"], ["citychan-out", "outbox"], ["out"]]  # archive, outbox, --cap-out
    assert len({(isolated / p).read_bytes() for p in found}) == 1


def test_a_cap_out_folder_that_cannot_be_written_is_refused_before_anything(
    isolated: Path
) -> None:
    write(isolated / "blocker", "a file, not a folder")
    run = cli("warn", "--template", "unwetter", "--level", "low", "--area", "Bautzen",
              "--cap-out", "blocker/cap.xml", "--yes")
    assert_one_line_error(run, 2, "cannot write the CAP document here")
    assert caps(isolated) == [] and not (isolated / "citychan-out" / "outbox").exists()
    log = json.loads(cli("log", "--output", "json").stdout)["result"]
    assert log["incidents"] == []  # nothing recorded either


@pytest.mark.parametrize("dry_run", [False, True])
def test_cap_out_with_a_trailing_slash_is_a_new_folder(isolated: Path, dry_run: bool,
                                                        cap_schema) -> None:
    flags = ("--dry-run",) if dry_run else ()
    run = cli("warn", "--template", "unwetter", "--level", "low", "--area", "Bautzen",
              "--cap-out", "neu/cap/", "--yes", "--output", "json", *flags)
    assert run.code == 0, run.stderr
    res = json.loads(run.stdout)["result"]
    folder = isolated / "neu" / "cap"
    assert folder.is_dir() and [p.name for p in folder.iterdir()] == [
        f"{res['identifier']}.cap.xml"]
    cap_schema.validate(
        str(folder / f"{res['identifier']}.cap.xml"))
    assert str(folder / f"{res['identifier']}.cap.xml").endswith(res["cap_files"][-1])
