"""Issue 15's done-when on the city's PostgreSQL server: a warning held for review on one
machine is approved on another (separate homes and working folders, the same store URL),
and two operators approving it at the same moment on the two machines send it once."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.support.config import ALERTS_TABLE, write_config
from tests.support.postgres import PASSWORD, PASSWORD_ENV
from tests.support.workers import CountingServer, Outcome, Workers


def _machine(root: Path, name: str, url: str, hook: str) -> tuple[Path, dict[str, str]]:
    work, home = root / name / "work", root / name / "home"
    home.mkdir(parents=True)
    write_config(work / "citychan.toml", review={"required_for": ["warning"]},
                 alerts=ALERTS_TABLE,
                 channels={"hook": {"type": "webhook", "url": hook, "secret_env": "HOOK_SECRET"}},
                 store={"url": url, "password_env": PASSWORD_ENV})
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "HOOK_SECRET": "hook-secret-value", PASSWORD_ENV: PASSWORD}
    return work, env


@pytest.mark.integration
def test_a_warning_drafted_on_one_machine_is_approved_once_from_two(
        pg_url: str, tmp_path: Path) -> None:
    with CountingServer() as server:
        a_work, a_env = _machine(tmp_path, "leitstelle", pg_url, f"{server.url}/hook")
        b_work, b_env = _machine(tmp_path, "bereitschaft-zuhause", pg_url, f"{server.url}/hook")
        with Workers(1, a_work, a_env) as a, Workers(1, b_work, b_env) as b:
            (drafted,) = a.run([["warn", "--template", "hochwasser", "--level", "medium",
                                 "--area", "Spreeufer", "--yes", "--by", "d.officer"]])
            assert drafted.code == 0 and "held for review as d1" in drafted.stdout, drafted
            assert server.count() == {}
            outcomes: dict[str, Outcome] = {}

            def approve(name: str, workers: Workers, by: str) -> None:
                (outcomes[name],) = workers.run([["review", "approve", "d1", "--by", by,
                                                  "--yes"]])

            threads = [threading.Thread(target=approve, args=("a", a, "p.krause")),
                       threading.Thread(target=approve, args=("b", b, "k.nowak"))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            codes = sorted(o.code for o in outcomes.values())
            assert codes == [0, 2], outcomes
            (listed,) = b.run([["review", "--all", "--output", "json"]])
            (row,) = listed.json()["result"]["drafts"]
            assert (row["kind"], row["state"], row["author"]) == ("warning", "approved",
                                                                  "d.officer")
            assert row["reviewer"] in {"p.krause", "k.nowak"}
    assert server.count() == {"/hook": 1}
