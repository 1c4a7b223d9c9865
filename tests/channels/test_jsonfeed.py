"""feed.json, the JSON Feed 1.1 beside Atom, checked against the specification
(https://www.jsonfeed.org/version/1.1/): the version URL, the required title and items,
each item's string id, content_html or content_text, RFC 3339 dates, language, and no key
the specification does not know (extensions would start with "_")."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.support.browser import build_feed

# JSON Feed 1.1, "Top-level" and "Items" (jsonfeed.org/version/1.1)
TOP_LEVEL = {"version", "title", "home_page_url", "feed_url", "description", "user_comment",
             "next_url", "icon", "favicon", "authors", "language", "expired", "hubs", "items"}
ITEM = {"id", "url", "external_url", "title", "content_html", "content_text", "summary",
        "image", "banner_image", "date_published", "date_modified", "authors", "tags",
        "language", "attachments"}
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")  # RFC 5646, simplified


def spec_problems(doc: dict[str, Any]) -> list[str]:
    problems = []
    if doc.get("version") != "https://jsonfeed.org/version/1.1":
        problems.append(f"version is {doc.get('version')!r}")
    if not isinstance(doc.get("title"), str):
        problems.append("no title")
    if not isinstance(doc.get("items"), list):
        return [*problems, "items is not an array"]
    problems += [f"unknown top-level key {k}" for k in doc.keys() - TOP_LEVEL
                 if not k.startswith("_")]
    for n, item in enumerate(doc["items"]):
        where = f"items[{n}]"
        problems += [f"{where}: unknown key {k}" for k in item.keys() - ITEM
                     if not k.startswith("_")]
        if not isinstance(item.get("id"), str) or not item["id"]:
            problems.append(f"{where}: id is not a non-empty string")
        if not any(isinstance(item.get(k), str) for k in ("content_html", "content_text")):
            problems.append(f"{where}: neither content_html nor content_text")
        for key in ("date_published", "date_modified"):
            if key in item and not RFC3339.match(item[key]):
                problems.append(f"{where}: {key} {item[key]!r} is not RFC 3339")
        if "language" in item and not LANGUAGE_TAG.match(item["language"]):
            problems.append(f"{where}: language {item['language']!r}")
        if "tags" in item and not all(isinstance(t, str) for t in item["tags"]):
            problems.append(f"{where}: tags must be strings")
        for att in item.get("attachments", []):
            if not {"url", "mime_type"} <= att.keys():
                problems.append(f"{where}: an attachment needs url and mime_type")
    return problems


@pytest.fixture(scope="module")
def doc(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    feed = build_feed(tmp_path_factory.mktemp("site"))
    return json.loads((feed / "feed.json").read_text(encoding="utf-8"))


def test_feed_json_follows_the_json_feed_1_1_specification(doc: dict[str, Any]) -> None:
    assert spec_problems(doc) == []
    assert doc["feed_url"] == "https://www.bautzen.de/aktuelles/feed.json"
    assert doc["language"] == "de" and len(doc["items"]) == 7


def test_each_item_carries_content_dates_language_summary_and_tags(doc: dict[str, Any]) -> None:
    by_title = {i["title"]: i for i in doc["items"]}
    item = next(i for t, i in by_title.items() if t.startswith("Vollsperrung der Töpferstraße"))
    assert "<strong>Töpferstraße</strong>" in item["content_html"]
    assert "Töpferstraße" in item["content_text"] and "<" not in item["content_text"]
    assert item["date_published"] == "2026-12-01T12:00:00+00:00"
    assert item["language"] == "de"
    assert item["summary"].startswith("Die Töpferstraße ist vom 7. bis 18. Dezember")
    assert item["tags"] == ["info", "verkehr", "baustelle"]
    assert item["url"] == "https://www.bautzen.de/verkehr/baustellen/toepferstrasse"


def test_a_warning_item_is_tagged_and_links_its_cap_document(doc: dict[str, Any]) -> None:
    (warning,) = [i for i in doc["items"] if "warning" in i["tags"]]
    assert warning["attachments"] == [{
        "url": "https://www.bautzen.de/aktuelles/cap/sturm.cap.xml",
        "mime_type": "application/cap+xml"}]


def test_the_checker_finds_what_the_specification_forbids() -> None:
    broken = {"version": "https://jsonfeed.org/version/1", "items": [
        {"id": 7, "date_published": "01.12.2026", "colour": "red"}]}
    assert spec_problems(broken) == [
        "version is 'https://jsonfeed.org/version/1'", "no title",
        "items[0]: unknown key colour", "items[0]: id is not a non-empty string",
        "items[0]: neither content_html nor content_text",
        "items[0]: date_published '01.12.2026' is not RFC 3339"]
