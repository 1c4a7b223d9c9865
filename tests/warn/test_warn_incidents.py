"""An incident's messages over a night: every CAP message keeps its own identifier, the
incident's id, expiry, level and headline stay true, and nothing recorded is overwritten."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.support.cli import assert_one_line_error, cli
from tests.support.config import ALERTS_TABLE, OUTBOX, MakeConfig
from tests.support.files import write


@pytest.fixture
def config(make_config: MakeConfig) -> Path:
    return make_config(alerts=ALERTS_TABLE, channels={
        "outbox": OUTBOX,
        "website": {"type": "feed", "public_url": "https://www.bautzen.de/aktuelles"}})


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
    from citychan.store.db import Store
    from citychan.store.incidents import AlertRecord, Incident, IncidentStore

    now = datetime(2026, 11, 28, 13, 5, tzinfo=UTC)
    inc = IncidentStore(Store(tmp_path / "s.db"))
    inc.open_incident(Incident("x", "hochwasser", "medium", "Actual", ("outbox",), "Gefahr: x",
                               now, now, None))
    inc.add_alert(AlertRecord("x.1", "x", "Alert", now, now, '{"first": 1}'), None)
    with pytest.raises(StoreError, match=r"x\.1 is already recorded"):
        inc.add_alert(AlertRecord("x.1", "x", "Update", now, now, '{"second": 2}'), None)
    (rec,) = inc.alerts("x")
    assert (rec.msg_type, rec.warning_json) == ("Alert", '{"first": 1}')


def test_two_warnings_in_the_same_second_are_two_incidents(config, isolated: Path, clock) -> None:
    clock.set(10, 0)
    a = warn("--template", "hochwasser", "--level", "medium", "--area", "Seidau")
    clock.set(10, 0)  # the same second again
    b = warn("--template", "hochwasser", "--level", "high", "--area", "Stiebitz")
    assert a["incident"] != b["incident"] and b["incident"] == a["incident"] + "-2"
    cap_a = isolated / "citychan-out" / "cap" / f"{a['incident']}.1.cap.xml"
    assert "Seidau" in cap_a.read_text(encoding="utf-8")
    log = json.loads(cli("log", "--output", "json").stdout)["result"]["incidents"]
    assert {i["id"]: i["level"] for i in log} == {a["incident"]: "medium", b["incident"]: "high"}
    rows = db_rows(isolated, "SELECT identifier FROM alerts")
    assert sorted(rows) == sorted([(f"{a['incident']}.1",), (f"{b['incident']}.1",)])


def test_a_new_warning_for_an_existing_incident_id_is_refused(config, isolated: Path) -> None:
    a = warn("--template", "hochwasser", "--level", "medium", "--area", "Seidau")
    write(isolated / "w.md", f"""---
title: "Gefahr: Hochwasser - Stiebitz"
level: medium
event: hochwasser
incident: {a["incident"]}
area: Stiebitz
instruction: Meiden Sie das Ufer.
expires: 2h
---
Die Spree tritt über die Ufer.
""")
    write(isolated / "w.hsb.md", """---
title: "Strach: Wulka woda - Stiebitz"
area: Stiebitz
instruction: Wobeńdźće brjoh.
---
Sprjewja wustupi.
""")
    outbox = sorted((isolated / "citychan-out" / "outbox").iterdir())
    run = cli("warn", "w.md", "--yes")
    assert_one_line_error(run, 2, f"incident '{a['incident']}' exists already")
    assert "warn update" in run.stderr
    assert sorted((isolated / "citychan-out" / "outbox").iterdir()) == outbox
    rows = db_rows(isolated, "SELECT identifier, warning FROM alerts")
    assert len(rows) == 1 and "Seidau" in rows[0][1] and "Stiebitz" not in rows[0][1]


def _open(isolated: Path) -> dict:
    (inc,) = json.loads(cli("log", "--output", "json").stdout)["result"]["incidents"]
    return inc


def test_the_incident_runs_until_its_latest_message_says(config, isolated: Path, clock) -> None:
    clock.set(10, 0)
    a = warn("--template", "unwetter", "--level", "medium", "--area", "Bautzen", "--expires", "3h")
    assert _open(isolated)["expires"].startswith(f"{_day(isolated)}T13:00")
    clock.set(10, 30)
    warn("update", a["incident"], "--expires", "30m")  # the storm passes sooner
    inc = _open(isolated)
    assert inc["expires"].startswith(f"{_day(isolated)}T11:00") and inc["overdue"] is False
    clock.set(11, 5)
    assert _open(isolated)["overdue"] is True  # past the update's expiry, no all-clear yet


def _day(isolated: Path) -> str:
    (sent,) = db_rows(isolated, "SELECT opened FROM incidents LIMIT 1")[0]
    return sent[:10]


def test_incident_expiry_across_the_dst_change_compares_times_not_strings(tmp_path: Path) -> None:
    from datetime import datetime, timedelta, timezone

    from citychan.store.db import Store
    from citychan.store.incidents import AlertRecord, Incident, IncidentStore

    cest, cet = timezone(timedelta(hours=2)), timezone(timedelta(hours=1))
    # 25 Oct 2026: 03:00 CEST becomes 02:00 CET. The update is sent later but its ISO string
    # sorts earlier ("02:10+01:00" < "02:50+02:00").
    alert_sent = datetime(2026, 10, 25, 2, 50, tzinfo=cest)
    upd_sent = datetime(2026, 10, 25, 2, 10, tzinfo=cet)  # 20 minutes later
    assert upd_sent > alert_sent and upd_sent.isoformat() < alert_sent.isoformat()
    inc = IncidentStore(Store(tmp_path / "s.db"))
    alert_exp = datetime(2026, 10, 25, 9, 0, tzinfo=cet)
    upd_exp = datetime(2026, 10, 25, 4, 0, tzinfo=cet)
    inc.open_incident(Incident("x", "sturm", "medium", "Actual", ("outbox",), "Gefahr: Sturm",
                               alert_sent, alert_exp, None))
    inc.add_alert(AlertRecord("x.1", "x", "Alert", alert_sent, alert_exp, "{}"), None)
    inc.add_alert(AlertRecord("x.2", "x", "Update", upd_sent, upd_exp, "{}"), None)
    assert inc.get("x").expires == upd_exp
    assert [a.identifier for a in inc.alerts("x")] == ["x.1", "x.2"]


def test_the_log_marks_exercises(config, isolated: Path) -> None:
    a = warn("--template", "hochwasser", "--level", "medium", "--area", "Seidau", "--exercise")
    inc = _open(isolated)
    assert inc["headline"] == "ÜBUNG: Gefahr: Hochwasser - Seidau"
    assert inc["status"] == "Exercise" and inc["exercise"] is True
    warn("update", a["incident"], "--expires", "5h")
    assert _open(isolated)["headline"] == "ÜBUNG: Gefahr: Aktualisierung - Hochwasser - Seidau"
    text = cli("log", env={"COLUMNS": "200"}).stdout
    assert "ÜBUNG: Gefahr: Hochwasser" in text


def test_the_log_shows_the_level_and_headline_of_the_latest_update(config, isolated) -> None:
    a = warn("--template", "hochwasser", "--level", "medium", "--area", "Seidau", "--exercise")
    warn("update", a["incident"], "--level", "high")
    inc = _open(isolated)
    assert inc["level"] == "high"
    assert inc["headline"] == "ÜBUNG: Extreme Gefahr: Aktualisierung - Hochwasser - Seidau"
