"""ntfy: ``POST {server}/{topic}`` with the Markdown body and the title in a header.

HTTP headers are ASCII, so a title like "Straßensperrung Löbauer Straße" travels as RFC 2047
encoded words, which ntfy decodes. ntfy has no idempotency key: a timeout or 5xx after
sending makes the delivery ``unknown``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from citychan.channels.base import (
    Capabilities,
    ChannelConfigError,
    ChannelContext,
    Dialect,
    Kind,
    LengthUnit,
    Option,
    Post,
    Receipt,
    require_https,
)
from citychan.channels.http import ApiPolicy, HttpChannel, json_of
from citychan.links import as_uri

_TOPIC = re.compile(r"^[-_A-Za-z0-9]{1,64}$")
_WORD_BYTES = 45  # 45 bytes -> 60 base64 chars: each encoded word stays under 75 chars
WARNING_TAG = "warning"


def encode_header(value: str) -> str:
    """ASCII stays as it is; anything else becomes RFC 2047 ``=?UTF-8?B?...?=`` words."""
    value = " ".join(value.split())  # no line breaks in a header
    if value.isascii():
        return value
    words, chunk = [], b""
    for char in value:  # split on characters, never inside one UTF-8 sequence
        encoded = char.encode()
        if len(chunk) + len(encoded) > _WORD_BYTES:
            words.append(chunk)
            chunk = b""
        chunk += encoded
    words.append(chunk)
    return " ".join(f"=?UTF-8?B?{base64.b64encode(w).decode('ascii')}?=" for w in words)


class NtfyChannel(HttpChannel):
    """Publishes to one ntfy topic; warnings at priority 5, notices at 3."""

    type_name: ClassVar[str] = "ntfy"
    capabilities: ClassVar[Capabilities] = Capabilities(
        dialect=Dialect.NTFY, max_length=4096, length_unit=LengthUnit.BYTES, title_field=True
    )
    options: ClassVar[dict[str, Option]] = {
        "base_url": Option(str, required=True),
        "topic": Option(str, required=True),
        "token_env": Option(str),
    }
    _public = ("base_url", "topic")

    def __init__(
        self, name: str, base_url: str, topic: str, token: str | None, ctx: ChannelContext
    ):
        self.name = name
        self.base_url = base_url
        self.topic = topic
        self._token = token
        self._ctx = ctx
        self.policy = ApiPolicy("ntfy", secrets=(token,) if token else ())

    @classmethod
    def from_config(cls, name: str, options: Mapping[str, Any], ctx: ChannelContext) -> NtfyChannel:
        """Validate the options of ``[channels.NAME]`` and build the channel."""
        base_url = require_https(name, "base_url", str(options.get("base_url", "")))
        topic = str(options.get("topic", ""))
        if not _TOPIC.match(topic):
            raise ChannelConfigError(
                f"[channels.{name}] topic must be 1-64 letters, digits, '-' or '_', not {topic!r}"
            )
        token_env = options.get("token_env")
        token = ctx.secret(name, token_env, "token_env") if token_env else None
        return cls(name, base_url, topic, token, ctx)

    def headers_for(self, post: Post) -> dict[str, str]:
        """The ntfy headers of one post: Title, Priority, Tags, Click, Markdown, auth."""
        warning = post.kind == Kind.WARNING
        tags = ([WARNING_TAG] if warning else []) + [t for t in post.tags if t != WARNING_TAG]
        headers = {
            "Title": encode_header(post.rendered.title or post.title),
            "Priority": "5" if warning else "3",
            "Markdown": "yes",
        }
        if tags:
            headers["Tags"] = encode_header(",".join(tags))
        if post.link:
            headers["Click"] = as_uri(post.link)  # a header carries ASCII only
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def send(self, post: Post) -> Receipt:
        """One publish; the receipt holds ntfy's message id."""
        response = self._call(
            "POST",
            f"{self.base_url}/{self.topic}",
            content=post.rendered.text.encode("utf-8"),
            headers=self.headers_for(post),
        )
        body = json_of(response)
        remote_id = str(body["id"]) if isinstance(body, dict) and body.get("id") else None
        return Receipt(remote_id=remote_id, url=f"{self.base_url}/{self.topic}")
