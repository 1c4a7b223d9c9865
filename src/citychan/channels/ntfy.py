"""ntfy: ``POST {server}/{topic}`` with the Markdown body and the title in a header.

HTTP headers are ASCII, so a title like "Straßensperrung Löbauer Straße" travels as RFC 2047
encoded words, which ntfy decodes. ntfy has no idempotency key: a timeout or 5xx after
sending makes the delivery ``unknown``.

ntfy answers 429 for two different things. A plain rate limit (code 42901 "limit reached: too
many requests") clears within seconds and is retried like any 429. A daily quota (42908 "daily
message quota reached", 42905 daily bandwidth, 42910 daily phone calls) or the lock-out after
too many failed logins (42909 "too many auth failures") does not clear within any retry budget,
so those are a plain failure with ntfy's reason. Codes and texts as ntfy defines them in
binwiederhier/ntfy ``server/errors.go`` (checked 2026-11-29).
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
    ChannelError,
    Dialect,
    Kind,
    LengthUnit,
    Option,
    Post,
    Receipt,
    require_https,
)
from citychan.channels.http import (
    ApiPolicy,
    HttpChannel,
    api_description,
    check,
    json_of,
    request,
)
from citychan.i18n import N_
from citychan.links import as_uri

_TOPIC = re.compile(r"^[-_A-Za-z0-9]{1,64}$")
_WORD_BYTES = 45  # 45 bytes -> 60 base64 chars: each encoded word stays under 75 chars
WARNING_TAG = "warning"

# ntfy's 429 codes that retrying within minutes cannot clear (server/errors.go)
_AUTH_FAILURES = 42909
_QUOTAS = frozenset({42905, 42908, 42910})  # daily bandwidth, messages, phone calls


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
                N_("[channels.{name}] topic must be 1-64 letters, digits, '-' or '_', not "
                   "{topic!r}").format(name=name, topic=topic)
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
        response = request(
            self._ctx,
            self.policy,
            "POST",
            f"{self.base_url}/{self.topic}",
            content=post.rendered.text.encode("utf-8"),
            headers=self.headers_for(post),
        )
        if response.status_code == 429:
            refuse_lasting_limit(json_of(response), self.policy)
        body = json_of(check(response, self.policy))
        remote_id = str(body["id"]) if isinstance(body, dict) and body.get("id") else None
        return Receipt(remote_id=remote_id, url=f"{self.base_url}/{self.topic}")


def refuse_lasting_limit(body: Any, policy: ApiPolicy) -> None:
    """Raise a plain failure (not retried) for a 429 that names a daily quota or the lock-out
    after too many auth failures; return for a 429 that is only a rate limit."""
    code = body.get("code") if isinstance(body, dict) else None
    reason = policy.mask(api_description(body) or "")[:200]
    text = reason.lower()
    if code == _AUTH_FAILURES or (code is None and "auth failure" in text):
        hint = ("this address is locked out after failed logins; check the token in "
                "token_env, then retry later")
    elif code in _QUOTAS or (code is None and "quota" in text):
        hint = "the daily quota of this ntfy account is used up; retry tomorrow"
    else:
        return
    raise ChannelError(N_("{api}: HTTP 429: {value}; {hint} (not retried)").format(
                           api=policy.api, value=reason or 'limit reached', hint=hint), status=429)
