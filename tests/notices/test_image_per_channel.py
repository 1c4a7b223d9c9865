"""CC006 judges a picture's size per channel: the WhatsApp gateways and the feed draw it anew
(a JPEG within 5 MB, scaled copies), so a big photo is fine there; Telegram and Mastodon send
the file itself and keep their own limits (10 MB for sendPhoto, the instance's
image_size_limit); Matrix, ntfy and e-mail do not carry the picture at all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from citychan.channels.base import Capabilities, Dialect
from citychan.notices.rules import image_target_findings
from tests.support.cli import cli
from tests.support.config import FEED, MakeConfig
from tests.support.files import write
from tests.support.pictures import noise

WAHA = {"type": "whatsapp", "provider": "waha", "base_url": "https://waha.bautzen.de",
        "session": "default", "channel_id": "120363012345678901@newsletter",
        "token_env": "CITYCHAN_WAHA_KEY"}
TELEGRAM = {"type": "telegram", "chat_id": "@stadt_bautzen", "token_env": "CITYCHAN_TG_TOKEN"}
MASTODON = {"type": "mastodon", "base_url": "https://bautzen.social",
            "token_env": "CITYCHAN_MASTO_TOKEN"}
MATRIX = {"type": "matrix", "base_url": "https://matrix.bautzen.de",
          "room_id": "!abc:bautzen.de"}
MB = 1024 * 1024


def _notice(folder: Path, image: str) -> None:
    write(folder / "markt.md", f"---\ntitle: Weihnachtsmarkt\nimage: {image}\n"
          "image_alt: Der Hauptmarkt mit Buden\n---\nDer Markt öffnet am 12.12.\n")


@pytest.fixture
def big_photo(isolated: Path) -> Path:
    """A real picture of about 11 MB (noise: PNG cannot make it smaller)."""
    path = noise(isolated / "hauptmarkt.png", 1950)
    assert 10 * MB < path.stat().st_size < 16 * MB
    return path


def test_a_big_photo_is_refused_only_by_the_channel_that_sends_the_file_itself(
        make_config: MakeConfig, isolated: Path, big_photo: Path) -> None:
    make_config(channels={"whatsapp": WAHA, "tg": TELEGRAM, "masto": MASTODON,
                          "feed": FEED, "matrix": MATRIX})
    _notice(isolated, big_photo.name)
    run = cli("check", "markt.md", "--output", "json")
    assert run.code == 3, run.stdout + run.stderr
    (checked,) = json.loads(run.stdout)["result"]["files"]
    found = [f for f in checked["findings"] if f["code"] == "CC006"]
    assert [(f["channel"], f["severity"]) for f in found] == [("tg", "error")]
    message = found[0]["message"]
    assert "hauptmarkt.png" in message and "tg" in message and "10 MB" in message
    assert "sends the file itself" in message
    # the gateway draws it anew within 5 MB, the feed scales it, Mastodon takes 16 MB
    assert "whatsapp" not in run.stdout.replace('"dialect": "whatsapp"', "")


def test_whatsapp_and_the_feed_take_a_big_photo_they_draw_anew(
        make_config: MakeConfig, isolated: Path, big_photo: Path) -> None:
    make_config(channels={"whatsapp": WAHA, "feed": FEED, "matrix": MATRIX})
    _notice(isolated, big_photo.name)
    run = cli("check", "markt.md", "--output", "json")
    assert run.code == 0, run.stdout + run.stderr
    (checked,) = json.loads(run.stdout)["result"]["files"]
    assert [f for f in checked["findings"] if f["code"] == "CC006"] == []


def test_a_picture_that_cannot_be_read_is_refused_for_a_channel_that_draws_it_anew(
        make_config: MakeConfig, isolated: Path) -> None:
    make_config(channels={"whatsapp": WAHA, "matrix": MATRIX})
    # a JPEG's first bytes, then nothing a decoder can use
    (isolated / "kaputt.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 4000)
    _notice(isolated, "kaputt.jpg")
    run = cli("check", "markt.md", "--output", "json")
    assert run.code == 3
    (checked,) = json.loads(run.stdout)["result"]["files"]
    found = [f for f in checked["findings"] if f["code"] == "CC006"]
    assert [(f["channel"], f["severity"]) for f in found] == [("whatsapp", "error")]
    assert "kaputt.jpg" in found[0]["message"] and "cannot be read" in found[0]["message"]


def test_the_limits_are_data_each_channel_declares() -> None:
    from citychan.channels.feed import FeedChannel
    from citychan.channels.mastodon import MastodonChannel
    from citychan.channels.signal import SignalChannel
    from citychan.channels.telegram import TelegramChannel
    from citychan.channels.whatsapp import WhatsAppChannel

    assert TelegramChannel.capabilities.image_max_bytes == 10 * MB  # sendPhoto
    assert MastodonChannel.default_capabilities.image_max_bytes == 16 * MB
    assert SignalChannel.capabilities.image_max_bytes == 100 * MB
    assert WhatsAppChannel.capabilities.image_redrawn and FeedChannel.capabilities.image_redrawn
    assert not TelegramChannel.capabilities.image_redrawn


def test_a_limit_is_judged_on_the_bytes_and_says_it_in_megabytes(tmp_path: Path) -> None:
    photo = tmp_path / "foto.jpg"
    photo.write_bytes(b"\xff\xd8\xff" + b"\0" * (3 * MB))
    small = Capabilities(Dialect.PLAIN, images=True, image_max_bytes=2 * MB)
    (finding,) = image_target_findings(photo, [("social", small)])
    assert finding.channel == "social" and "3.0 MB" in finding.message
    assert "2 MB" in finding.message
    roomy = Capabilities(Dialect.PLAIN, images=True, image_max_bytes=4 * MB)
    no_images = Capabilities(Dialect.PLAIN, image_max_bytes=1 * MB)
    assert image_target_findings(photo, [("a", roomy), ("b", no_images)]) == []
