"""A danger warning is never held back because one channel is small: a Mastodon instance
with the default 500 characters gets the short text (both languages if they fit, else the
first) while every other channel gets the full bilingual warning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import cli
from tests.support.config import OUTBOX, MakeConfig
from tests.support.e2e import ApiServer, mastodon_instance, mastodon_status

pytestmark = pytest.mark.integration  # starts real servers on loopback

AREA = "Spreeufer zwischen Friedensbrücke und Kronprinzenbrücke"


@pytest.mark.parametrize("web", [True, False], ids=["with-web-link", "without-link"])
def test_a_500_character_mastodon_gets_the_short_text_and_the_rest_the_whole_warning(
        isolated: Path, monkeypatch: pytest.MonkeyPatch, web: bool,
        make_config: MakeConfig) -> None:
    fixed = {("GET", "/api/v2/instance"): mastodon_instance(500)}
    with ApiServer([mastodon_status()], fixed=fixed) as masto:
        monkeypatch.setenv("MASTO_TOKEN", "masto-secret")
        alerts = {"sender": "warnung@bautzen.de"}
        if web:
            alerts["web"] = "https://www.bautzen.de/warnungen"
        make_config(alerts=alerts, channels={
            "outbox": OUTBOX,
            "masto": {"type": "mastodon", "base_url": masto.url, "token_env": "MASTO_TOKEN"}})
        run = cli("warn", "--template", "hochwasser", "--level", "high", "--area", AREA,
                  "--yes", "--output", "json")
        assert run.code == 0, run.stdout + run.stderr
        result = json.loads(run.stdout)["result"]
        (status,) = [r for r in masto.requests if r.path == "/api/v1/statuses"]
    assert {r["channel"]: r["status"] for r in result["results"]} == {
        "outbox": "sent", "masto": "sent"}
    body = status.json()
    assert len(body["status"]) <= 500 and body["language"] == "de"
    assert "Hochwasser" in body["status"] and "Spreeufer" in body["status"]
    assert any(f["code"] == "CC102" and f["channel"] == "masto" for f in result["findings"])
    (outbox,) = (isolated / "citychan-out" / "outbox").glob("*.txt")
    text = outbox.read_text(encoding="utf-8")
    assert "Hochwasser" in text and "Wulka woda" in text  # the full text in both languages
