"""One cron line: `citychan run-due` sends the scheduled posts that are due and then lets
expired notices take effect (what `citychan expire` does, which still works on its own). A
failure of one part is reported and the other still runs; the exit code says if anything
failed."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from citychan.errors import StoreError
from tests.support.cli import cli
from tests.support.clock import Clock
from tests.support.config import FEED, OUTBOX, MakeConfig
from tests.support.files import NOTICE, write

EXPIRING = NOTICE.replace("---\nDie", "expires: 1d\n---\nDie", 1)


def _feed_front_page() -> str:
    return Path("citychan-out/feed/index.html").read_text(encoding="utf-8")


@pytest.fixture
def expiring_and_scheduled(isolated: Path, make_config: MakeConfig, clock: Clock) -> None:
    """A notice in the feed that expires tomorrow, and one scheduled for the day after."""
    make_config(channels={"outbox": OUTBOX, "feed": FEED})
    write(isolated / "alt.md", EXPIRING.replace("Löbauer", "Taucher"))
    assert cli("post", "alt.md", "--channel", "feed", "--yes").code == 0
    assert "Taucher" in _feed_front_page()
    write(isolated / "neu.md", NOTICE)
    at = (clock("Europe/Berlin") + timedelta(days=2)).strftime("%d.%m.%Y %H:%M")
    assert cli("post", "neu.md", "--at", at, "--channel", "outbox").code == 0
    clock.set(10, 1, days=2)


def test_run_due_sends_what_is_due_and_marks_what_expired_in_one_run(
        expiring_and_scheduled: None) -> None:
    run = cli("run-due", "--output", "json")
    assert run.code == 0, run.stdout + run.stderr
    result = json.loads(run.stdout)["result"]
    assert [p["state"] for p in result["posts"]] == ["sent"]
    assert result["expiry"]["feeds_written"] == ["feed"]
    assert result["failures"] == []
    assert "Taucher" not in _feed_front_page()  # off the front page: expired
    again = cli("run-due")
    assert (again.code, again.stdout.strip()) == (0, "Nothing due.")


def test_run_due_says_in_text_which_feed_it_wrote_again(expiring_and_scheduled: None) -> None:
    run = cli("run-due")
    assert run.code == 0, run.stderr
    assert "sent" in run.stdout
    assert "feed: feed written again (expired notices marked)" in run.stdout


def test_a_failed_expiry_is_reported_and_the_due_post_still_goes(
        expiring_and_scheduled: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise StoreError("citychan-out/citychan.db: database is locked",
                         hint="another citychan holds it; run again")

    monkeypatch.setattr("citychan.api.lifecycle.expire", broken)
    run = cli("run-due", "--output", "json")
    assert run.code == int(StoreError.exit_code), run.stdout
    result = json.loads(run.stdout)["result"]
    assert [p["state"] for p in result["posts"]] == ["sent"]
    (failure,) = result["failures"]
    assert failure["part"] == "expire" and "database is locked" in failure["error"]
    text = cli("run-due")  # in text: one line on stderr, no traceback
    assert "Traceback" not in text.stderr and "expire" in text.stderr
    assert "database is locked" in text.stderr


def test_a_failed_queue_run_is_reported_and_the_expiry_still_happens(
        expiring_and_scheduled: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise StoreError("citychan-out/citychan.db: the queue table is damaged")

    monkeypatch.setattr("citychan.api.queue.run_due", broken)
    run = cli("run-due", "--output", "json")
    assert run.code == int(StoreError.exit_code)
    result = json.loads(run.stdout)["result"]
    assert result["expiry"]["feeds_written"] == ["feed"]
    assert [f["part"] for f in result["failures"]] == ["run-due"]
    assert "Taucher" not in _feed_front_page()


def test_expire_on_its_own_still_works(expiring_and_scheduled: None) -> None:
    run = cli("expire")
    assert run.code == 0, run.stderr
    assert "feed: feed written again (expired notices marked)" in run.stdout
