"""Fan-out through plugin channels: concurrency, outcomes, exit codes, retry, secrets."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import pytest

from tests.support.cli import cli, store_rows
from tests.support.config import OUTBOX, MakeConfig, write_config
from tests.support.files import NOTICE, write
from tests.support.plugin import install_plugin


@pytest.fixture
def fake(isolated: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    install_plugin(tmp_path / "site", monkeypatch)
    import citychan_fake

    citychan_fake.CALLS.clear()
    citychan_fake.BARRIER.clear()
    citychan_fake.READ_BACK.clear()
    monkeypatch.setenv("FAKE_TOKEN", "s3cr3t-token-value")
    yield citychan_fake
    sys.modules.pop("citychan_fake", None)


def config(isolated: Path, channels: dict[str, str]) -> None:
    """Fake plugin channels by name -> behaviour, and the notice n.md."""
    write_config(isolated / "citychan.toml", channels={
        name: {"type": "fake", "behaviour": behaviour, "token_env": "FAKE_TOKEN"}
        for name, behaviour in channels.items()})
    write(isolated / "n.md", NOTICE)


def test_fan_out_is_concurrent(fake, isolated: Path) -> None:
    names = [f"c{i}" for i in range(8)]
    config(isolated, {n: "ok" for n in names})
    barrier = threading.Barrier(8)  # passes only when all eight sends are in flight at once
    fake.BARRIER.update({n: barrier for n in names})
    run = cli("post", "n.md", "--yes", "--output", "json")
    assert run.code == 0, run.stderr
    results = json.loads(run.stdout)["result"]["results"]
    assert {r["status"] for r in results} == {"sent"} and not barrier.broken


def test_one_failure_one_unknown_others_still_delivered(fake, isolated: Path) -> None:
    config(isolated, {"good": "ok", "bad": "fail", "maybe": "unknown", "buggy": "crash"})
    run = cli("post", "n.md", "--yes", "--output", "json")
    assert run.code == 4
    by = {r["channel"]: r for r in json.loads(run.stdout)["result"]["results"]}
    assert by["good"]["status"] == "sent" and by["good"]["url"] == "https://example.org/good"
    assert by["bad"]["status"] == "failed"
    assert by["maybe"]["status"] == "unknown"
    assert by["buggy"]["status"] == "unknown"  # a crash may have sent: never assume it did not
    assert by["maybe"]["attempts"] == 1  # outcome unknown: no blind resend


def test_secrets_never_reach_output_or_store(fake, isolated: Path) -> None:
    config(isolated, {"bad": "fail", "buggy": "crash"})
    run = cli("post", "n.md", "--yes", "--output", "json")
    text = run.stdout + run.stderr
    text += "".join(str(r) for r in store_rows(isolated / "citychan-out" / "citychan.db"))
    text += cli("log", "--output", "json").stdout
    assert "s3cr3t-token-value" not in text
    assert "401 Unauthorized for token ***" in run.stdout


def test_the_post_carries_a_stable_idempotency_key(fake, isolated: Path) -> None:
    config(isolated, {"a": "ok", "b": "ok"})
    assert cli("post", "n.md", "--yes").code == 0
    keys = {name: post.idempotency_key for name, post in fake.CALLS}
    assert keys["a"] != keys["b"] and all(k.startswith("citychan-") for k in keys.values())
    db = store_rows(isolated / "citychan-out" / "citychan.db")
    assert set(keys.values()) <= {str(cell) for row in db for cell in row}


def test_retry_reads_back_then_resends_only_what_is_missing(fake, isolated: Path) -> None:
    config(
        isolated, {"there": "unknown", "missing": "unknown", "opaque": "unknown", "failed": "fail"}
    )
    assert cli("post", "n.md", "--yes").code == 4
    listed = json.loads(cli("retry", "--list", "--output", "json").stdout)["result"]["deliveries"]
    assert sorted(d["channel"] for d in listed) == ["failed", "missing", "opaque", "there"]
    fake.READ_BACK.update({"there": "found", "missing": "missing"})
    config(isolated, dict.fromkeys(("there", "missing", "opaque", "failed"), "ok"))
    first_keys = {name: p.idempotency_key for name, p in fake.CALLS}
    fake.CALLS.clear()
    run = cli("retry", "--output", "json")  # no terminal, no --yes: nothing unprovable is resent
    by = {d["channel"]: d for d in json.loads(run.stdout)["result"]["deliveries"]}
    assert (by["there"]["action"], by["there"]["new_status"]) == ("found", "sent")
    assert (by["missing"]["action"], by["missing"]["new_status"]) == ("resent", "sent")
    assert (by["opaque"]["action"], by["opaque"]["new_status"]) == ("left", "unknown")
    assert (by["failed"]["action"], by["failed"]["new_status"]) == ("left", "failed")
    assert [name for name, _ in fake.CALLS] == ["missing"]
    assert fake.CALLS[0][1].idempotency_key == first_keys["missing"]  # same key on resend
    assert run.code == 4
    run = cli("retry", "--yes", "--output", "json")
    assert run.code == 0
    assert sorted(name for name, _ in fake.CALLS) == ["failed", "missing", "opaque"]
    assert (
        json.loads(cli("retry", "--list", "--output", "json").stdout)["result"]["deliveries"] == []
    )


def test_a_read_back_that_fails_now_never_becomes_a_resend(fake, isolated: Path) -> None:
    """The API can tell, it just did not answer: even --yes must not guess 'missing'."""
    config(isolated, {"flaky": "unknown"})
    assert cli("post", "n.md", "--yes").code == 4
    fake.READ_BACK.update({"flaky": "down"})
    fake.CALLS.clear()
    run = cli("retry", "--yes", "--output", "json")
    (row,) = json.loads(run.stdout)["result"]["deliveries"]
    assert (row["action"], row["new_status"]) == ("left", "unknown")
    assert "read-back failed" in row["detail"] and "502" in row["detail"]
    assert fake.CALLS == [] and run.code == 4
    fake.READ_BACK.update({"flaky": "found"})  # later the API answers: resolved, not resent
    again = json.loads(cli("retry", "--output", "json").stdout)["result"]["deliveries"]
    assert [(d["action"], d["new_status"]) for d in again] == [("found", "sent")]
    assert fake.CALLS == []


def test_summary_and_link_for_a_small_channel(
        fake, isolated: Path, make_config: MakeConfig) -> None:
    make_config(channels={"small": {"type": "fake", "limit": 200}, "big": {"type": "fake"}})
    long = NOTICE + "\n" + "Weitere Einzelheiten folgen. " * 20
    write(isolated / "n.md", long)
    run = cli("post", "n.md", "--yes", "--output", "json")
    assert run.code == 0, run.stdout + run.stderr
    env = json.loads(run.stdout)["result"]
    by = {r["channel"]: r for r in env["results"]}
    assert by["small"]["summary_used"] and not by["big"]["summary_used"]
    sent = {name: post.rendered.text for name, post in fake.CALLS}
    assert "Die Löbauer Straße ist vom 3. bis 7. Dezember gesperrt." in sent["small"]
    assert "https://www.bautzen.de/aktuelles/loebauer-strasse?id=7" in sent["small"]
    assert "Weitere Einzelheiten" in sent["big"]
    assert any(f["code"] == "CC102" and f["channel"] == "small" for f in env["findings"])


def test_too_long_without_summary_is_rejected(
        fake, isolated: Path, make_config: MakeConfig) -> None:
    make_config(channels={"small": {"type": "fake", "limit": 50}})
    write(isolated / "n.md", "---\ntitle: Lang\n---\n" + "Text " * 40)
    run = cli("post", "n.md", "--yes")
    assert run.code == 3 and "CC101" in run.stderr and fake.CALLS == []


def test_plugin_is_listed_with_its_distribution(fake, isolated: Path) -> None:
    config(isolated, {"a": "ok", "b": "broken"})
    run = cli("channels", "--output", "json")
    assert {c["source"] for c in json.loads(run.stdout)["result"]["channels"]} == {
        "plugin citychan-fake 1.2.3"
    }
    test = cli("channels", "--test", "--output", "json")
    checks = {c["channel"]: c for c in json.loads(test.stdout)["result"]["checks"]}
    assert checks["a"]["ok"] and checks["b"]["problems"] == ["b is not ready"]
    assert test.code == 4


def test_broken_plugin_is_a_warning_not_a_crash(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, make_config: MakeConfig
) -> None:
    install_plugin(
        tmp_path / "site2",
        monkeypatch,
        dist="citychan-broken",
        module="citychan_broken",
        source="raise ImportError('needs libfoo')\n",
        entry_points="broken = citychan_broken:Nope",
    )
    make_config(channels={"o": OUTBOX, "x": {"type": "broken"}})
    run = cli("channels")
    assert run.exception is None
    assert run.code == 0
    assert "Warning: channel plugin 'broken'" in run.stderr and "needs libfoo" in run.stderr
    assert "Traceback" not in run.stderr
    test = cli("channels", "--test", "--output", "json")  # pre-flight says what is wrong
    checks = {c["channel"]: c for c in json.loads(test.stdout)["result"]["checks"]}
    assert test.code == 4 and checks["o"]["ok"] and not checks["x"]["ok"]
    # the notice still goes out everywhere else; the broken channel fails, recorded
    write(isolated / "n.md", NOTICE)
    post = cli("post", "n.md", "--yes", "--output", "json")
    by = {r["channel"]: r for r in json.loads(post.stdout)["result"]["results"]}
    assert post.code == 4 and by["o"]["status"] == "sent" and by["x"]["status"] == "failed"
    assert "plugin 'broken' failed to start" in by["x"]["error"]


def test_repost_after_unknown_points_to_retry_not_force(fake, isolated: Path) -> None:
    config(isolated, {"maybe": "unknown"})
    assert cli("post", "n.md", "--yes").code == 4
    rerun = cli("post", "n.md", "--yes", "--output", "json")
    again = json.loads(rerun.stdout)["result"]
    (row,) = again["results"]
    assert row["status"] == "skipped" and "citychan retry" in row["error"]
    assert "--force" not in row["error"]
    assert row["unresolved"] and rerun.code == 4  # not delivered yet, as far as anyone knows


def test_a_recorded_post_finds_its_image_from_any_folder(isolated: Path, monkeypatch) -> None:
    """retry reads the post back from the store, maybe from another working folder."""
    from citychan.delivery.posts import post_from_json, post_to_json
    from citychan.testing import sample_post

    write(isolated / "sub" / "karte.png", "png")
    stored = post_to_json(sample_post(image=Path("sub/karte.png"), image_alt="Karte"))
    monkeypatch.chdir(isolated / "sub")
    assert post_from_json(stored).image.read_text() == "png"


def test_a_recorded_post_keeps_the_recipients_a_resend_goes_to() -> None:
    """A partial send (Signal) records the post narrowed to whom it missed; rows written
    before there was such a field resend to all."""
    import json
    from dataclasses import replace

    from citychan.delivery.posts import post_from_json, post_to_json
    from citychan.testing import sample_post

    narrowed = replace(sample_post(), recipients=("+4915198765432",))
    assert post_from_json(post_to_json(narrowed)).recipients == ("+4915198765432",)
    old = json.loads(post_to_json(sample_post()))
    del old["recipients"]
    assert post_from_json(json.dumps(old)).recipients == ()


@pytest.mark.parametrize("where", ["from_config", "capabilities"])
def test_a_plugin_that_raises_fails_alone_and_the_others_get_the_notice(
        isolated: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, where: str,
        make_config: MakeConfig) -> None:
    source = (
        "from citychan.channels.base import Capabilities, Dialect, Option\n"
        "class Buggy:\n"
        "    type_name = 'buggy'\n"
        "    options = {}\n"
        "    @classmethod\n"
        "    def from_config(cls, name, options, ctx):\n"
        f"        if {where == 'from_config'!r}: raise KeyError('chat')\n"
        "        return cls()\n"
        "    @property\n"
        "    def capabilities(self):\n"
        "        raise RuntimeError('no capabilities today')\n"
    )
    module = f"citychan_buggy_{where}"  # a fresh module per case: imports are cached
    install_plugin(tmp_path / "site3", monkeypatch, dist="citychan-buggy", module=module,
                   source=source, entry_points=f"buggy = {module}:Buggy")
    make_config(channels={"o": OUTBOX, "x": {"type": "buggy"}})
    write(isolated / "n.md", NOTICE)
    run = cli("post", "n.md", "--yes", "--output", "json")
    assert run.exception is None and run.code == 4, run.stderr
    by = {r["channel"]: r for r in json.loads(run.stdout)["result"]["results"]}
    assert by["o"]["status"] == "sent"
    assert by["x"]["status"] == "failed" and "plugin 'buggy' failed to start" in by["x"]["error"]
    assert ("KeyError" if where == "from_config" else "RuntimeError") in by["x"]["error"]


def test_pacing_counts_deliveries_of_earlier_runs(tmp_path: Path) -> None:
    """Telegram allows about 20 posts a minute per chat; a script posting in a loop runs a
    new process each time, so the limit is counted from the store, not from memory."""
    from datetime import UTC, datetime

    from citychan.delivery.publisher import Publisher
    from citychan.store.db import Store

    store = Store(tmp_path / "s.db")
    publisher = Publisher(store=store, channels={}, now=lambda: datetime.now(UTC))
    for h in ("h1", "h2", "h3", "h4"):  # four notices: one delivery each to a channel
        publisher.deliveries.record_message(h, "info", "T", ("de",), "n.md")
    for h in ("h1", "h2", "h3"):
        publisher.deliveries.begin(h, "tg", "telegram", "x", False)
    assert publisher._window_wait("tg", 3) == 0.0  # three in the minute, ours among them
    publisher.deliveries.begin("h4", "tg", "telegram", "x", False)
    assert 55 < publisher._window_wait("tg", 3) <= 60  # a fourth waits for the first to age
    assert publisher._window_wait("other", 3) == 0.0


def test_retry_without_a_terminal_says_how_to_resend(fake, isolated: Path) -> None:
    config(isolated, {"opaque": "unknown"})
    assert cli("post", "n.md", "--yes").code == 4
    run = cli("retry")
    assert run.code == 4 and "citychan retry --yes" in run.stderr


def _one_target_plan(tmp_path: Path):
    from citychan.channels.base import Capabilities, Dialect, Rendered
    from citychan.notices.message import load_message
    from citychan.notices.target import Plan, Target

    msg = load_message(write(tmp_path / "n.md", NOTICE), ("de",))
    target = Target("slowpoke", "fake", Capabilities(dialect=Dialect.PLAIN), ("de",),
                    Rendered(Dialect.PLAIN, "Text"))
    return Plan(msg, targets=[target])


class _Channel:
    capabilities = None

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def send(self, post):
        import time

        from citychan.channels.base import Receipt

        time.sleep(self.seconds)
        return Receipt(remote_id="R1")


def test_waiting_for_a_turn_does_not_count_against_the_hard_limit(
        tmp_path: Path, monkeypatch) -> None:
    """Pacing (Telegram: 20 a minute) may hold a delivery back before its first attempt; the
    hard limit is for a server that does not answer, so it must not turn that into unknown."""
    import time
    from datetime import UTC, datetime

    from citychan.delivery.publisher import Publisher
    from citychan.store.db import Store

    monkeypatch.setattr(Publisher, "_pace", lambda self, target: time.sleep(0.4))
    store = Store(tmp_path / "s.db")
    publisher = Publisher(store=store, channels={"slowpoke": _Channel(0.0)},
                          now=lambda: datetime.now(UTC), hard_limit=0.2)
    (result,) = publisher.publish(_one_target_plan(tmp_path)).results
    assert (str(result.status), result.remote_id) == ("sent", "R1")


def test_the_hard_limit_never_overwrites_a_delivery_that_finished(tmp_path: Path) -> None:
    from citychan.store.db import Store
    from citychan.store.deliveries import DeliveryStore, Status

    store = DeliveryStore(Store(tmp_path / "s.db"))
    store.record_message("h", "info", "T", ("de",), "n.md")
    did = store.begin("h", "tg", "telegram", "x", False)
    store.finish(did, Status.SENT, remote_id="R1", attempts=1)
    store.finish(did, Status.UNKNOWN, error="no answer within 130 s",
                 only_pending=True)
    (row,) = store.recent()
    assert (row.status, row.remote_id, row.error) == (Status.SENT, "R1", None)


def test_a_publisher_used_again_starts_its_hard_limit_afresh(tmp_path: Path) -> None:
    import time
    from datetime import UTC, datetime

    from citychan.delivery.publisher import Publisher
    from citychan.store.db import Store

    publisher = Publisher(store=Store(tmp_path / "s.db"), channels={"slowpoke": _Channel(0.05)},
                          now=lambda: datetime.now(UTC), hard_limit=0.5)
    plan = _one_target_plan(tmp_path)
    assert str(publisher.publish(plan).results[0].status) == "sent"
    time.sleep(0.6)  # past the first run's limit: the second run has its own
    assert str(publisher.publish(plan, force=True).results[0].status) == "sent"


def test_a_channel_calling_sys_exit_is_an_unknown_delivery_not_a_crash(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from citychan.delivery.publisher import Publisher
    from citychan.store.db import Store
    from citychan.store.deliveries import Status

    class Exits(_Channel):
        def send(self, post):
            raise SystemExit(3)

    store = Store(tmp_path / "s.db")
    publisher = Publisher(store=store, channels={"slowpoke": Exits(0)},
                          now=lambda: datetime.now(UTC), hard_limit=1.0)
    (result,) = publisher.publish(_one_target_plan(tmp_path)).results
    assert result.status is Status.UNKNOWN and "SystemExit" in result.error
    assert [d.status for d in publisher.deliveries.recent()] == [Status.UNKNOWN]


def test_a_resend_interrupted_midway_is_pending_not_failed(fake, isolated: Path,
                                                           monkeypatch) -> None:
    """A failed delivery being resent may go out this time: if retry is interrupted there,
    the next retry must read back or ask, never resend a 'failed' row blindly."""
    from citychan.delivery.publisher import Publisher

    config(isolated, {"flaky": "fail"})
    assert cli("post", "n.md", "--yes").code == 4

    def interrupted(self, target, post, did):
        raise KeyboardInterrupt

    monkeypatch.setattr(Publisher, "send_recorded", interrupted)
    assert cli("retry", "--yes").code == 130
    (row,) = json.loads(cli("retry", "--list", "--output", "json").stdout)["result"]["deliveries"]
    assert row["status"] == "pending"
