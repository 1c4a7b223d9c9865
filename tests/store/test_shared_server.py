"""Two operators on two machines share one store on the city's PostgreSQL server: separate
homes and working folders (each its own citychan.toml, outbox and fallback journal), the
same store URL. "Never twice" holds across both, because the database enforces it."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest

from tests.support.config import write_config
from tests.support.files import write
from tests.support.postgres import PASSWORD, PASSWORD_ENV
from tests.support.workers import CountingServer, Outcome, Workers

HOOKS = 4
ROUNDS = 12


def _machine(root: Path, name: str, url: str, hooks: str) -> tuple[Path, dict[str, str]]:
    """A machine's working folder and environment (its own HOME)."""
    work, home = root / name / "work", root / name / "home"
    home.mkdir(parents=True)
    channels = {f"hook{i}": {"type": "webhook", "url": f"{hooks}/hook{i}",
                             "secret_env": "HOOK_SECRET"} for i in range(HOOKS)}
    write_config(work / "citychan.toml", channels=channels,
                 store={"url": url, "password_env": PASSWORD_ENV})
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
