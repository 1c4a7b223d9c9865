"""The duty officer's night: warn -> update -> all-clear through loopback channels, with a
valid CAP 1.2 document for every message and the same channels every time."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.support.cli import assert_one_line_error, cli
from tests.support.config import ALERTS_TABLE, CAP_ISSUER, OUTBOX, MakeConfig, Table
from tests.support.fault_server import FaultServer, Ok
from tests.support.files import WARNING_GAS_HSB, write

AREA = "Spreeufer zwischen Friedensbrücke und Kronprinzenbrücke"
SORBIAN = "ěłćřžčš"


def channels(ntfy_url: str, telegram_url: str) -> dict[str, Table]:
    return {
        "outbox": OUTBOX,
        "website": {"type": "feed", "public_url": "https://www.bautzen.de/aktuelles"},
        "ntfy": {"type": "ntfy", "base_url": ntfy_url, "topic": "bautzen"},
        "telegram": {"type": "telegram", "chat_id": "@stadt_bautzen", "token_env": "TG_TOKEN",
                     "api_url": telegram_url},
        "news_only": {"type": "outbox", "path": "news", "kinds": ["info"]},
    }


@pytest.fixture
def servers(isolated: Path, monkeypatch: pytest.MonkeyPatch, make_config: MakeConfig):
    tg_ok = Ok({"ok": True, "result": {"message_id": 7, "chat": {"username": "stadt_bautzen"}}})
    with (
        FaultServer([Ok({"id": f"n{i}"}) for i in range(10)]) as ntfy,
        FaultServer([tg_ok] * 10) as telegram,
    ):
        monkeypatch.setenv("TG_TOKEN", "123456:ABCdef")
        make_config(alerts=ALERTS_TABLE, channels=channels(ntfy.url, telegram.url))
        yield ntfy, telegram


def warn(*args: str) -> dict:
    run = cli("warn", *args, "--yes", "--output", "json")
    assert run.code == 0, run.stdout + run.stderr
    return json.loads(run.stdout)["result"]


@pytest.mark.integration
def test_lifecycle_warn_update_allclear(servers, isolated: Path, cap_schema,
                                        make_config: MakeConfig) -> None:
    ntfy, telegram = servers
    first = warn("--template", "hochwasser", "--level", "high", "--area", AREA)
    incident = first["incident"]
    assert first["msg_type"] == "Alert"
    by = {r["channel"]: r["status"] for r in first["results"]}
    assert by == {
        "outbox": "sent",
        "website": "sent",
        "ntfy": "sent",
        "telegram": "sent",
        "news_only": "skipped",
    }  # kinds = ["info"]: no warning there
    assert not (isolated / "news").exists()

    (req,) = ntfy.requests
    assert req.headers["priority"] == "5" and "warning" in req.headers["tags"]
    from email.header import decode_header, make_header

    title = str(make_header(decode_header(req.headers["title"])))
    assert title.startswith("Extreme Gefahr: Hochwasser")
    body = req.body.decode()
    assert AREA in body and "Wulka woda" in body
    tg = telegram.requests[0].json()
    assert tg["disable_notification"] is False and tg["parse_mode"] == "HTML"

    # the config changes at night: telegram now takes info only, ntfy is removed
    day = channels(ntfy.url, telegram.url)
    make_config(alerts=ALERTS_TABLE, channels={
        "outbox": day["outbox"], "website": day["website"],
        "extra": {"type": "outbox", "path": "extra"}, "ntfy_old": day["ntfy"],
        "telegram": {**day["telegram"], "kinds": ["info"]}, "news_only": day["news_only"]})

    run = cli("warn", "update", incident, "--expires", "6h", "--yes", "--output", "json")
    assert run.code == 4  # one of the original's channels is gone: reported, others delivered
    upd = json.loads(run.stdout)["result"]
    assert upd["msg_type"] == "Update" and upd["incident"] == incident
    by = {r["channel"]: r for r in upd["results"]}
    assert set(by) == {"outbox", "website", "ntfy", "telegram"}  # exactly the original's
    assert by["telegram"]["status"] == "sent" and len(telegram.requests) == 2
    assert by["ntfy"]["status"] == "failed" and "no longer configured" in by["ntfy"]["error"]
    assert not (isolated / "extra").exists()

    run = cli("warn", "allclear", incident, "--yes", "--output", "json")
    assert run.code == 4
    end = json.loads(run.stdout)["result"]
    assert end["msg_type"] == "Cancel"
    assert "Entwarnung" in telegram.requests[-1].json()["text"]

    caps = sorted((isolated / "citychan-out" / "cap").glob("*.xml"))
    assert [p.name for p in caps] == [f"{incident}.{n}.cap.xml" for n in (1, 2, 3)]
    docs = [cap_schema.to_dict(str(p)) for p in caps]
    assert [d["msgType"] for d in docs] == ["Alert", "Update", "Cancel"]
    assert docs[2]["info"][0]["responseType"] == ["AllClear"]
    refs = docs[2]["references"].split()
    assert [r.split(",")[1] for r in refs] == [f"{incident}.1", f"{incident}.2"]
    for p in caps:
        cap_schema.validate(str(p))
        text = p.read_text(encoding="utf-8")
        assert "Spreeufer" in text and any(c in text for c in SORBIAN)

    feed_dir = isolated / "citychan-out" / "feed"
    import feedparser

    alerts = feedparser.parse((feed_dir / "alerts.xml").read_bytes())
    assert alerts.bozo == 0 and len(alerts.entries) == 3
    for e in alerts.entries:
        assert (feed_dir / "cap" / e.link.rsplit("/", 1)[-1]).is_file()

    log = json.loads(cli("log", "--output", "json").stdout)["result"]
    assert log["incidents"] == []  # closed by the all-clear


@pytest.mark.integration
def test_log_flags_incidents_past_expiry_without_allclear(servers, isolated: Path) -> None:
    first = warn("--template", "stromausfall", "--level", "low", "--area", "Innenstadt")
    log = json.loads(cli("log", "--output", "json").stdout)["result"]["incidents"]
    assert [(i["id"], i["overdue"]) for i in log] == [(first["incident"], False)]
    with closing(sqlite3.connect(isolated / "citychan-out" / "citychan.db")) as db:
        db.execute("UPDATE incidents SET expires='2020-01-01T00:00:00+01:00'")
        db.commit()
    log = json.loads(cli("log", "--output", "json").stdout)["result"]["incidents"]
    assert log[0]["overdue"] is True
    text = cli("log", env={"COLUMNS": "200"}).stdout
    assert "OVERDUE" in text and first["incident"] in text


@pytest.mark.integration
def test_exercise_prefixes_every_text_and_marks_cap(servers, isolated: Path, cap_schema) -> None:
    res = warn("--template", "bombe", "--level", "medium", "--area", "Altstadt", "--exercise",
               "--time", "23:59")
    (cap,) = (isolated / "citychan-out" / "cap").glob("*.xml")
    doc = cap_schema.to_dict(str(cap))
    assert doc["status"] == "Exercise"
    for info in doc["info"]:
        assert all(info[k].startswith("ÜBUNG") for k in ("headline", "description", "instruction"))
    (outfile,) = [p for p in (isolated / "citychan-out" / "outbox").iterdir() if p.suffix == ".txt"]
    assert outfile.read_text().startswith("*ÜBUNG")
    assert res["identifier"].endswith(".1")


@pytest.mark.integration
def test_cap_out_and_dry_run_send_nothing(servers, isolated: Path, cap_schema) -> None:
    ntfy, telegram = servers
    run = cli(
        "warn",
        "--template",
        "unwetter",
        "--level",
        "medium",
        "--area",
        "Bautzen",
        "--dry-run",
        "--cap-out",
        "alert.xml",
        "--output",
        "json",
    )
    assert run.code == 0, run.stderr
    cap_schema.validate(str(isolated / "alert.xml"))
    assert ntfy.requests == [] and telegram.requests == []
    assert not (isolated / "citychan-out" / "citychan.db").exists()


@pytest.mark.integration
def test_warning_rules_reject_and_nothing_is_sent(servers, isolated: Path) -> None:
    ntfy, _ = servers
    run = cli(
        "warn",
        "--event",
        "hochwasser",
        "--level",
        "high",
        "--area",
        "Spreeufer",
        "--headline",
        "Hochwasser an der Spree",
        "--description",
        "Die Spree steigt.",
        "--instruction",
        "Die Spree steigt.",
        "--yes",
        "--output",
        "json",
    )
    assert run.code == 3
    codes = {f["code"] for f in json.loads(run.stdout)["result"]["findings"]}
    assert {"CC402", "CC403", "CC003"} <= codes
    assert ntfy.requests == []


@pytest.mark.integration
def test_unknown_incident_and_bad_level(servers, isolated: Path) -> None:
    warn("--template", "stromausfall", "--level", "low", "--area", "Innenstadt")
    assert_one_line_error(cli("warn", "update", "nope", "--yes"), 2, "unknown incident 'nope'")
    assert_one_line_error(
        cli("warn", "--template", "hochwasser", "--level", "extreme", "--area", "x", "--yes"),
        2,
        "extreme",
    )
    assert_one_line_error(
        cli("warn", "--template", "hochwaser", "--level", "high", "--area", "x", "--yes"),
        2,
        "hochwasser",
    )


@pytest.mark.integration
def test_high_level_needs_the_event_name_typed(
    servers, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from citychan.cli import common

    ntfy, _ = servers
    monkeypatch.setattr(common, "is_interactive", lambda: True)
    wrong = cli(
        "warn",
        "--template",
        "hochwasser",
        "--level",
        "high",
        "--area",
        "Spreeufer",
        input="Sturm\n",
    )
    assert wrong.code == 2 and "not confirmed" in wrong.stderr and ntfy.requests == []
    right = cli(
        "warn",
        "--template",
        "hochwasser",
        "--level",
        "high",
        "--area",
        "Spreeufer",
        input="hochwasser\n",
    )
    assert right.code == 0, right.stderr
    assert len(ntfy.requests) == 1


@pytest.mark.integration
def test_medium_asks_yes_or_no(servers, isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from citychan.cli import common

    ntfy, _ = servers
    monkeypatch.setattr(common, "is_interactive", lambda: True)
    no = cli(
        "warn", "--template", "unwetter", "--level", "medium", "--area", "Bautzen", input="n\n"
    )
    assert no.code == 2 and ntfy.requests == []


@pytest.mark.integration
def test_without_terminal_a_warning_needs_yes(servers, isolated: Path) -> None:
    assert_one_line_error(
        cli("warn", "--template", "unwetter", "--level", "low", "--area", "B"), 2, "pass --yes"
    )


def test_warnings_ignore_quiet_hours_and_the_daily_cap(
        isolated: Path, make_config: MakeConfig) -> None:
    make_config(alerts=CAP_ISSUER, rules={"info": {"quiet_hours": "00:00-23:59",
                                                   "max_per_day": 0}},
                channels={"outbox": OUTBOX})
    write(isolated / "n.md", "---\ntitle: Wochenmarkt\n---\nHeute Markt.\n")
    assert cli("post", "n.md", "--yes").code == 3  # an info post is held back ...
    res = warn("--template", "gefahrstoff", "--level", "high", "--area", "Gewerbegebiet Nord")
    assert [r["status"] for r in res["results"]] == ["sent"]  # ... a warning is not
    assert not any(f["code"].startswith("CC30") for f in res["findings"])


WARNING_DE = """---
title: "Gefahr: Gasaustritt - Löbauer Straße"
level: medium
event: gasaustritt
area: Löbauer Straße zwischen Wallstraße und Taucherstraße
instruction: Schließen Sie Fenster und Türen. Meiden Sie den Bereich.
expires: 3h
summary: >-
  Stadtverwaltung Bautzen - Gefahr: Gasaustritt, Löbauer Straße.
  Fenster und Türen schließen. Gültig 3 Stunden.
---
In der Löbauer Straße tritt Gas aus einer beschädigten Leitung aus.
"""
WARNING_HSB = WARNING_GAS_HSB


@pytest.mark.integration
def test_warning_from_a_file_with_its_sorbian_sibling(servers, isolated: Path, cap_schema) -> None:
    write(isolated / "gas.md", WARNING_DE)
    write(isolated / "gas.hsb.md", WARNING_HSB)
    checked = cli("check", "gas.md", "--output", "json")
    assert checked.code == 0, checked.stdout
    res = warn("gas.md")
    assert res["msg_type"] == "Alert" and {r["status"] for r in res["results"]} >= {"sent"}
    (cap,) = (isolated / "citychan-out" / "cap").glob("*.xml")
    doc = cap_schema.to_dict(str(cap))
    infos = {i["language"]: i for i in doc["info"]}
    assert infos["de-DE"]["severity"] == "Severe"
    assert infos["hsb-DE"]["area"][0]["areaDesc"] == "Lubijska dróha"
    assert "wobškodźeneho" in infos["hsb-DE"]["description"]


def test_check_applies_the_warning_rules_to_a_warning_file(isolated: Path) -> None:
    write(isolated / "w.md", "---\ntitle: Gas\nkind: warning\nlevel: medium\nevent: gasaustritt\n"
          "area: Innenstadt\nexpires: 2h\n---\nGas tritt aus.\n")
    run = cli("check", "w.md", "--output", "json")
    codes = {f["code"] for f in json.loads(run.stdout)["result"]["files"][0]["findings"]}
    assert run.code == 3 and {"CC402", "CC403"} <= codes  # no label in title, no instruction
