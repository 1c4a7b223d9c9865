"""Two operators on two machines share one store on the city's PostgreSQL server: separate
homes and working folders (each its own citychan.toml, outbox and fallback journal), the
same store URL. "Never twice" holds across both, because the database enforces it."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.support.config import write_config
from tests.support.files import write
from tests.support.postgres import PASSWORD, PASSWORD_ENV
from tests.support.workers import CountingServer, Outcome, Workers

HOOKS = 4
ROUNDS = 12


def _machine(root: Path, name: str, url: str, hooks: str,
             **sections: dict[str, Any]) -> tuple[Path, dict[str, str]]:
    """A machine's working folder and environment (its own HOME)."""
    work, home = root / name / "work", root / name / "home"
    home.mkdir(parents=True)
    channels = {f"hook{i}": {"type": "webhook", "url": f"{hooks}/hook{i}",
                             "secret_env": "HOOK_SECRET"} for i in range(HOOKS)}
    write_config(work / "citychan.toml", channels=channels,
                 store={"url": url, "password_env": PASSWORD_ENV}, **sections)
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "HOOK_SECRET": "hook-secret-value", PASSWORD_ENV: PASSWORD}
    return work, env


def _at_once(machines: dict[str, Workers]) -> dict[str, list[Outcome]]:
    """Both machines' workers post n.md at the same moment."""
    outcomes: dict[str, list[Outcome]] = {}
    command = [["post", "n.md", "--yes", "--output", "json"]] * 2

    def run(name: str) -> None:
        outcomes[name] = machines[name].run(command)

    threads = [threading.Thread(target=run, args=(name,)) for name in machines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.mark.integration
def test_two_machines_posting_the_same_notice_at_once_post_once_per_channel(
    pg_url: str, tmp_path: Path
) -> None:
    with CountingServer() as server:
        a_work, a_env = _machine(tmp_path, "presse-laptop", pg_url, server.url)
        b_work, b_env = _machine(tmp_path, "bereitschaft-zuhause", pg_url, server.url)
        with Workers(2, a_work, a_env) as a, Workers(2, b_work, b_env) as b:
            for n in range(ROUNDS):
                text = (f"---\ntitle: Sperrung Abschnitt {n}\n---\n"
                        f"Abschnitt {n} der Löbauer Straße ist gesperrt.\n")
                write(a_work / "n.md", text)  # the same notice on both machines
                write(b_work / "n.md", text)
                before = server.count()
                outcomes = _at_once({"a": a, "b": b})
                after = server.count()
                arrived = {p: after[p] - before.get(p, 0) for p in after}
                assert arrived == {f"/hook{i}": 1 for i in range(HOOKS)}, (n, outcomes)
                sent = Counter(r["channel"] for runs in outcomes.values() for run in runs
                               for r in run.json()["result"]["results"]
                               if r["status"] == "sent")
                assert sent == {f"hook{i}": 1 for i in range(HOOKS)}
    assert len({h.key for h in server.hits}) == ROUNDS * HOOKS  # one idempotency key each
    # each machine keeps only its own files: no store file on either
    assert not (a_work / "citychan-out" / "citychan.db").exists()
    assert not (b_work / "citychan-out" / "citychan.db").exists()


@pytest.mark.integration
def test_one_operator_drafts_another_approves_on_another_machine_and_it_goes_out_once(
    pg_url: str, tmp_path: Path
) -> None:
    """The issue's "done when": the press office drafts on its laptop, the head of office
    approves from home; both see the same drafts, the author cannot approve, one send."""
    review = {"required_for": ["info"]}
    with CountingServer() as server:
        a_work, a_env = _machine(tmp_path, "presse-laptop", pg_url, server.url, review=review)
        b_work, b_env = _machine(tmp_path, "leitung-zuhause", pg_url, server.url, review=review)
        write(a_work / "n.md", "---\ntitle: Sperrung der Löbauer Straße\n---\n"
                               "Die Löbauer Straße ist ab Montag gesperrt.\n")
        with Workers(1, a_work, a_env) as a, Workers(1, b_work, b_env) as b:
            (drafted,) = a.run([["post", "n.md", "--yes", "--by", "m.schulze"]])
            assert drafted.code == 0, drafted.stderr
            assert server.count() == {}  # a draft, nothing sent
            (listed,) = b.run([["review", "--output", "json"]])
            (row,) = listed.json()["result"]["drafts"]
            assert (row["ref"], row["author"], row["state"]) == ("d1", "m.schulze", "pending")
            (own,) = a.run([["review", "approve", "d1", "--by", "m.schulze"]])
            assert own.code == 2 and "m.schulze" in own.stderr, own.stderr
            runs = [*b.run([["review", "approve", "d1", "--by", "k.nowak"]]),
                    *a.run([["review", "approve", "d1", "--by", "p.krause"]])]
            assert [r.code for r in runs] == [0, 2], [(r.code, r.stderr) for r in runs]
            (log,) = a.run([["log", "--output", "json"]])
    assert server.count() == {f"/hook{i}": 1 for i in range(HOOKS)}
    deliveries = log.json()["result"]["deliveries"]
    assert sorted(d["channel"] for d in deliveries) == [f"hook{i}" for i in range(HOOKS)]
    assert {d["status"] for d in deliveries} == {"sent"}
