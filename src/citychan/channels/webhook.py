"""Generic webhook: a JSON POST signed with HMAC-SHA256 over the exact body bytes.

The receiver verifies ``X-Citychan-Signature: sha256=<hex>`` with the shared secret and can
drop repeats by the ``Idempotency-Key`` header. We cannot know that it does, so a timeout or
5xx after sending makes the delivery ``unknown``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import mimetypes
from collections.abc import Mapping
from html import escape as esc
from typing import Any, ClassVar

from citychan import clock
from citychan.channels.base import (
    Capabilities,
    ChannelContext,
    Dialect,
    Option,
    Post,
    Receipt,
    idempotency_key,
    require_https,
)
from citychan.channels.http import ApiPolicy, HttpChannel, json_of

SIGNATURE_HEADER = "X-Citychan-Signature"


def sign(secret: str, body: bytes) -> str:
    """The signature header value for ``body``: ``sha256=<hex HMAC-SHA256>``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


PAYLOAD_VERSION = 2  # 1: the fields up to "sent"; 2 adds version, languages, summary,
# tags, image and html (every field of 1 kept as it was)


def payload(post: Post) -> dict[str, Any]:
    """The JSON document of one post (docs/channels.md, "Webhook", shows an example): the fields of
    version 1 ``{id, kind, level, lang, title, text, link, sent}``, plus ``version``, every
    language apart (``languages``), ``summary``, ``tags``, ``image`` and ``html``."""
    sent = post.sent or clock.utcnow()
    return {
        "version": PAYLOAD_VERSION,
        "id": post.message_id,
        "kind": str(post.kind),
        "level": post.level,
        "lang": post.lang,
        "title": post.title,
        "text": post.rendered.text,
        "link": post.link,
        "sent": sent.isoformat(timespec="seconds"),
        "summary": post.summary,
        "tags": list(post.tags),
        "image": _image(post),
        "html": "\n".join(
            f'<section lang="{esc(p.lang)}">\n<h2>{esc(p.title)}</h2>\n{p.html}\n</section>'
            for p in post.parts),
        "languages": [
            {"lang": p.lang, "title": p.title, "summary": p.summary, "text": p.text,
             "html": p.html}
            for p in post.parts
        ],
    }


def _image(post: Post) -> dict[str, Any] | None:
    """The notice's image inline (a CMS cannot reach our disk): name, alt text, media type
    and the bytes in base64; None without one, or when it can no longer be read."""
    if post.image is None:
        return None
    try:
        data = post.image.read_bytes()
    except OSError:
        return None
    return {
        "name": post.image.name,
        "alt": post.image_alt,
        "media_type": mimetypes.guess_type(post.image.name)[0] or "application/octet-stream",
        "data": base64.b64encode(data).decode("ascii"),
    }


class WebhookChannel(HttpChannel):
    """POSTs every post as signed JSON to one URL."""

    type_name: ClassVar[str] = "webhook"
    # images: the payload carries the notice's image inline (payload version 2)
    capabilities: ClassVar[Capabilities] = Capabilities(dialect=Dialect.PLAIN, images=True)
    options: ClassVar[dict[str, Option]] = {
        "url": Option(str, required=True),
        "secret_env": Option(str, required=True),
    }
    _public = ("url",)

    def __init__(self, name: str, url: str, secret: str, ctx: ChannelContext):
        self.name = name
        self.url = url
        self._secret = secret
        self._ctx = ctx
        self.policy = ApiPolicy("webhook", secrets=(secret,))

    @classmethod
    def from_config(
        cls, name: str, options: Mapping[str, Any], ctx: ChannelContext
    ) -> WebhookChannel:
        """Validate the options of ``[channels.NAME]`` and build the channel."""
        url = str(options.get("url", ""))
        require_https(name, "url", url)  # validates only: its result drops a trailing "/"
        secret = ctx.secret(name, options.get("secret_env"), "secret_env")
        return cls(name, url, secret, ctx)

    def send(self, post: Post) -> Receipt:
        """One signed POST; any 2xx is success (the body may be empty)."""
        body = json.dumps(payload(post), ensure_ascii=False, separators=(",", ":")).encode()
        key = post.idempotency_key or idempotency_key(post.message_id, post.channel, 0)
        response = self._call(
            "POST",
            self.url,
            content=body,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                SIGNATURE_HEADER: sign(self._secret, body),
                "Idempotency-Key": key,
            },
        )
        answer = json_of(response)
        remote_id = answer.get("id") if isinstance(answer, dict) else None
        return Receipt(remote_id=str(remote_id) if remote_id is not None else key)
