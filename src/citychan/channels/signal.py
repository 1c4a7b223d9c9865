"""Signal through signal-cli-rest-api: ``POST {base}/v2/send``.

No idempotency key, and a 429 from Signal means a rate-limit challenge (captcha) that a person
must solve: it is never retried automatically.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from citychan.channels.base import (
    Capabilities,
    ChannelConfigError,
    ChannelContext,
    ChannelError,
    Dialect,
    Option,
    Post,
    Receipt,
    require_https,
)
from citychan.channels.http import ApiPolicy, HttpChannel, json_of

_NUMBER = re.compile(r"^\+[1-9]\d{6,14}$")


class SignalChannel(HttpChannel):
    """Sends from one registered number to a list of recipients or groups."""

    type_name: ClassVar[str] = "signal"
    capabilities: ClassVar[Capabilities] = Capabilities(dialect=Dialect.PLAIN, images=True)
    options: ClassVar[dict[str, Option]] = {
        "base_url": Option(str, required=True),
        "number": Option(str, required=True),
        "recipients": Option(list, required=True),
    }
    _public = ("base_url", "number")

    def __init__(
        self, name: str, base_url: str, number: str, recipients: list[str], ctx: ChannelContext
    ):
        self.name = name
        self.base_url = base_url
        self.number = number
        self.recipients = recipients
        self._ctx = ctx
        self.policy = ApiPolicy("Signal", retry_on_429=False)

    @classmethod
    def from_config(
        cls, name: str, options: Mapping[str, Any], ctx: ChannelContext
    ) -> SignalChannel:
        """Validate the options of ``[channels.NAME]`` and build the channel."""
        base_url = require_https(name, "base_url", str(options.get("base_url", "")))
        number = str(options.get("number", ""))
        if not _NUMBER.match(number):
            raise ChannelConfigError(
                f"[channels.{name}] number must be in international form like +4935915340, "
                f"not {number!r}"
            )
        recipients = options.get("recipients") or []
        if not recipients or not all(isinstance(r, str) and r for r in recipients):
            raise ChannelConfigError(
                f"[channels.{name}] recipients must be a non-empty list of numbers or group ids"
            )
        return cls(name, base_url, number, list(recipients), ctx)

    def send(self, post: Post) -> Receipt:
        """One ``/v2/send``; the receipt id is Signal's message timestamp."""
        body: dict[str, Any] = {
            "message": post.rendered.text,
            "number": self.number,
            "recipients": self.recipients,
            "text_mode": "normal",
        }
        if post.image is not None:
            mime = mimetypes.guess_type(post.image.name)[0] or "application/octet-stream"
            data = base64.b64encode(post.image.read_bytes()).decode("ascii")
            body["base64_attachments"] = [f"data:{mime};filename={post.image.name};base64,{data}"]
        answer = json_of(self._call("POST", f"{self.base_url}/v2/send", json=body))
        timestamp = answer.get("timestamp") if isinstance(answer, dict) else None
        if timestamp is None:
            raise ChannelError(
                "Signal: answer without a message timestamp; the post may have gone out",
                outcome_known=False,
            )
        return Receipt(remote_id=str(timestamp))
