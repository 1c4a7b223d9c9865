"""An incident's messages over a night: every CAP message keeps its own identifier, the
incident's id, expiry, level and headline stay true, and nothing recorded is overwritten."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.cli_util import cli
from tests.conftest import SHARED_DATA, write

CONFIG = """version = 1
[alerts]
sender = "warnung@bautzen.de"
sender_name = "Stadtverwaltung Bautzen"
web = "https://www.bautzen.de/warnungen"
contact = "Bürgertelefon 03591 534-0"
[channels.outbox]
type = "outbox"
[channels.website]
type = "feed"
public_url = "https://www.bautzen.de/aktuelles"
"""


@pytest.fixture(scope="module")
def cap_schema():
    import xmlschema

    return xmlschema.XMLSchema(str(SHARED_DATA / "CAP-v1.2.xsd"))


@pytest.fixture
def config(isolated: Path) -> Path:
    return write(isolated / "citychan.toml", CONFIG)


def warn(*args: str) -> dict:
    run = cli("warn", *args, "--yes", "--output", "json")
    assert run.code == 0, run.stdout + run.stderr
    return json.loads(run.stdout)["result"]


def db_rows(isolated: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(isolated / "citychan-out" / "citychan.db")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_expired_messages_still_count_for_the_next_identifier(
    config, isolated: Path, clock, cap_schema
) -> None:
    clock.set(10, 0)
    first = warn("--template", "hochwasser", "--level", "medium", "--area", "Seidau",
                 "--expires", "30m")
    inc = first["incident"]
    clock.set(10, 10)
    assert warn("update", inc, "--expires", "3h")["identifier"] == f"{inc}.2"
    clock.set(10, 20)
    assert warn("update", inc, "--expires", "15m")["identifier"] == f"{inc}.3"
    clock.set(10, 40)  # .1 and .3 have expired, .2 is still valid
    end = warn("allclear", inc)
    assert end["identifier"] == f"{inc}.4"

    caps = sorted((isolated / "citychan-out" / "cap").glob("*.xml"))
    assert [p.name for p in caps] == [f"{inc}.{n}.cap.xml" for n in (1, 2, 3, 4)]
    docs = [cap_schema.to_dict(str(p)) for p in caps]
    assert [d["msgType"] for d in docs] == ["Alert", "Update", "Update", "Cancel"]
    rows = db_rows(isolated, "SELECT identifier, msg_type FROM alerts ORDER BY rowid")
    assert rows == [(f"{inc}.1", "Alert"), (f"{inc}.2", "Update"), (f"{inc}.3", "Update"),
                    (f"{inc}.4", "Cancel")]

    import feedparser

    feed = feedparser.parse((isolated / "citychan-out" / "feed" / "alerts.xml").read_bytes())
    ids = [e.id for e in feed.entries]
    assert len(ids) == 4 and len(set(ids)) == 4


def test_a_recorded_cap_message_is_never_overwritten(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from citychan.errors import StoreError
    from citychan.store import AlertRecord, Incident, IncidentStore, Store

    now = datetime(2026, 11, 28, 13, 5, tzinfo=UTC)
    inc = IncidentStore(Store(tmp_path / "s.db"))
    inc.open_incident(Incident("x", "hochwasser", "medium", "Actual", ("outbox",), "Gefahr: x",
                               now, now, None))
    inc.add_alert(AlertRecord("x.1", "x", "Alert", now, now, '{"first": 1}'), None)
    with pytest.raises(StoreError, match=r"x\.1 is already recorded"):
        inc.add_alert(AlertRecord("x.1", "x", "Update", now, now, '{"second": 2}'), None)
    (rec,) = inc.alerts("x")
    assert (rec.msg_type, rec.warning_json) == ("Alert", '{"first": 1}')
