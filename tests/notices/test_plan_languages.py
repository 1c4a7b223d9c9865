"""The language a channel tags a post with: Mastodon knows only the codes of its own list
(mastodon/mastodon app/helpers/languages_helper.rb, SUPPORTED_LOCALES; commit 02addb3,
checked 2026-11-29), and Upper Sorbian is not among them. A post that starts in hsb goes
without ``language``, and the plan says why, so that nobody wonders why the instance files a
Sorbian notice under German."""

from __future__ import annotations

from pathlib import Path

import pytest

from citychan import api
from citychan.api import notices
from citychan.api.check import check
from citychan.findings import CODES, Severity
from tests.support.config import OUTBOX, MakeConfig

MASTO = {"type": "mastodon", "base_url": "https://social.bautzen.de", "token_env": "MASTO"}


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MASTO", "masto-secret")


def test_a_mastodon_post_that_starts_in_upper_sorbian_gets_a_warning_finding(
        notice: Path, make_config: MakeConfig) -> None:
    config = api.load(make_config(channels={
        "outbox": OUTBOX, "masto": {**MASTO, "languages": ["hsb", "de"]}}))
    plan = notices.preview(notice, config)
    (finding,) = [f for f in plan.findings if f.code == "CC105"]
    assert (finding.severity, finding.channel, finding.name) == (
        Severity.WARNING, "masto", CODES["CC105"])
    assert "'hsb'" in finding.message and "without" in finding.message
    assert finding.hint and "default posting language" in finding.hint


def test_a_mastodon_post_that_starts_in_german_gets_no_language_finding(
        notice: Path, make_config: MakeConfig) -> None:
    config = api.load(make_config(channels={"outbox": OUTBOX, "masto": MASTO}))
    plan = notices.preview(notice, config)
    assert [t.langs[0] for t in plan.targets] == ["de", "de"]
    assert not [f for f in plan.findings if f.code == "CC105"]


def test_channels_without_a_language_tag_never_get_the_finding(
        notice: Path, make_config: MakeConfig) -> None:
    config = api.load(make_config(channels={"outbox": {**OUTBOX, "languages": ["hsb", "de"]}}))
    plan = notices.preview(notice, config)
    assert plan.targets[0].langs[0] == "hsb"
    assert not [f for f in plan.findings if f.code == "CC105"]


def test_check_of_the_file_alone_says_it_too(notice: Path, make_config: MakeConfig) -> None:
    config = api.load(make_config(channels={
        "outbox": OUTBOX, "masto": {**MASTO, "languages": ["hsb", "de"]}}))
    (checked,) = check([notice], config)
    assert [(f.code, f.channel) for f in checked.findings if f.code == "CC105"] == [
        ("CC105", "masto")]
