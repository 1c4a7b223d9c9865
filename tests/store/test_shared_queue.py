"""Issue 15 on the city's PostgreSQL server: a post scheduled on the press office's laptop
is sent by `run-due` on the city's server (separate homes and working folders, the same
store URL) from the copy the queue keeps, once, after the laptop's folder moved away."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from tests.support.config import OUTBOX, write_config
from tests.support.files import NOTICE, write
from tests.support.postgres import PASSWORD, PASSWORD_ENV
from tests.support.workers import Workers

MORNING = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # a Tuesday


def _machine(root: Path, name: str, url: str) -> tuple[Path, dict[str, str]]:
    work, home = root / name / "work", root / name / "home"
    home.mkdir(parents=True)
    write_config(work / "citychan.toml", channels={"outbox": OUTBOX},
                 store={"url": url, "password_env": PASSWORD_ENV})
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           PASSWORD_ENV: PASSWORD}
    return work, env


@pytest.mark.integration
def test_a_post_scheduled_on_one_machine_is_sent_from_its_copy_by_another(
        pg_url: str, tmp_path: Path) -> None:
    a_work, a_env = _machine(tmp_path, "pressestelle", pg_url)
    b_work, b_env = _machine(tmp_path, "stadtserver", pg_url)
    write(a_work / "n.md", NOTICE.replace("link:", "image: karte.png\nimage_alt: Karte\nlink:"))
    Image.new("RGB", (40, 30), (200, 30, 30)).save(a_work / "karte.png")
    at = (MORNING + timedelta(hours=1)).strftime("%d.%m.%Y %H:%M")
    with Workers(1, a_work, a_env) as a:
        (queued,) = a.run([["post", "n.md", "--at", at, "--by", "m.schulze"]],
                          now=MORNING.isoformat())
        assert queued.code == 0, queued
    a_work.rename(a_work.with_name("work-moved"))
    due = (MORNING + timedelta(hours=1, minutes=1)).isoformat()
    with Workers(1, b_work, b_env) as b:
        first, again = b.run([["run-due"]], now=due)[0], b.run([["run-due"]], now=due)[0]
    assert first.code == 0, first
    assert "#1: the file is not on this machine: sent the copy kept with it" in first.stdout
    assert again.code == 0 and again.stdout.strip() == "Nothing due.", again
    (out,) = (b_work / "citychan-out" / "outbox").glob("*.outbox.txt")
    text = out.read_text(encoding="utf-8")
    assert "Löbauer Straße" in text and "[image: karte.png — Karte]" in text
