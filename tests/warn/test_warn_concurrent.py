"""Three duty officers (or cron and one) send a warning in the same second: three incidents,
each with its own id, handed out by the store before the confirmation, so none is refused
after it. Real processes, the same second on every clock."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from citychan.channels.feed_store import EntryStore
from tests.support.config import ALERTS_TABLE, FEED, OUTBOX, MakeConfig
from tests.support.workers import Workers

ROUNDS = 3


def test_three_warnings_in_the_same_second_are_three_incidents(
    isolated: Path, make_config: MakeConfig, cap_schema
) -> None:
    """The attack: three `warn` in the same second; one was refused *after* confirmation
    ("incident exists")."""
    import feedparser

    make_config(alerts=ALERTS_TABLE, channels={"outbox": OUTBOX, "website": FEED})
    warn = ["warn", "--template", "hochwasser", "--level", "medium", "--yes", "--output", "json"]
    ids: list[str] = []
    with Workers(3, isolated) as workers:
        for r in range(ROUNDS):
            now = f"2026-11-28T03:0{r}:00+01:00"
            # each its own place: the same place again while open is refused (test_incidents)
            areas = [f"Seidau, Ufer {3 * r + k}" for k in range(3)]
            runs = workers.run([[*warn, "--area", area] for area in areas], now)
            assert [run.code for run in runs] == [0, 0, 0], [run.stderr for run in runs]
            round_ids = [run.json()["result"]["incident"] for run in runs]
            base = f"hochwasser-20261128T030{r}00"
            assert sorted(round_ids) == [base, f"{base}-2", f"{base}-3"]
            ids += round_ids
    with closing(sqlite3.connect(isolated / "citychan-out" / "citychan.db")) as db:
        assert sorted(r[0] for r in db.execute("SELECT id FROM incidents")) == sorted(ids)
        assert db.execute("SELECT COUNT(*) FROM alerts").fetchone() == (3 * ROUNDS,)
        assert db.execute("SELECT COUNT(*) FROM incident_ids").fetchone() == (0,)
    caps = sorted((isolated / "citychan-out" / "cap").glob("*.cap.xml"))
    assert [p.name for p in caps] == sorted(f"{i}.1.cap.xml" for i in ids)
    for cap in caps:
        cap_schema.validate(str(cap))
    feed = isolated / "citychan-out" / "feed"
    index = feedparser.parse((feed / "alerts.xml").read_bytes())  # written by every run
    assert index.bozo == 0
    assert sorted(e.link.rsplit("/", 1)[-1] for e in index.entries) == [p.name for p in caps]
    entries = EntryStore(feed).every_entry()
    assert len(entries) == 3 * ROUNDS
