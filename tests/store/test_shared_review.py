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


def _press_machine(root: Path, name: str, url: str, hook: str) -> tuple[Path, dict[str, str]]:
    work, env = _machine(root, name, url, hook)
    write_config(work / "citychan.toml", review={"required_for": ["info"]},
                 channels={"hook": {"type": "webhook", "url": hook, "secret_env": "HOOK_SECRET"}},
                 store={"url": url, "password_env": PASSWORD_ENV})
    return work, env


@pytest.mark.integration
def test_a_notice_drafted_in_a_folder_that_is_gone_is_approved_from_the_store_once(
        pg_url: str, tmp_path: Path) -> None:
    """The press office drafts n.md on its laptop; its folder is not on the head of office's
    machine at home (here: moved away before B approves). B sends the copy the draft keeps
    in the store, once, as drafted."""
    with CountingServer() as server:
        a_work, a_env = _press_machine(tmp_path, "presse-laptop", pg_url, f"{server.url}/hook")
        b_work, b_env = _press_machine(tmp_path, "leitung-zuhause", pg_url,
                                       f"{server.url}/hook")
        (a_work / "n.md").write_text("---\ntitle: Sperrung der Löbauer Straße\n---\n"
                                     "Die Löbauer Straße ist ab Montag gesperrt.\n",
                                     encoding="utf-8")
        with Workers(1, a_work, a_env) as a:
            (drafted,) = a.run([["post", "n.md", "--yes", "--by", "m.schulze"]])
            assert drafted.code == 0, drafted.stderr
        a_work.rename(a_work.with_name("weggeräumt"))
        with Workers(1, b_work, b_env) as b:
            runs = [*b.run([["review", "approve", "d1", "--by", "k.nowak"]]),
                    *b.run([["review", "approve", "d1", "--by", "p.krause"]])]
            assert [r.code for r in runs] == [0, 2], [(r.code, r.stderr) for r in runs]
            assert "sending the drafted copy" in runs[0].stdout
            (log,) = b.run([["log", "--output", "json"]])
    assert server.count() == {"/hook": 1}
    (delivery,) = log.json()["result"]["deliveries"]
    assert (delivery["channel"], delivery["status"], delivery["title"]) == (
        "hook", "sent", "Sperrung der Löbauer Straße")
