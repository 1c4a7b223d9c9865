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
    doc: dict[str, Any] = {
        "version": VERSION,
        "title": title,
        "home_page_url": f"{public_url}/",
        "feed_url": f"{public_url}/feed.json",
        "language": language,
        "authors": [{"name": title}],
        "items": [_item(e) for e in entries],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


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
