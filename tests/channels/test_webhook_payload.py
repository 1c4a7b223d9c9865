"""Webhook payload version 2, for the city's CMS: every language apart with its title and
texts, summary, tags, the image and the HTML, beside version 1's fields (kept as they were).
The posts are built by the real planner from a bilingual notice, as `citychan post` does."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx

from citychan.channels.base import ChannelContext
from citychan.channels.webhook import PAYLOAD_VERSION, WebhookChannel, payload
from citychan.delivery.posts import make_post, post_from_json, post_to_json
from citychan.notices.message import load_message
from citychan.notices.plan import plan
from citychan.testing import sample_post
from tests.support.files import write

PNG = base64.b64decode(  # a 1x1 PNG
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")

DE = """---
title: Sperrung der Löbauer Straße
summary: Ab Montag gesperrt, Umleitung über die Taucherstraße.
tags: [verkehr, baustelle]
image: sperrung.png
image_alt: Karte der Umleitung
link: https://www.bautzen.de/aktuelles/sperrung
---
Die Löbauer Straße ist **ab Montag** gesperrt.
"""
HSB = """---
title: Zawrjenje Lubijskeje dróhi
summary: Wot póndźele zawrjena.
image_alt: Karta wobjězdki
---
Lubijska dróha je wot póndźele zawrjena.
"""


def bilingual_post(tmp: Path, channel: str = "cms"):
    from citychan.config import load_config

    (tmp / "sperrung.png").write_bytes(PNG)
    write(tmp / "n.md", DE)
    write(tmp / "n.hsb.md", HSB)
    write(tmp / "citychan.toml", f"""version = 1
[channels.{channel}]
type = "webhook"
url = "https://cms.bautzen.de/hook"
secret_env = "HOOK"
""")
    config = load_config(tmp / "citychan.toml")
    message = load_message(tmp / "n.md", ("de", "hsb"))
    from citychan.delivery.clients import open_channels

    with open_channels(config, list(config.channels.values()), offline=True,
                       env={}) as channels:
        p = plan(config, message, channels, list(config.channels.values()), now=None)
    (target,) = p.targets
    return make_post(p, target, "key-1", config.now(), None)


def test_payload_carries_every_language_with_title_summary_text_and_html(isolated: Path):
    body = payload(bilingual_post(isolated))
    assert body["version"] == PAYLOAD_VERSION == 2
    assert [(p["lang"], p["title"], p["summary"]) for p in body["languages"]] == [
        ("de", "Sperrung der Löbauer Straße",
         "Ab Montag gesperrt, Umleitung über die Taucherstraße."),
        ("hsb", "Zawrjenje Lubijskeje dróhi", "Wot póndźele zawrjena."),
    ]
    de, hsb = body["languages"]
    assert "Die Löbauer Straße ist ab Montag gesperrt." in de["text"]
    assert "<strong>ab Montag</strong>" in de["html"]
    assert "Lubijska dróha je wot póndźele zawrjena." in hsb["text"]
    assert "Löbauer" not in hsb["text"] + hsb["html"]  # each language holds only its own
    assert body["summary"] == "Ab Montag gesperrt, Umleitung über die Taucherstraße."
    assert body["tags"] == ["verkehr", "baustelle"]
    assert '<section lang="hsb">' in body["html"] and "<h2>Zawrjenje" in body["html"]
    assert "<strong>ab Montag</strong>" in body["html"]


def test_payload_image_is_inline_with_its_alt_text(isolated: Path):
    image = payload(bilingual_post(isolated))["image"]
    assert image["name"] == "sperrung.png" and image["media_type"] == "image/png"
    assert image["alt"] == "Karte der Umleitung"
    assert base64.b64decode(image["data"]) == PNG


def test_payload_keeps_version_1_fields_for_old_receivers(isolated: Path):
    body = payload(bilingual_post(isolated))
    assert body["title"] == "Sperrung der Löbauer Straße / Zawrjenje Lubijskeje dróhi"
    assert body["lang"] == "de" and body["kind"] == "info" and body["level"] is None
    assert body["link"] == "https://www.bautzen.de/aktuelles/sperrung"
    assert set(body) >= {"id", "kind", "level", "lang", "title", "text", "link", "sent"}


def test_a_retried_post_sends_the_same_languages(isolated: Path):
    """`citychan retry` rebuilds the post from the store: the languages survive the trip."""
    post = bilingual_post(isolated)
    again = post_from_json(post_to_json(post))
    assert payload(again) == payload(post)


def test_a_post_without_parts_or_image_still_sends_a_valid_document():
    """A plugin's or an old recorded post has no languages apart: empty, not an error."""
    seen: list[httpx.Request] = []
    ctx = ChannelContext(env={"H": "s3cret"}, http=httpx.Client(
        transport=httpx.MockTransport(lambda r: (seen.append(r), httpx.Response(204))[1])))
    WebhookChannel.from_config("w", {"url": "https://cms.example/h", "secret_env": "H"},
                               ctx).send(sample_post())
    body = json.loads(seen[0].content)
    assert body["languages"] == [] and body["image"] is None and body["html"] == ""
    assert body["version"] == 2 and body["tags"] == [] and body["summary"] is None
