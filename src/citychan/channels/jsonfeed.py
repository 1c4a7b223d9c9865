"""The feed channel's JSON Feed 1.1 (``feed.json``), beside its Atom feed, for the city's CMS.

Written from the same entries as ``feed.xml`` (same ids, same times), following the
specification at https://www.jsonfeed.org/version/1.1/: ``version``, ``title`` and ``items``
are required; each item has a string ``id`` and ``content_html`` or ``content_text``; dates
are RFC 3339. (It lives beside the feed channel, not in ``render/``: channels sit below
render and import nothing above them.)"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

VERSION = "https://jsonfeed.org/version/1.1"


def json_feed(title: str, public_url: str, entries: Sequence[Mapping[str, Any]],
              language: str = "de") -> str:
    """The JSON Feed document of ``entries`` (newest first, as entries.json keeps them)."""
    return json_feed_of_lines(title, public_url, [item_line(e) for e in entries], language)


def item_line(e: Mapping[str, Any]) -> str:
    """One item as one line of JSON (its id first: :func:`item_lines` finds it there)."""
    return json.dumps(_item(e), ensure_ascii=False, separators=(",", ":"))


def json_feed_of_lines(title: str, public_url: str, lines: Sequence[str],
                       language: str = "de") -> str:
    """The document with one item per line, so that the next post replaces only the lines
    of the items it changes (:func:`item_lines`) instead of building every item again."""
    head = json.dumps(_head(title, public_url, language), ensure_ascii=False)
    body = ",\n".join(lines)
    return f'{head[:-1]}, "items": [\n{body}\n]}}\n' if lines else f'{head[:-1]}, "items": []}}\n'


def item_lines(text: str, title: str, public_url: str, language: str = "de") -> dict[str, str]:
    """The item lines of a document :func:`json_feed_of_lines` wrote for this feed, by item
    id (none for any other document: then every item is made anew)."""
    head = json.dumps(_head(title, public_url, language), ensure_ascii=False)[:-1]
    start = len(head) + 2
    if not text.startswith(head + ', "items": [\n'):
        return {}
    out = {}
    for line in text[start + len('"items": [\n'):].split("\n"):
        line = line.removesuffix(",")
        if line.startswith('{"id":"'):
            out[line[len('{"id":"'):].split('"', 1)[0]] = line
    return out


def _head(title: str, public_url: str, language: str) -> dict[str, Any]:
    return {
        "version": VERSION,
        "title": title,
        "home_page_url": f"{public_url}/",
        "feed_url": f"{public_url}/feed.json",
        "language": language,
        "authors": [{"name": title}],
    }


def _item(e: Mapping[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": e["id"],
        "url": e["link"],
        "title": e["title"],
        "content_html": e["html"],
        "content_text": e["text"],
        "date_published": e["published"],
        "date_modified": e["updated"],
        "language": e["langs"][0],
        # the kind first, so a CMS can tell a danger warning from a notice by its tags
        "tags": list(dict.fromkeys([e["kind"], *e.get("tags", ())])),
    }
    if e.get("summary"):
        item["summary"] = e["summary"]
    if e.get("image"):
        item["image"] = e["image"]
    if e.get("cap"):  # a warning's CAP document, as a JSON Feed attachment
        item["attachments"] = [{"url": e["cap"], "mime_type": "application/cap+xml"}]
    return item
