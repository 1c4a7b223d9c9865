"""Issue 11's migration: incidents recorded by an older citychan get the state their latest
message gave them (an update: updated; the all-clear: cleared), their CAP messages are no
repeats, and `citychan incidents` reads such a store."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

from citychan.store.db import MIGRATIONS, Store
from citychan.store.incidents import AlertRecord, Incident, IncidentState, IncidentStore
from tests.support.cli import cli
from tests.support.files import write

FIXTURE = Path(__file__).parent / "fixtures" / "store_v2_warning.sql"
INCIDENT = "hochwasser-20261129T211600"  # in the fixture: an Alert and an Update


def _old_store(isolated: Path, *, cleared: bool = False) -> Path:
    path = isolated / "citychan-out" / "citychan.db"
    path.parent.mkdir(parents=True)
    with closing(sqlite3.connect(path)) as con:
        con.executescript(FIXTURE.read_text(encoding="utf-8"))
        if cleared:
            con.execute("UPDATE incidents SET closed = opened")
            con.commit()
    write(isolated / "citychan.toml", 'version = 1\n[channels.outbox]\ntype = "outbox"\n')
    return path


def test_an_older_store_gets_each_incidents_state_from_its_messages(isolated: Path) -> None:
    path = _old_store(isolated)
    with Store.open(path) as store:
        incident = IncidentStore(store).get(INCIDENT)
        alerts = IncidentStore(store).alerts(INCIDENT)
    with closing(sqlite3.connect(path)) as con:
        assert con.execute("PRAGMA user_version").fetchone() == (len(MIGRATIONS),)
    assert incident is not None and incident.state is IncidentState.UPDATED
    assert [(a.msg_type, a.repeat) for a in alerts] == [("Alert", False), ("Update", False)]
    (row,) = json.loads(cli("incidents", "--output", "json").stdout)["result"]["incidents"]
    assert row["id"] == INCIDENT and row["last_message"]["msg_type"] == "Update"


def test_an_older_store_with_an_all_clear_reads_cleared(isolated: Path) -> None:
    with Store.open(_old_store(isolated, cleared=True)) as store:
        incident = IncidentStore(store).get(INCIDENT)
    assert incident is not None and incident.state is IncidentState.CLEARED


def test_the_state_is_recorded_and_expired_is_read_from_the_clock(tmp_path: Path) -> None:
    opened = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    expires = opened + timedelta(hours=1)
    with Store.open(tmp_path / "s.db") as store:
        inc = IncidentStore(store)
        inc.open_incident(Incident("x", "hochwasser", None, "Actual", ("outbox",),  # type: ignore[arg-type]
                                   "Gefahr: x", opened, expires, None))
        inc.add_alert(AlertRecord("x.1", "x", "Alert", opened, expires, "{}"), None)  # type: ignore[arg-type]
        got = inc.get("x")
        assert got is not None and got.state is IncidentState.ACTIVE
        assert got.state_at(expires - timedelta(seconds=1)) is IncidentState.ACTIVE
        assert got.state_at(expires) is IncidentState.EXPIRED
        inc.set_current("x", None, "Gefahr: x")
        assert inc.get("x").state is IncidentState.UPDATED  # type: ignore[union-attr]
        inc.set_current("x", None, "Gefahr: x", None)  # a repeat keeps it
        assert inc.get("x").state is IncidentState.UPDATED  # type: ignore[union-attr]
        inc.close("x", expires + timedelta(hours=2))
        closed = inc.get("x")
        assert closed is not None and closed.state_at(expires + timedelta(days=1)) is (
            IncidentState.CLEARED)
        assert [i.id for i, _ in inc.listing(10)] == ["x"]
