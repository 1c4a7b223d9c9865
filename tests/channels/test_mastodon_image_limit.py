"""Mastodon's image limit: ``configuration.media_attachments.image_size_limit`` of
``GET /api/v2/instance`` (mastodon/documentation content/en/entities/Instance.md; bytes,
mastodon.social says 16777216), read while sending, kept for the next plan's CC006, and an
image over it refused before anything is uploaded."""

from __future__ import annotations

import httpx
import pytest

from citychan.channels.base import ChannelContext, ChannelError, Dialect
from citychan.channels.mastodon import MastodonChannel
from citychan.testing import sample_post
from tests.support.limits import MemoryLimits

BASE = "https://social.bautzen.de"
STATUS = {"id": "1099", "url": f"{BASE}/@stadt/1099"}
MB = 1024 * 1024


def _instance(image_bytes: int) -> httpx.Response:
    return httpx.Response(200, json={"configuration": {
        "statuses": {"max_characters": 500, "characters_reserved_per_url": 23},
        "media_attachments": {"image_size_limit": image_bytes,
                              "image_matrix_limit": 33177600}}})


def _channel(handler, limits: MemoryLimits) -> MastodonChannel:
    ctx = ChannelContext(env={"MASTO": "masto-secret"}, limits=limits,
                         http=httpx.Client(transport=httpx.MockTransport(handler)))
    return MastodonChannel.from_config("mastodon", {"base_url": BASE, "token_env": "MASTO"}, ctx)


def test_the_instances_image_limit_is_kept_for_the_next_plan_and_refuses_a_bigger_file(
        tmp_path) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return _instance(2 * MB) if request.url.path == "/api/v2/instance" else httpx.Response(
            200, json=STATUS)

    photo = tmp_path / "markt.jpg"
    photo.write_bytes(b"\xff\xd8\xff" + b"\0" * (3 * MB))
    limits = MemoryLimits()
    assert _channel(handler, limits).capabilities.image_max_bytes == 16 * MB  # not known yet
    post = sample_post(Dialect.PLAIN, text="Markt", image=photo, image_alt="Der Markt")
    with pytest.raises(ChannelError) as info:
        _channel(handler, limits).send(post)
    assert "takes images up to 2 MB" in info.value.message and "markt.jpg" in info.value.message
    assert "nothing was sent" in info.value.message
    assert calls == ["/api/v2/instance"]  # no upload, no status
    assert _channel(handler, limits).capabilities.image_max_bytes == 2 * MB
