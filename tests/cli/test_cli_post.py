"""The press officer's day: check, preview, post to outbox and feed, look it up in the log."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import feedparser

from tests.support.cli import assert_one_line_error, cli, store_rows
from tests.support.config import FEED, OUTBOX, MakeConfig
from tests.support.files import NOTICE, write

OUT = Path("citychan-out")
CHANNELS = {"outbox": OUTBOX, "feed": FEED}
TELEGRAM = {"tg": {"type": "telegram", "chat_id": "@stadt_bautzen",
                   "token_env": "CITYCHAN_TG_TOKEN"}}


def test_post_with_no_config_delivers_to_outbox_and_feed(notice: Path, isolated: Path) -> None:
    run = cli("post", "notice.md", "--yes")
    assert run.code == 0, run.stderr
    assert "sent" in run.stdout
    (outfile,) = (isolated / OUT / "outbox").iterdir()
    text = outfile.read_text(encoding="utf-8")
    assert "Sperrung der Löbauer Straße" in text and "Zawrjenje Lubijskeje dróhi" in text
    assert text.index("Löbauer") < text.index("Lubijskeje")  # de before hsb
    assert "**" not in text and "](" not in text
    assert "utm_source" not in text and "fbclid" not in text  # tracking parameters removed
    parsed = feedparser.parse((isolated / OUT / "feed" / "feed.xml").read_bytes())
    assert parsed.bozo == 0 and len(parsed.entries) == 1
    assert "Sperrung der Löbauer Straße" in parsed.entries[0].title
    page = (isolated / OUT / "feed" / "index.html").read_text(encoding="utf-8")
    assert "Sperrung der Löbauer Straße" in page


def test_same_content_again_is_skipped_unless_forced(notice: Path, isolated: Path) -> None:
    assert cli("post", "notice.md", "--yes").code == 0
    again = cli("post", "notice.md", "--yes", "--output", "json")
    assert again.code == 0
    results = json.loads(again.stdout)["result"]["results"]
    assert {r["status"] for r in results} == {"skipped"}
    assert all("already sent" in r["error"] and "--force" in r["error"] for r in results)
    forced = cli("post", "notice.md", "--yes", "--force")
    assert forced.code == 0
    with closing(sqlite3.connect(isolated / OUT / "citychan.db")) as db:
        rows = db.execute("SELECT channel, status, forced FROM deliveries ORDER BY id").fetchall()
    assert rows == [
        ("outbox", "sent", 0),
        ("feed", "sent", 0),
        ("outbox", "sent", 1),
        ("feed", "sent", 1),
    ]


def test_json_envelope_is_versioned_and_stdout_is_clean(notice: Path) -> None:
    run = cli("post", "notice.md", "--yes", "--output", "json")
    env = json.loads(run.stdout)
    assert env["citychan"] == 1 and env["command"] == "post" and env["exit_code"] == 0
    assert {r["channel"]: r["status"] for r in env["result"]["results"]} == {
        "outbox": "sent",
        "feed": "sent",
    }
    assert all(r["remote_id"] for r in env["result"]["results"])


def test_without_a_terminal_post_refuses_unless_yes(notice: Path, isolated: Path) -> None:
    run = cli("post", "notice.md")
    assert_one_line_error(run, 2, "pass --yes")
    assert not (isolated / OUT / "citychan.db").exists()


def test_dry_run_touches_nothing(notice: Path, isolated: Path) -> None:
    run = cli("post", "notice.md", "--dry-run")
    assert run.code == 0 and "nothing was sent" in run.stdout
    assert not (isolated / OUT).exists()


def test_info_post_that_sounds_like_a_warning_is_rejected(isolated: Path) -> None:
    write(isolated / "w.md", "---\ntitle: Unwetterwarnung für Bautzen\n---\nSturm.\n")
    run = cli("post", "w.md", "--yes")
    assert run.code == 3
    assert "CC201" in run.stderr and "nothing was sent" in run.stderr
    assert store_rows(isolated / OUT / "citychan.db") == []
    js = cli("post", "w.md", "--yes", "--output", "json")
    env = json.loads(js.stdout)
    assert js.code == 3 and env["ok"] is False
    assert [f["code"] for f in env["result"]["findings"]] == ["CC201"]


def test_quiet_hours_block_info_and_force_is_recorded(
        notice: Path, isolated: Path, clock, make_config: MakeConfig) -> None:
    make_config(rules={"info": {"quiet_hours": "21:00-07:00"}}, channels=CHANNELS)
    clock.set(6, 45)
    assert cli("check", "notice.md").code == 0  # check of the file alone has no hour
    run = cli("post", "notice.md", "--yes")
    assert run.code == 3 and "CC301" in run.stderr and "(06:45)" in run.stderr
    assert store_rows(isolated / OUT / "citychan.db") == []
    forced = cli("post", "notice.md", "--yes", "--force", "--output", "json")
    assert forced.code == 0
    env = json.loads(forced.stdout)
    assert env["result"]["forced"] is True
    assert [f["code"] for f in env["result"]["findings"] if f["code"].startswith("CC3")] == [
        "CC303"
    ]
    log = json.loads(cli("log", "--output", "json").stdout)["result"]["deliveries"]
    assert log and all(d["forced"] for d in log)


def test_daily_cap_counts_messages_not_channels(isolated: Path, make_config: MakeConfig) -> None:
    make_config(rules={"info": {"max_per_day": 2}}, channels=CHANNELS)
    for i in range(2):
        write(isolated / f"n{i}.md", f"---\ntitle: Meldung {i}\n---\nText {i}\n")
        assert cli("post", f"n{i}.md", "--yes").code == 0
    write(isolated / "n2.md", "---\ntitle: Meldung 2\n---\nText 2\n")
    run = cli("post", "n2.md", "--yes")
    assert run.code == 3 and "CC302" in run.stderr and "2 of 2" in run.stderr


def test_check_exit_codes_and_json(notice: Path, isolated: Path) -> None:
    ok = cli("check", "notice.md")
    assert ok.code == 0 and "1 of 1 file(s) ok" in ok.stdout
    write(
        isolated / "bad.md",
        "---\ntitle: Alarm im Rathaus\nsumary: x\n---\n[x](https://evil.example/)\n",
    )
    bad = cli("check", "notice.md", "bad.md", "--output", "json")
    env = json.loads(bad.stdout)
    assert bad.code == 3 and env["ok"] is False
    codes = sorted(f["code"] for f in env["result"]["files"][1]["findings"])
    assert codes == ["CC001", "CC201", "CC202"]
    assert env["result"]["files"][0]["ok"] is True


def test_preview_shows_each_channel_with_length_and_limit(notice: Path) -> None:
    run = cli("preview", "notice.md", "--output", "json")
    assert run.code == 0
    targets = {t["channel"]: t for t in json.loads(run.stdout)["result"]["targets"]}
    assert targets["outbox"]["dialect"] == "whatsapp" and targets["feed"]["dialect"] == "feed"
    assert targets["outbox"]["length"] == len(targets["outbox"]["text"])
    text = cli("preview", "notice.md", "--channel", "outbox")
    assert "outbox (whatsapp, de+hsb)" in text.stdout


def test_channel_languages_and_kinds(notice: Path, isolated: Path,
                                     make_config: MakeConfig) -> None:
    make_config(channels={
        "de_only": {"type": "outbox", "path": "de", "languages": ["de"]},
        "warnings": {"type": "outbox", "path": "warn", "kinds": ["warning"]},
    })
    env = json.loads(cli("post", "notice.md", "--yes", "--output", "json").stdout)
    by = {r["channel"]: r for r in env["result"]["results"]}
    assert by["de_only"]["status"] == "sent"
    assert by["warnings"]["status"] == "skipped" and "warning" in by["warnings"]["error"]
    (f,) = (isolated / "de").iterdir()
    assert "Löbauer" in f.read_text() and "Lubijskeje" not in f.read_text()
    assert not (isolated / "warn").exists()


def test_log_lists_what_went_out(notice: Path) -> None:
    cli("post", "notice.md", "--yes")
    run = cli("log", env={"COLUMNS": "240"})
    assert run.code == 0
    assert "Sperrung der Löbauer" in run.stdout and "outbox" in run.stdout and "feed" in run.stdout
    # the store keeps UTC; the table shows the city's clock, as the duty officer reads it
    from datetime import datetime
    from zoneinfo import ZoneInfo

    logged = json.loads(cli("log", "--output", "json").stdout)["result"]["deliveries"]
    created = logged[0]["created"]
    local = datetime.fromisoformat(created).astimezone(ZoneInfo("Europe/Berlin"))
    assert f"{local:%m-%d %H:%M}" in run.stdout and "Europe/Berlin local time" in run.stdout


def test_init_writes_a_config_that_loads(isolated: Path) -> None:
    assert cli("init").code == 0
    assert cli("channels", "--output", "json").code == 0
    again = cli("init")
    assert_one_line_error(again, 2, "exists already")
    write(isolated / "n.md", NOTICE)
    assert cli("check", "n.md").code == 0


def test_post_refuses_a_danger_warning_and_points_to_warn(
        isolated: Path, make_config: MakeConfig) -> None:
    """A warning has its own rules, guards and CAP file: 'post' must not be a way around them
    (nor around quiet hours and the daily cap)."""
    make_config(rules={"info": {"quiet_hours": "00:00-23:59", "max_per_day": 0}},
                channels=CHANNELS)
    for front in ("kind: warning", "level: high"):
        write(isolated / "s.md", f"---\ntitle: Wochenmarkt heute\n{front}\n---\nKäse\n")
        for extra in ([], ["--dry-run"]):
            run = cli("post", "s.md", "--yes", *extra)
            assert_one_line_error(run, 2, "is a danger warning")
            assert "citychan warn s.md" in run.stderr
    assert not (isolated / OUT).exists()


def test_a_channel_named_twice_gets_the_post_once(
        notice: Path, isolated: Path, make_config: MakeConfig) -> None:
    make_config(channels=CHANNELS)
    run = cli("post", "notice.md", "--yes", "--channel", "outbox", "--channel", "outbox",
              "--output", "json")
    assert run.code == 0, run.stderr
    assert [r["channel"] for r in json.loads(run.stdout)["result"]["results"]] == ["outbox"]
    assert len(list((isolated / OUT / "outbox").iterdir())) == 1


def test_dry_run_and_preview_see_the_daily_cap_and_a_missing_secret(
        notice: Path, isolated: Path, make_config: MakeConfig) -> None:
    make_config(rules={"info": {"max_per_day": 1}}, channels=CHANNELS)
    assert cli("post", "notice.md", "--yes").code == 0
    write(isolated / "n2.md", "---\ntitle: Wochenmarkt\n---\nHeute Markt.\n")
    for args in (["post", "n2.md", "--dry-run"], ["preview", "n2.md"], ["post", "n2.md", "--yes"]):
        run = cli(*args)
        assert run.code == 3 and "CC302" in run.stdout + run.stderr, (args, run)
    make_config(name="tg.toml", channels=TELEGRAM)
    for extra in (["--dry-run"], ["--yes"]):
        run = cli("post", "n2.md", "--config", "tg.toml", *extra)
        assert_one_line_error(run, 2, "set CITYCHAN_TG_TOKEN")


def test_a_bad_file_leaves_no_store_behind(isolated: Path) -> None:
    write(isolated / "n.md", "---\ntitle: [kaputt\n---\n")
    assert cli("post", "n.md", "--yes").code == 2
    assert not (isolated / OUT).exists()


def test_json_output_carries_usage_errors_too(isolated: Path) -> None:
    """A script reading stdout must not get an empty string for exit 2."""
    for args in (["post", "nope.md", "--yes"], ["preview", "nope.md"], ["log"]):
        if args == ["log"]:
            write(isolated / "citychan.toml", "version = 2\n")
        run = cli(*args, "--output", "json")
        env = json.loads(run.stdout)
        assert run.code == 2 and env["ok"] is False and env["exit_code"] == 2
        assert env["command"] == args[0] and env["citychan"] == 1
        assert env["result"]["error"]["message"] in run.stderr
    (isolated / "citychan.toml").unlink()
    write(isolated / "n.md", NOTICE)
    plain = cli("post", "n.md")  # no terminal, no --yes, text output: stdout stays clean
    assert plain.code == 2 and plain.stdout == ""


def test_check_names_the_channel_of_a_finding_and_knows_front_matter_channels(
        isolated: Path, make_config: MakeConfig) -> None:
    make_config(channels={"md": OUTBOX, "feed": FEED})
    write(isolated / "n.md", "---\ntitle: Markt\nchannels: [md, fed]\n---\nHeute Markt.\n")
    run = cli("check", "n.md", env={"COLUMNS": "200"})
    assert run.code == 3
    assert "unknown channel 'fed'. Did you mean 'feed'?" in run.stdout
    assert cli("post", "n.md", "--yes").code == 2  # check and post agree
    make_config(channels={"md": TELEGRAM["tg"]})
    write(isolated / "long.md", "---\ntitle: Lang\n---\n" + "Text. " * 1000)
    run = cli("check", "long.md", env={"COLUMNS": "200"})
    assert run.code == 3 and "CC101 too-long [md]:" in run.stdout  # not swallowed as a style


def test_preview_wraps_instead_of_cutting_lines_and_shows_no_title_whatsapp_lacks(
        isolated: Path) -> None:
    write(isolated / "n.md", "---\ntitle: Wochenmarkt\n---\nAm Hauptmarkt stehen heute "
          "zwanzig Stände mit Obst, Gemüse, Käse und Blumen bis zum späten Nachmittag ENDE.\n")
    run = cli("preview", "n.md", "--channel", "outbox", env={"COLUMNS": "50"})
    assert run.code == 0 and "ENDE" in run.stdout
    assert "Title:" not in run.stdout  # WhatsApp has no title field: the bold line is it
    feed = cli("preview", "n.md", "--channel", "feed", env={"COLUMNS": "50"})
    assert "Title: Wochenmarkt" in feed.stdout


def test_a_message_no_channel_takes_is_refused_not_reported_as_done(
        notice: Path, isolated: Path, make_config: MakeConfig) -> None:
    make_config(city={"languages": ["de", "hsb"]},
                channels={"en": {"type": "outbox", "languages": ["en"]}})
    run = cli("post", "notice.md", "--yes")
    assert run.code == 3 and "CC104 no-channel" in run.stderr and "nothing was sent" in run.stderr
    assert not (isolated / OUT).exists()


def test_a_repost_during_quiet_hours_or_at_the_cap_just_says_already_sent(
        notice: Path, isolated: Path, clock, make_config: MakeConfig) -> None:
    make_config(rules={"info": {"quiet_hours": "21:00-07:00", "max_per_day": 1}},
                channels=CHANNELS)
    assert cli("post", "notice.md", "--yes").code == 0  # 10:00, the one post of the day
    again = cli("post", "notice.md", "--yes", "--output", "json")  # no CC302: it is the same
    assert again.code == 0, again.stdout
    assert {r["status"] for r in json.loads(again.stdout)["result"]["results"]} == {"skipped"}
    clock.set(23, 30)
    night = cli("post", "notice.md", "--yes")
    assert night.code == 0 and "already sent" in night.stdout
    write(isolated / "n2.md", "---\ntitle: Wochenmarkt\n---\nHeute Markt.\n")
    assert cli("post", "n2.md", "--yes").code == 3  # a new notice still waits for the morning


def test_preview_of_an_image_post_shows_the_caption_limit(
        isolated: Path, make_config: MakeConfig) -> None:
    import shutil

    from tests.support.files import EXAMPLES

    shutil.copytree(EXAMPLES / "images", isolated / "images")
    shutil.copy(EXAMPLES / "spielplatz.md", isolated / "spielplatz.md")
    make_config(channels=TELEGRAM)
    run = cli("preview", "spielplatz.md", "--output", "json")
    (target,) = json.loads(run.stdout)["result"]["targets"]
    assert target["limit"] == 1024  # Telegram's photo caption, not its 4096 for text


def test_channels_test_does_not_claim_a_check_it_cannot_make(make_config: MakeConfig) -> None:
    make_config(channels={"ntfy": {"type": "ntfy", "base_url": "https://ntfy.bautzen.de",
                                   "topic": "bautzen"}})
    run = cli("channels", "--test", "--output", "json")
    (check,) = json.loads(run.stdout)["result"]["checks"]
    assert run.code == 0 and check["ok"] and check["checked"] is False
    text = cli("channels", "--test", env={"COLUMNS": "200"})
    assert "no check without posting" in text.stdout


def test_check_and_post_agree_on_a_disabled_front_matter_channel(
        isolated: Path, make_config: MakeConfig) -> None:
    make_config(channels={"d": {"type": "outbox", "enabled": False}, "feed": FEED})
    write(isolated / "n.md", "---\ntitle: Markt\nchannels: [d]\n---\nHeute Markt.\n")
    run = cli("check", "n.md", env={"COLUMNS": "200"})
    assert run.code == 3 and "d is disabled" in run.stdout
    assert cli("post", "n.md", "--yes").code == 2
