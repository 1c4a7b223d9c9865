"""Who: every recorded delivery keeps the member of staff who sent it (`--by NAME`, else the
login name); `log` shows it, also as JSON."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import pytest

from citychan import operators
from tests.support.cli import assert_one_line_error, cli
from tests.support.config import OUTBOX, MakeConfig
from tests.support.files import NOTICE, write


@pytest.fixture
def notice_file(isolated: Path, make_config: MakeConfig) -> Path:
    make_config(channels={"outbox": OUTBOX, "second": OUTBOX | {"path": "second"}})
    return write(isolated / "n.md", NOTICE)


def logged() -> list[dict]:
    run = cli("log", "--output", "json")
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)["result"]["deliveries"]


def test_post_by_records_the_name_with_every_delivery_and_log_shows_it(
        notice_file: Path) -> None:
    assert cli("post", "n.md", "--yes", "--by", "m.schulze").code == 0
    assert [d["operator"] for d in logged()] == ["m.schulze", "m.schulze"]
    assert "m.schulze" in cli("log", env={"COLUMNS": "200"}).stdout


def test_without_by_the_login_name_is_recorded(
        notice_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGNAME", "p.krause")
    assert cli("post", "n.md", "--yes").code == 0
    assert {d["operator"] for d in logged()} == {"p.krause"}


def test_a_system_that_cannot_name_the_login_records_unknown(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def no_login() -> str:
        raise OSError("no passwd entry")

    monkeypatch.setattr(getpass, "getuser", no_login)
    assert operators.current() == "unknown"


@pytest.mark.parametrize("name", ["", "   ", "a\x1b[31mb", "x" * 65, "m.schulze\u202e"])
def test_a_bad_by_is_one_line_exit_2_and_nothing_is_sent(notice_file: Path, name: str) -> None:
    run = cli("post", "n.md", "--yes", "--by", name)
    assert_one_line_error(run, 2, "--by")
    assert not Path("citychan-out/outbox").exists()


def test_a_warning_records_the_login_name_too(
        isolated: Path, make_config: MakeConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support.config import ALERTS_TABLE

    monkeypatch.setenv("LOGNAME", "leitstelle")
    make_config(alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})
    run = cli("warn", "--template", "hochwasser", "--level", "high", "--area", "Spreeufer",
              "--yes")
    assert run.code == 0, run.stderr
    assert {d["operator"] for d in logged()} == {"leitstelle"}


def test_warn_new_update_and_allclear_record_who_with_by(
        isolated: Path, make_config: MakeConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    """The duty officer at home sends under their own name, not the shared login's."""
    from tests.support.config import ALERTS_TABLE

    monkeypatch.setenv("LOGNAME", "leitstelle")
    make_config(alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})
    run = cli("warn", "--template", "hochwasser", "--level", "high", "--area", "Spreeufer",
              "--yes", "--by", "a.noack")
    assert run.code == 0, run.stderr
    incident = run.stdout.splitlines()[-1]
    assert cli("warn", "update", incident, "--level", "medium", "--yes",
               "--by", "b.wende").code == 0
    assert cli("warn", "allclear", incident, "--yes").code == 0
    assert sorted(d["operator"] for d in logged()) == ["a.noack", "b.wende", "leitstelle"]
    bad = cli("warn", "allclear", incident, "--yes", "--by", " ")
    assert bad.code == 2 and "--by" in bad.stderr
