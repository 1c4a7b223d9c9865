"""Mastodon's limit is read while sending and kept in the store: the next plan uses it without
asking the instance. An instance that takes less than the plan assumed refuses nothing in
our name: the delivery fails before anything is sent, and posting again sends the summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import cli
from tests.support.config import OUTBOX, MakeConfig
from tests.support.e2e import ApiServer, mastodon_instance, mastodon_status
from tests.support.files import write

pytestmark = pytest.mark.integration  # starts real servers on loopback

SENTENCE = "Die Löbauer Straße ist zwischen Wallstraße und Taucherstraße gesperrt. "


def long_notice(title: str, sentences: int) -> str:
    return (f"---\ntitle: {title}\nsummary: Die Löbauer Straße ist gesperrt.\n"
            "link: https://www.bautzen.de/aktuelles/loebauer-strasse\n---\n"
            + SENTENCE * sentences + "\n")


def post(name: str) -> tuple[int, dict, str]:
    run = cli("post", name, "--yes", "--output", "json")
    assert run.exception is None, repr(run.exception)
    result = json.loads(run.stdout)["result"]
    return run.code, {r["channel"]: r for r in result["results"]}, run.stdout + run.stderr


def setup(make_config: MakeConfig, monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("MASTO_TOKEN", "masto-secret")
    make_config(channels={"outbox": OUTBOX, "masto": {
        "type": "mastodon", "base_url": url, "token_env": "MASTO_TOKEN"}})


def test_the_limit_read_while_sending_plans_the_next_post(
        isolated: Path, monkeypatch: pytest.MonkeyPatch, make_config: MakeConfig) -> None:
    fixed = {("GET", "/api/v2/instance"): mastodon_instance(5000)}
    with ApiServer(default=mastodon_status(), fixed=fixed) as masto:
        setup(make_config, monkeypatch, masto.url)
        write(isolated / "a.md", long_notice("Sperrung A", 10))  # ~720 characters
        write(isolated / "b.md", long_notice("Sperrung B", 10))
        code_a, first, _ = post("a.md")
        asked_after_a = [r.path for r in masto.requests]
        code_b, second, _ = post("b.md")
        asked_after_b = [r.path for r in masto.requests][len(asked_after_a):]
        statuses = [r.json()["status"] for r in masto.requests if r.method == "POST"]
    assert (code_a, code_b) == (0, 0)
    # unknown at the first plan: 500, the summary; read while sending and kept
    assert first["masto"]["summary_used"] and first["masto"]["limit"] == 500
    assert asked_after_a == ["/api/v2/instance", "/api/v1/statuses"]
    # the second plan knows 5000 without asking: the whole text
    assert not second["masto"]["summary_used"] and second["masto"]["limit"] == 5000
    assert asked_after_b == ["/api/v1/statuses"]
    assert len(statuses[0]) <= 500 < len(statuses[1]) and SENTENCE * 9 in statuses[1]


def test_a_smaller_instance_fails_before_sending_and_the_next_post_sends_the_summary(
        isolated: Path, monkeypatch: pytest.MonkeyPatch, make_config: MakeConfig) -> None:
    fixed = {("GET", "/api/v2/instance"): mastodon_instance(300)}
    with ApiServer(default=mastodon_status(), fixed=fixed) as masto:
        setup(make_config, monkeypatch, masto.url)
        write(isolated / "n.md", long_notice("Sperrung", 5))  # ~400: fits 500, not 300
        code, first, text = post("n.md")
        writes_after_first = [r for r in masto.requests if r.method != "GET"]
        again, second, _ = post("n.md")
        writes = [r for r in masto.requests if r.method != "GET"]
        gets = [r.path for r in masto.requests if r.method == "GET"]
    assert code == 4, text
    assert first["outbox"]["status"] == "sent" and first["masto"]["status"] == "failed"
    assert "at most 300 characters" in first["masto"]["error"]
    assert "nothing was sent" in first["masto"]["error"]
    assert writes_after_first == []  # nothing the instance would have refused
    assert again == 0
    assert second["outbox"]["status"] == "skipped"  # already sent: never twice
    assert second["masto"]["status"] == "sent" and second["masto"]["summary_used"]
    (status,) = writes
    assert len(status.json()["status"]) <= 300 and "gesperrt" in status.json()["status"]
    assert gets == ["/api/v2/instance"]  # the second plan used the kept limit
