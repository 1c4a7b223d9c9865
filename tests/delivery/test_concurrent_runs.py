"""Several citychan processes at once (cron plus a person at the keyboard): each delivery is
sent by exactly one of them. Real processes, a real store (the SQLite file, and a real
PostgreSQL server), real HTTP to loopback."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.support.config import MakeConfig, Table
from tests.support.files import write
from tests.support.postgres import PASSWORD_ENV
from tests.support.workers import CountingServer, Workers

ROUNDS = 50
HOOKS = 8


def notice(n: int) -> str:
    return (f"---\ntitle: Sperrung der Löbauer Straße, Abschnitt {n}\n---\n"
            f"Abschnitt {n} ist gesperrt. Umleitung über die Wallstraße.\n")


def webhooks(url: str) -> dict[str, Table]:
    return {f"hook{i}": {"type": "webhook", "url": f"{url}/hook{i}", "secret_env": "HOOK_SECRET"}
            for i in range(HOOKS)}


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest) -> Table:
    """The config's [store]: the default SQLite file, or a database on a real server."""
    if request.param == "sqlite":
        return {}
    return {"url": request.getfixturevalue("pg_url"), "password_env": PASSWORD_ENV}


def rows(isolated: Path, store: Table, sql: str) -> list[tuple]:
    from citychan.store.db import Location, Store

    where = Location(isolated / "citychan-out" / "citychan.db", store.get("url"),
                     store.get("password_env"))
    with Store.open_for_reading(where) as db:
        return [tuple(r) for r in db.query(sql)]


@pytest.fixture
def hooks(isolated: Path, make_config: MakeConfig, monkeypatch: pytest.MonkeyPatch,
          store: Table):
    monkeypatch.setenv("HOOK_SECRET", "hook-secret-value")
    with CountingServer() as server:
        make_config(channels=webhooks(server.url), **({"store": store} if store else {}))
        yield server


@pytest.mark.integration
def test_three_posts_of_one_notice_at_once_reach_each_of_8_webhooks_once(
    hooks: CountingServer, isolated: Path, store: Table
) -> None:
    """The attack: `for k in 1 2 3; do citychan post n.md --yes & done` double-posted in 3 of
    15 rounds. Now the check and the pending record are one step in the store."""
    duplicates, missing, losers = 0, 0, Counter[str]()
    with Workers(3, isolated) as workers:
        for n in range(ROUNDS):
            write(isolated / f"n{n}.md", notice(n))
            before = hooks.count()
            runs = workers.run([["post", f"n{n}.md", "--yes", "--output", "json"]] * 3)
            after = hooks.count()
            for i in range(HOOKS):
                arrived = after.get(f"/hook{i}", 0) - before.get(f"/hook{i}", 0)
                duplicates += max(0, arrived - 1)
                missing += arrived == 0
            sent_by = Counter[str]()
            for run in runs:
                assert run.code in (0, 4), run.stderr
                for r in run.json()["result"]["results"]:
                    if r["status"] == "sent":
                        sent_by[r["channel"]] += 1
                    else:  # the others say why they sent nothing
                        assert r["status"] == "skipped", r
                        assert r["error"].startswith("already"), r["error"]
                        losers[r["error"].split(" ")[1].rstrip(":")] += 1
            assert sent_by == {f"hook{i}": 1 for i in range(HOOKS)}, (n, runs)
    print(f"\n{ROUNDS} rounds of 3 posts to {HOOKS} webhooks: {duplicates} duplicates, "
          f"{missing} missing; the others said {dict(losers)}")
    assert (duplicates, missing) == (0, 0)
    assert len(hooks.hits) == ROUNDS * HOOKS
    assert len({h.key for h in hooks.hits}) == ROUNDS * HOOKS  # one idempotency key each
    per_channel = rows(isolated, store, "SELECT message_hash, channel, COUNT(*) FROM deliveries "
                                 "WHERE status='sent' GROUP BY message_hash, channel")
    assert len(per_channel) == ROUNDS * HOOKS and {c for _, _, c in per_channel} == {1}
    assert rows(isolated, store, "SELECT COUNT(*) FROM deliveries") == [(ROUNDS * HOOKS,)]


@pytest.mark.integration
def test_two_retries_at_once_resend_each_unknown_delivery_once(
    hooks: CountingServer, isolated: Path, store: Table
) -> None:
    """The attack: two `citychan retry --yes` at once each resent every unknown delivery."""
    rounds = 6
    with Workers(2, isolated) as workers:
        for n in range(rounds):
            write(isolated / f"n{n}.md", notice(n))
            hooks.status = 502  # the answer is lost: every delivery is unknown
            (posted,) = workers.run([["post", f"n{n}.md", "--yes", "--output", "json"]])
            assert posted.code == 4
            assert {r["status"] for r in posted.json()["result"]["results"]} == {"unknown"}
            hooks.status = 200
            before = hooks.count()
            runs = workers.run([["retry", "--yes", "--output", "json"]] * 2)
            after = hooks.count()
            resent = Counter(d["id"] for run in runs for d in run.json()["result"]["deliveries"]
                             if d["action"] == "resent")
            assert sorted(resent.values()) == [1] * HOOKS, runs  # each by one of the two
            assert {p: after[p] - before.get(p, 0) for p in after} == {
                f"/hook{i}": 1 for i in range(HOOKS)}
            for run in runs:
                assert run.code in (0, 4), run.stderr
                for d in run.json()["result"]["deliveries"]:
                    if d["action"] != "resent":  # the other one was first
                        assert "another citychan run" in d["detail"], d
    assert rows(isolated, store, "SELECT status, COUNT(*) FROM deliveries GROUP BY status") == [
        ("sent", rounds * HOOKS)]


def test_a_retry_leaves_alone_a_delivery_another_run_is_sending(
    isolated: Path, make_config: MakeConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`citychan retry` while a post is still on its way: the pending delivery belongs to a
    run that is alive (its lock file is held), so retry neither reads back nor resends it."""
    from citychan.store.db import Store
    from citychan.store.deliveries import DeliveryStore, Status
    from tests.support.cli import cli

    monkeypatch.setenv("HOOK_SECRET", "hook-secret-value")
    make_config(channels=webhooks("http://127.0.0.1:9"))  # nothing may be sent
    path = isolated / "citychan-out" / "citychan.db"
    with Store.open(path) as running:  # another run, in the middle of its fan-out
        deliveries = DeliveryStore(running)
        deliveries.record_message("h", "info", "T", ("de",), "n.md")
        claim = deliveries.claim("h", "hook0", "webhook", "text", False,
                                 lambda i: (f"key-{i}", '{"not": "used"}'))
        run = cli("retry", "--yes", "--output", "json")
        (left,) = __import__("json").loads(run.stdout)["result"]["deliveries"]
        assert (left["action"], left["new_status"]) == ("left", "pending")
        assert "another citychan run is sending it right now" in left["detail"]
        assert run.code == 4
        # the same post, tried by a third run meanwhile: skipped, and it says why
        again = deliveries.claim("h", "hook0", "webhook", "text", False)
        assert again.id is None and again.taken is not None and again.taken.id == claim.id
        deliveries.finish(claim.id or 0, Status.SENT, remote_id="r1", attempts=1)
    assert cli("retry", "--list").code == 0  # that run is over: nothing is open
