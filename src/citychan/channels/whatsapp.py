"""WhatsApp Channel through a self-hosted gateway: WAHA, Whapi.Cloud or Evolution API.

Meta's Cloud API cannot post to Channels; these gateways drive a linked WhatsApp account that
owns or admins the channel (``<digits>@newsletter``). None has an idempotency key, so once a
request may have arrived (timeout, 5xx, or a 2xx without a message id) the delivery is
``unknown``: WAHA can then read the channel back; the others need a person to look.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote

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
from citychan.channels.http import ApiPolicy, HttpChannel, json_of, protect_secret, text_matches

PROVIDERS = ("waha", "whapi", "evolution")
_CHANNEL_ID = re.compile(r"^\d+@newsletter$")
_READ_BACK_LIMIT = 50


def message_id_of(body: Any) -> str | None:
    """The gateway's message id: ``key.id``, ``id._serialized``, ``id`` or ``message.id``."""
    if not isinstance(body, Mapping):
        return None
    key, ident, message = body.get("key"), body.get("id"), body.get("message")
    candidates = [
        key.get("id") if isinstance(key, Mapping) else None,
        ident.get("_serialized") if isinstance(ident, Mapping) else ident,
        message.get("id") if isinstance(message, Mapping) else None,
    ]
    for value in candidates:
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            return str(value)
    return None


def _image(path: Path) -> tuple[str, str]:
    mime = mimetypes.guess_type(path.name)[0] or "image/jpeg"
    return mime, base64.b64encode(path.read_bytes()).decode("ascii")


class WhatsAppChannel(HttpChannel):
    """Posts to a WhatsApp Channel via a gateway; see the module docstring."""

    type_name: ClassVar[str] = "whatsapp"
    capabilities: ClassVar[Capabilities] = Capabilities(
        dialect=Dialect.WHATSAPP, max_length=4096, caption_max=1024, images=True
    )
    options: ClassVar[dict[str, Option]] = {
        "provider": Option(str, required=True),
        "base_url": Option(str, required=True),
        "session": Option(str),
        "instance": Option(str),
        "channel_id": Option(str, required=True),
        "token_env": Option(str),
    }
    _public = ("provider", "base_url", "channel_id")

    def __init__(
        self,
        name: str,
        provider: str,
        base_url: str,
        session: str,
        channel_id: str,
        token: str | None,
        ctx: ChannelContext,
    ):
        self.name = name
        self.provider = provider
        self.base_url = base_url
        self.session = session  # WAHA session or Evolution instance
        self.channel_id = channel_id
        self._token = token
        self._ctx = ctx
        api = {"waha": "WAHA", "whapi": "Whapi", "evolution": "Evolution API"}[provider]
        self.policy = ApiPolicy(api, secrets=(token,) if token else ())
        if token:
            protect_secret(token)

    @classmethod
    def from_config(
        cls, name: str, options: Mapping[str, Any], ctx: ChannelContext
    ) -> WhatsAppChannel:
        """Validate the options of ``[channels.NAME]`` and build the channel."""
        provider = options.get("provider")
        if provider not in PROVIDERS:
            raise ChannelConfigError(
                f"[channels.{name}] provider must be one of {', '.join(PROVIDERS)}, "
                f"not {provider!r}"
            )
        base_url = require_https(name, "base_url", str(options.get("base_url", "")))
        channel_id = str(options.get("channel_id", ""))
        if not _CHANNEL_ID.match(channel_id):
            raise ChannelConfigError(
                f"[channels.{name}] channel_id must be a channel id like "
                f"'120363012345678901@newsletter', not {channel_id!r}"
            )
        if provider == "evolution" and not (options.get("instance") or options.get("session")):
            raise ChannelConfigError(
                f"[channels.{name}] provider 'evolution' needs 'instance' (its instance name)"
            )
        session = options.get("instance") or options.get("session") or "default"
        token_env = options.get("token_env")
        if provider != "waha" or token_env:  # WAHA may run without an API key on loopback
            token = ctx.secret(name, token_env, "token_env")
        else:
            token = None
        return cls(name, provider, base_url, session, channel_id, token, ctx)

    def _headers(self) -> dict[str, str]:
        if not self._token:
            return {}
        if self.provider == "waha":
            return {"X-Api-Key": self._token}
        if self.provider == "whapi":
            return {"Authorization": f"Bearer {self._token}"}
        return {"apikey": self._token}

    def request_for(self, post: Post) -> tuple[str, dict[str, Any]]:
        """The gateway's path and JSON body for one post (text, or image with caption)."""
        text, s, cid = post.rendered.text, self.session, self.channel_id
        if post.image is None:
            return {
                "waha": ("/api/sendText", {"session": s, "chatId": cid, "text": text}),
                "whapi": ("/messages/text", {"to": cid, "body": text}),
                "evolution": (f"/message/sendText/{quote(s)}", {"number": cid, "text": text}),
            }[self.provider]
        mime, data = _image(post.image)
        filename = post.image.name
        if self.provider == "waha":
            file = {"mimetype": mime, "filename": filename, "data": data}
            return "/api/sendImage", {"session": s, "chatId": cid, "file": file, "caption": text}
        if self.provider == "whapi":
            media = f"data:{mime};name={filename};base64,{data}"
            return "/messages/image", {"to": cid, "media": media, "caption": text}
        body = {
            "number": cid,
            "mediatype": "image",
            "mimetype": mime,
            "media": data,
            "fileName": filename,
            "caption": text,
        }
        return f"/message/sendMedia/{quote(s)}", body

    def send(self, post: Post) -> Receipt:
        """One gateway call. A 2xx without a message id is not success: outcome unknown."""
        path, body = self.request_for(post)
        response = self._call("POST", self.base_url + path, json=body, headers=self._headers())
        remote_id = message_id_of(json_of(response))
        if remote_id is None:
            raise ChannelError(
                f"{self.policy.api}: HTTP {response.status_code} without a message id; "
                "the post may or may not have gone out",
                outcome_known=False,
                status=response.status_code,
            )
        return Receipt(remote_id=remote_id)

    def preflight(self) -> list[str]:
        """WAHA: session WORKING and the channel among those it owns or admins.
        Whapi and Evolution: the gateway answers and the account is connected."""
        if self.provider == "whapi":
            self._call("GET", f"{self.base_url}/health", headers=self._headers())
            return []
        if self.provider == "evolution":
            state = json_of(
                self._call(
                    "GET",
                    f"{self.base_url}/instance/connectionState/{quote(self.session)}",
                    headers=self._headers(),
                )
            )
            inner = state.get("instance", state) if isinstance(state, dict) else {}
            got = inner.get("state") if isinstance(inner, dict) else None
            return [] if got == "open" else [f"instance {self.session!r} is {got!s}, not open"]
        return self._preflight_waha()

    def _preflight_waha(self) -> list[str]:
        base, s = self.base_url, quote(self.session)
        session = json_of(self._call("GET", f"{base}/api/sessions/{s}", headers=self._headers()))
        status = session.get("status") if isinstance(session, dict) else None
        if status != "WORKING":
            return [f"WAHA session {self.session!r} is {status!s}, not WORKING"]
        for role in ("OWNER", "ADMIN"):
            channels = json_of(
                self._call(
                    "GET",
                    f"{base}/api/{s}/channels",
                    params={"role": role},
                    headers=self._headers(),
                )
            )
            if any(isinstance(c, dict) and c.get("id") == self.channel_id for c in channels or []):
                return []
        return [
            f"{self.channel_id} is not among the channels session {self.session!r} owns or admins"
        ]

    def read_back(self, post: Post, since: datetime) -> Receipt | None:
        """WAHA only: look for the text among the channel's latest messages since ``since``."""
        if self.provider != "waha":
            raise NotImplementedError(f"{self.policy.api} cannot list a channel's messages")
        url = (
            f"{self.base_url}/api/{quote(self.session)}/channels/"
            f"{quote(self.channel_id)}/messages/preview"
        )
        params = {"limit": _READ_BACK_LIMIT, "downloadMedia": "false"}
        items = json_of(self._call("GET", url, params=params, headers=self._headers()))
        if not isinstance(items, list):
            raise ChannelError("WAHA: channel messages answer is not a list")
        oldest = None
        for item in items:
            message = item.get("message", item) if isinstance(item, dict) else {}
            stamp = message.get("timestamp")
            if isinstance(stamp, int | float):
                oldest = stamp if oldest is None else min(oldest, stamp)
                if stamp < since.timestamp():
                    continue
            if text_matches(
                str(message.get("body") or message.get("caption") or ""), post.rendered.text
            ):
                return Receipt(remote_id=message_id_of(message))
        if len(items) >= _READ_BACK_LIMIT and (oldest is None or oldest >= since.timestamp()):
            raise ChannelError(
                f"WAHA: more than {_READ_BACK_LIMIT} channel messages since {since:%H:%M}; "
                "cannot tell whether the post is there"
            )
        return None
