"""The feed folder's documents read by strict consumers: every HTML page parses without a
single error in html5lib's strict mode (the WHATWG parsing algorithm), and feed.xml parses
with feedparser without bozo and keeps its entry ids when the folder is built again."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import html5lib
import pytest

from tests.support.browser import build_feed


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_feed(tmp_path_factory.mktemp("site"))


def test_every_page_parses_without_errors_in_a_strict_html5_parser(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert pages
    for page in pages:
        parser = html5lib.HTMLParser(strict=True)
        try:
            parser.parse(page.read_bytes(), transport_encoding="utf-8")
        except html5lib.html5parser.ParseError as exc:
            pytest.fail(f"{page.name}: {exc}")
        assert parser.errors == []


def test_feed_xml_parses_without_bozo_and_keeps_its_ids_when_built_again(
        site: Path, tmp_path: Path) -> None:
    first = feedparser.parse((site / "feed.xml").read_bytes())
    assert first.bozo == 0, first.get("bozo_exception")
    assert len(first.entries) == 7
    again = build_feed(tmp_path / "again")  # the same notices, another folder, another run
    second = feedparser.parse((again / "feed.xml").read_bytes())
    assert second.bozo == 0
    assert [e.id for e in second.entries] == [e.id for e in first.entries]
    assert len({e.id for e in first.entries}) == 7
    in_json = [i["id"] for i in json.loads((again / "feed.json").read_text())["items"]]
    assert in_json == [e.id for e in first.entries]  # JSON Feed and Atom name entries alike
