"""Telegram channel via the Bot API: ``sendMessage`` with ``parse_mode=HTML``.

The bot token is part of the request path (``/bot<token>/sendMessage``), so no error text or
log line here is ever built from a URL. Telegram has no idempotency key: a timeout or 5xx
after sending makes the delivery ``unknown``; a 429 is retried after ``retry_after``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any, ClassVar

from citychan.channels.base import (
    Capabilities,
    ChannelConfigError,
    ChannelContext,
    ChannelError,
    Dialect,
    Kind,
    Option,
    Post,
    Receipt,
    require_https,
)
from citychan.channels.http import (
    ApiPolicy,
    HttpChannel,
    error_from_response,
    json_of,
    request,
)
from citychan.i18n import N_

PHOTO_MAX_BYTES = 10 * 1024 * 1024
_NO_TEXT = "there is no text in the message to edit"  # TDLib's words for a photo's text
_CHAT_ID = re.compile(r"^(@[A-Za-z0-9_]{4,}|-?\d+)$")


class TelegramChannel(HttpChannel):
    """Posts to a Telegram channel (``@name`` or ``-100…``) the bot is an admin of."""

    type_name: ClassVar[str] = "telegram"
    capabilities: ClassVar[Capabilities] = Capabilities(
        dialect=Dialect.TELEGRAM,
        max_length=4096,
        caption_max=1024,
        images=True,
        # sendPhoto: "The photo must be at most 10 MB in size" (core.telegram.org/bots/api)
        image_max_bytes=PHOTO_MAX_BYTES,
        per_minute=20,
        can_edit=True,
        can_delete=True,
        # deleteMessage: "A message can only be deleted if it was sent less than 48 hours
        # ago"; the Bot API's words (Client.cpp, MESSAGE_DELETE_FORBIDDEN). Editing a
        # channel post has no such limit.
        delete_within=timedelta(hours=48),
        delete_refused="message can't be deleted",
    )
    options: ClassVar[dict[str, Option]] = {
        "chat_id": Option((str, int), required=True),
        "token_env": Option(str, required=True),
        "api_url": Option(str, default="https://api.telegram.org"),
    }
    _public = ("chat_id", "api_url")

    def __init__(self, name: str, chat_id: str, token: str, api_url: str, ctx: ChannelContext):
        self.name = name
        self.chat_id = chat_id
        self.api_url = api_url
        self._token = token
        self._ctx = ctx
        self.policy = ApiPolicy("Telegram", secrets=(token,))
        # an edit or a deletion done twice changes nothing: safe to repeat after a timeout
        self._repeatable = replace(self.policy, idempotent=True)

    @classmethod
    def from_config(
        cls, name: str, options: Mapping[str, Any], ctx: ChannelContext
    ) -> TelegramChannel:
        """Validate the options of ``[channels.NAME]`` and build the channel."""
        chat_id = str(options.get("chat_id", "")).strip()
        if not _CHAT_ID.match(chat_id):
            raise ChannelConfigError(
                N_("[channels.{name}] chat_id must be '@channelname' or a numeric id like "
                   "-1001234567890, not {chat_id!r}").format(name=name, chat_id=chat_id)
            )
        api_url = require_https(
            name, "api_url", options.get("api_url") or cls.options["api_url"].default
        )
        token = ctx.secret(name, options.get("token_env"), "token_env")
        return cls(name, chat_id, token, api_url, ctx)

    def _method(self, method: str, *, policy: ApiPolicy | None = None, **kwargs: Any) -> Any:
        """Call one Bot API method; return its ``result`` or raise ChannelError."""
        policy = policy or self.policy
        response = request(
            self._ctx, policy, "POST", f"{self.api_url}/bot{self._token}/{method}", **kwargs
        )
        body = json_of(response)
        if response.is_success and isinstance(body, dict) and body.get("ok"):
            return body.get("result")
        if response.is_success:
            raise ChannelError(
                N_("Telegram: {method} answered {status_code} without ok=true").format(
                    method=method, status_code=response.status_code),
                outcome_known=False,
            )
        raise error_from_response(response, policy)

    def send(self, post: Post) -> Receipt:
        """One ``sendMessage`` (or ``sendPhoto`` with a caption when the post has an image)."""
        common: dict[str, Any] = {
            "chat_id": self.chat_id,
            "parse_mode": "HTML",
            # warnings ring; everyday notices arrive silently
            "disable_notification": post.kind != Kind.WARNING,
        }
        if post.image is not None:
            data = {**common, "caption": post.rendered.text}
            data["disable_notification"] = str(data["disable_notification"]).lower()
            with open(post.image, "rb") as fh:
                files = {"photo": (post.image.name, fh.read())}
            result = self._method("sendPhoto", data=data, files=files)
        else:
            preview = (
                {"is_disabled": False, "url": post.link} if post.link else {"is_disabled": True}
            )
            body = {**common, "text": post.rendered.text, "link_preview_options": preview}
            result = self._method("sendMessage", json=body)
        return self._receipt(result)

    def _receipt(self, result: Any) -> Receipt:
        message_id = result.get("message_id") if isinstance(result, dict) else None
        if message_id is None:
            raise ChannelError(N_("Telegram: answer without message_id"), outcome_known=False)
        url = None
        if self.chat_id.startswith("@"):
            url = f"https://t.me/{self.chat_id[1:]}/{message_id}"
        return Receipt(remote_id=str(message_id), url=url)

    def edit(self, post: Post) -> Receipt:
        """``editMessageText`` (``editMessageCaption`` for a post with an image) of the message
        ``post.replaces``; "message is not modified" means it says this already: done. A
        photo whose picture the record lacks is told by Telegram ("there is no text in the
        message to edit"): its caption is edited then."""
        ids = {"chat_id": self.chat_id, "message_id": _message_id(post), "parse_mode": "HTML"}
        caption = {**ids, "caption": post.rendered.text}
        try:
            if post.image is not None:
                self._method("editMessageCaption", policy=self._repeatable, json=caption)
            else:
                preview = ({"is_disabled": False, "url": post.link} if post.link
                           else {"is_disabled": True})
                body = {**ids, "text": post.rendered.text, "link_preview_options": preview}
                try:
                    self._method("editMessageText", policy=self._repeatable, json=body)
                except ChannelError as exc:
                    if exc.status != 400 or _NO_TEXT not in exc.message:
                        raise
                    self._method("editMessageCaption", policy=self._repeatable, json=caption)
        except ChannelError as exc:
            if exc.status != 400 or "message is not modified" not in exc.message:
                raise
        return self._receipt({"message_id": ids["message_id"]})

    def delete(self, post: Post) -> Receipt:
        """``deleteMessage`` of ``post.replaces``; "message to delete not found" means it is
        gone already: done. Telegram refuses messages sent 48 hours ago or more ("message
        can't be deleted"): that one fails, and the withdrawal edits it instead
        (``capabilities.delete_within``, citychan.delivery.lifecycle)."""
        message_id = _message_id(post)
        try:
            self._method("deleteMessage", policy=self._repeatable, json={"chat_id": self.chat_id,
                                                "message_id": message_id})
        except ChannelError as exc:
            if exc.status != 400 or "message to delete not found" not in exc.message:
                raise
        return Receipt(remote_id=str(message_id))

    def preflight(self) -> list[str]:
        """``getChat``: the token works and the bot can see the chat."""
        try:
            chat = self._method("getChat", json={"chat_id": self.chat_id})
        except ChannelError as exc:
            if exc.status is None or exc.status >= 500 or exc.status == 429:
                raise
            return [f"getChat for {self.chat_id} failed: {exc.message}"]
        if not isinstance(chat, dict):
            return [f"getChat for {self.chat_id} gave no chat"]
        if chat.get("type") not in {"channel", "supergroup", "group"}:
            return [f"{self.chat_id} is a {chat.get('type')!s} chat, not a channel"]
        return []


def _message_id(post: Post) -> int:
    """The Bot API's integer message id of the post to change."""
    if not (post.replaces or "").isdigit():
        raise ChannelError(N_("Telegram: {replaces!r} is not a message id; nothing changed").format(
                               replaces=post.replaces))
    return int(post.replaces or 0)
