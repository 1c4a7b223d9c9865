"""WhatsApp Channel through a self-hosted gateway: WAHA, Whapi.Cloud or Evolution API.

Meta's Cloud API cannot post to Channels; these gateways drive a linked WhatsApp account that
owns or admins the channel (``<digits>@newsletter``). None has an idempotency key, so once a
request may have arrived (timeout, 5xx, or a 2xx without a message id) the delivery is
``unknown``: WAHA and Whapi can then read the channel back; for Evolution a person looks.

What each gateway needs is in docs/channels.md (section "WhatsApp Channel"): Evolution API posts to
a channel only from 2.4.0 and only once its licence is activated; current WAHA wants its
``X-Api-Key``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from citychan.channels import images
from citychan.channels.base import (
    CannotTell,
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
from citychan.channels.http import (
    ApiPolicy,
    HttpChannel,
    api_description,
    check,
    json_of,
    request,
    text_matches,
)
from citychan.i18n import N_

if TYPE_CHECKING:
    import httpx

_CHANNEL_ID = re.compile(r"^\d+@newsletter$")
_READ_BACK_LIMIT = 50


@dataclass(frozen=True)
class Image:
    """A picture as the gateways take it: a JPEG made with Pillow (see
    :mod:`citychan.channels.images`), inline, base64-encoded."""

    mime: str
    data: str  # base64
    filename: str

    @classmethod
    def read(cls, path: Path) -> Image:
        data = base64.b64encode(images.as_jpeg(path)).decode("ascii")
        return cls(images.JPEG_MIME, data, images.jpeg_name(path))


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


# (session, channel id, text) -> JSON body; the image variant takes the Image too
TextBody = Callable[[str, str, str], dict[str, Any]]
ImageBody = Callable[[str, str, str, Image], dict[str, Any]]


@dataclass(frozen=True)
class Provider:
    """One gateway's API as data; the channel code below is the same for every gateway."""

    name: str  # the config value of ``provider``
    api: str  # shown in messages
    text_path: str  # ``{session}``: the session or instance, quoted
    text_body: TextBody
    image_path: str
    image_body: ImageBody
    auth_header: str  # the header that carries the API key, and its value with ``{token}``
    auth_value: str
    # the preflight's questions, and a read-back where the gateway can list a channel's
    # messages (None: a person has to look)
    preflight: Callable[[WhatsAppChannel], list[str]]
    read_back: Callable[[WhatsAppChannel, Post, datetime], Receipt | None] | None = None
    token_optional: bool = False  # WAHA may run without an API key on loopback
    session_key: str | None = None  # a key the gateway cannot do without (Evolution: instance)
    # the message id in the gateway's answer; its shape varies with the gateway's version and
    # (WAHA) its engine, so every provider reads it the same tolerant way
    message_id: Callable[[Any], str | None] = message_id_of
    # why this server cannot post to the channel at all (Evolution before 2.4), asked once
    # before the first post and by the preflight; None: it can
    server_problem: Callable[[WhatsAppChannel], str | None] | None = None
    # the API's own words in an error body, where api_description does not find them
    describe: Callable[[Any], str | None] | None = None
    # an error answer that provably sent nothing (status, body) -> the hint for the operator
    refused: Callable[[int, Any], str | None] | None = None
    # a 2xx whose body says the message did not go (Whapi's ``sent: false``) -> why
    not_sent: Callable[[Any], str | None] | None = None

    def headers(self, token: str | None) -> dict[str, str]:
        return {self.auth_header: self.auth_value.format(token=token)} if token else {}

    def path(self, template: str, session: str) -> str:
        return template.format(session=quote(session))


class WhatsAppChannel(HttpChannel):
    """Posts to a WhatsApp Channel via a gateway; see the module docstring."""

    type_name: ClassVar[str] = "whatsapp"
    capabilities: ClassVar[Capabilities] = Capabilities(
        dialect=Dialect.WHATSAPP, max_length=4096, caption_max=1024, images=True,
        image_redrawn=True,  # channels/images.py: a JPEG within 5 MB
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
        self.gateway = PROVIDERS[provider]
        self.base_url = base_url
        self.session = session  # WAHA session or Evolution instance
        self.channel_id = channel_id
        self._token = token
        self._ctx = ctx
        self.policy = ApiPolicy(self.gateway.api, secrets=(token,) if token else (),
                                describe=self.gateway.describe)
        self._server_checked = False
        self.engine: str | None = None  # WAHA's engine, as its preflight read it

    @classmethod
    def from_config(
        cls, name: str, options: Mapping[str, Any], ctx: ChannelContext
    ) -> WhatsAppChannel:
        """Validate the options of ``[channels.NAME]`` and build the channel."""
        provider = options.get("provider")
        if provider not in PROVIDERS:
            raise ChannelConfigError(
                N_("[channels.{name}] provider must be one of {join}, not {provider!r}").format(
                    name=name, join=', '.join(PROVIDERS), provider=provider)
            )
        gateway = PROVIDERS[provider]
        base_url = require_https(name, "base_url", str(options.get("base_url", "")))
        channel_id = str(options.get("channel_id", ""))
        if not _CHANNEL_ID.match(channel_id):
            raise ChannelConfigError(
                N_("[channels.{name}] channel_id must be a channel id like "
                   "'120363012345678901@newsletter', not {channel_id!r}").format(
                    name=name, channel_id=channel_id)
            )
        if gateway.session_key and not (options.get("instance") or options.get("session")):
            raise ChannelConfigError(
                N_("[channels.{name}] provider '{provider}' needs '{session_key}' (its "
                   "{session_key} name)").format(
                    name=name, provider=provider, session_key=gateway.session_key)
            )
        session = options.get("instance") or options.get("session") or "default"
        token_env = options.get("token_env")
        if gateway.token_optional and not token_env:
            token = None
        else:
            token = ctx.secret(name, token_env, "token_env")
        return cls(name, provider, base_url, session, channel_id, token, ctx)

    def _headers(self) -> dict[str, str]:
        return self.gateway.headers(self._token)

    def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request; an error answer the gateway defines as "nothing sent" (Evolution's 503
        before licence activation) is a known failure with the operator's hint, not the
        unknown outcome of an ordinary 5xx."""
        response = request(self._ctx, self.policy, method, url, **kwargs)
        status = response.status_code
        if not 200 <= status < 300 and self.gateway.refused is not None:
            body = json_of(response)
            hint = self.gateway.refused(status, body)
            if hint is not None:
                said = self.policy.mask((self.policy.describe or api_description)(body) or "")
                raise ChannelError(
                    N_("{api}: HTTP {status}: {said}; nothing was sent. {hint}").format(
                        api=self.policy.api, status=status, said=said[:200], hint=hint),
                    status=status,
                )
        return check(response, self.policy)

    def _server_problem(self, *, strict: bool) -> str | None:
        """Why this gateway server cannot post to the channel (asked until it answers).

        A question that gets no answer (timeout, 5xx, ...) raises in the preflight
        (``strict``); before a post it lets the post go ahead, whose own answer then tells:
        the check guards against a server known to be wrong, it must not turn the post's
        failure modes into its own."""
        if self.gateway.server_problem is None or self._server_checked:
            return None
        try:
            problem = self.gateway.server_problem(self)
        except ChannelError:
            if strict:
                raise
            return None
        self._server_checked = problem is None
        return problem

    def _get(self, path: str, **kwargs: Any) -> Any:
        """The JSON of a 2xx answer to ``GET base_url + path``."""
        return json_of(self._call("GET", self.base_url + path, headers=self._headers(), **kwargs))

    def request_for(self, post: Post) -> tuple[str, dict[str, Any]]:
        """The gateway's path and JSON body for one post (text, or image with caption)."""
        g, text = self.gateway, post.rendered.text
        if post.image is None:
            return (g.path(g.text_path, self.session),
                    g.text_body(self.session, self.channel_id, text))
        image = Image.read(post.image)
        return (g.path(g.image_path, self.session),
                g.image_body(self.session, self.channel_id, text, image))

    def send(self, post: Post) -> Receipt:
        """One gateway call. A 2xx without a message id, or one that says the message was
        not sent, is not success: outcome unknown. A server that cannot post to a channel at
        all (Evolution before 2.4) is a known failure before anything is sent."""
        problem = self._server_problem(strict=False)
        if problem is not None:
            raise ChannelError(N_("{problem}; nothing was sent").format(problem=problem))
        path, body = self.request_for(post)
        response = self._call("POST", self.base_url + path, json=body, headers=self._headers())
        answer = json_of(response)
        why = self.gateway.not_sent(answer) if self.gateway.not_sent else None
        if why is not None:
            raise ChannelError(N_("{api}: HTTP {status_code} {why}").format(
                                   api=self.policy.api, status_code=response.status_code,
                                   why=why),
                               outcome_known=False, status=response.status_code)
        remote_id = self.gateway.message_id(answer)
        if remote_id is None:
            raise ChannelError(
                N_("{api}: HTTP {status_code} without a message id; the post may or may "
                   "not have gone out").format(
                    api=self.policy.api, status_code=response.status_code),
                outcome_known=False,
                status=response.status_code,
            )
        return Receipt(remote_id=remote_id)

    def preflight(self) -> list[str]:
        """What the gateway can tell before a post: see each provider's preflight."""
        problem = self._server_problem(strict=True)
        if problem is not None:
            return [problem]
        return self.gateway.preflight(self)

    def config_warnings(self) -> list[str]:
        """What the config alone shows should be set up (a WAHA without ``token_env``);
        ``check`` reports it too, without asking the gateway."""
        if self.gateway.token_optional and self._token is None:
            return [f"no token_env in [channels.{self.name}]: current WAHA requires X-Api-Key "
                    "unless its security is switched off; set WAHA_API_KEY on the server and "
                    "the same value in the variable token_env names"]
        return []

    def preflight_warnings(self) -> list[str]:
        """What is not wrong today but should be set up, or may fail: the config's warnings
        and, after the preflight read it, a WAHA engine known to fail with channel images."""
        known = _ENGINE_IMAGE_BUGS.get(self.engine or "")
        engine = ([f"WAHA session {self.session!r} runs the {self.engine} engine, which is "
                   f"known to fail with images to a channel ({known}); post pictures only "
                   "after a test post shows them, or post text"] if known else [])
        return self.config_warnings() + engine

    def preflight_notes(self) -> list[str]:
        """What the preflight found out that is neither wrong nor a risk (WAHA's engine)."""
        return [f"WAHA engine {self.engine}"] if self.engine else []

    def read_back(self, post: Post, since: datetime) -> Receipt | None:
        """Look for the post among the channel's messages since ``since``, where the gateway
        can list them (WAHA, Whapi); Evolution raises NotImplementedError: a person looks."""
        if self.gateway.read_back is None:
            raise NotImplementedError(f"{self.policy.api} cannot list a channel's messages")
        return self.gateway.read_back(self, post, since)


# --- the gateways -----------------------------------------------------------------------------


def _waha_preflight(ch: WhatsAppChannel) -> list[str]:
    """Session WORKING and the channel among those it owns or admins."""
    s = quote(ch.session)
    try:
        session = ch._get(f"/api/sessions/{s}")
    except ChannelError as exc:
        if exc.status == 401 and ch._token is None:
            return ["WAHA wants an API key: set token_env in the channel's table (current "
                    "WAHA requires X-Api-Key unless its security is switched off)"]
        raise
    status = session.get("status") if isinstance(session, dict) else None
    ch.engine = _waha_engine(session)
    if status != "WORKING":
        return [f"WAHA session {ch.session!r} is {status!s}, not WORKING"]
    for role in ("OWNER", "ADMIN"):
        channels = ch._get(f"/api/{s}/channels", params={"role": role})
        if any(isinstance(c, dict) and c.get("id") == ch.channel_id for c in channels or []):
            return []
    return [f"{ch.channel_id} is not among the channels session {ch.session!r} owns or admins"]


# WAHA engines whose posts of images to a channel are known to fail (devlikeapro/waha issues)
_ENGINE_IMAGE_BUGS = {
    "NOWEB": "devlikeapro/waha #1523: 201 with a message id, but the picture never shows; "
             "WhatsApp acks it with error 479",
    "WEBJS": "devlikeapro/waha #1775, #2149, #2277: 500 from sendImage; #1863: 201 with an "
             "empty body and nothing posted",
}


def _waha_engine(session: Any) -> str | None:
    """The engine in ``GET /api/sessions/{s}``: ``engine.engine`` (the session's detailed
    info, not in WAHA's OpenAPI schema), or a plain string."""
    engine = session.get("engine") if isinstance(session, Mapping) else None
    if isinstance(engine, Mapping):
        engine = engine.get("engine")
    return engine.upper() if isinstance(engine, str) and engine else None


def _waha_describe(body: Any) -> str | None:
    """WAHA's 500s carry the engine's own words in ``exception.message``
    (``{"statusCode": 500, "exception": {"message": "msg.avParams is not a function"}}``)."""
    inner = body.get("exception") if isinstance(body, Mapping) else None
    said = inner.get("message") if isinstance(inner, Mapping) else None
    if isinstance(said, str) and said.strip():
        return said.strip().splitlines()[0]
    return api_description(body)


def _waha_read_back(ch: WhatsAppChannel, post: Post, since: datetime) -> Receipt | None:
    """The text among the channel's latest messages since ``since``: WAHA lists one's own
    channel like any chat (``/chats/{chatId}/messages``); ``channels/{id}/messages/preview``
    is for channels one does not follow and answers 422 on GOWS."""
    path = f"/api/{quote(ch.session)}/chats/{quote(ch.channel_id)}/messages"
    items = ch._get(path, params={"limit": _READ_BACK_LIMIT, "downloadMedia": "false"})
    return _find_post("WAHA", items, post, since, _waha_text)


def _waha_text(message: Mapping[str, Any]) -> str:
    return str(message.get("body") or message.get("caption") or "")


def _find_post(
    api: str,
    items: Any,
    post: Post,
    since: datetime,
    text_of: Callable[[Mapping[str, Any]], str],
) -> Receipt | None:
    """The post among a gateway's latest channel messages (newest first or not) since
    ``since``; None when it is provably not there, CannotTell when the list cannot say."""
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise CannotTell(N_("{api}: the channel's messages answer is not a list of "
                            "messages; cannot tell whether the post is there").format(api=api))
    oldest = None
    for item in items:
        message = item.get("message", item)
        if not isinstance(message, dict):
            raise CannotTell(N_("{api}: a channel message without its fields; cannot tell "
                                "whether the post is there").format(api=api))
        stamp = message.get("timestamp")
        if isinstance(stamp, int | float):
            oldest = stamp if oldest is None else min(oldest, stamp)
            if stamp < since.timestamp():
                continue
        if text_matches(text_of(message), post.rendered.text):
            return Receipt(remote_id=message_id_of(message))
    if len(items) >= _READ_BACK_LIMIT and (oldest is None or oldest >= since.timestamp()):
        raise CannotTell(
            N_("{api}: more than {read_back_limit} channel messages since {since:%H:%M}; "
               "cannot tell whether the post is there").format(
                api=api, read_back_limit=_READ_BACK_LIMIT, since=since)
        )
    return None


def _whapi_preflight(ch: WhatsAppChannel) -> list[str]:
    """The channel's phone is logged in: ``status.text`` is AUTH. ``wakeup=false``: a check
    must not start a sleeping channel (``/health`` launches it otherwise)."""
    health = ch._get("/health", params={"wakeup": "false"})
    status = health.get("status") if isinstance(health, dict) else None
    text = status.get("text") if isinstance(status, dict) else None
    if text == "AUTH":
        return []
    return [f"Whapi channel is {text or 'in an unknown state'}, not AUTH "
            "(the phone must be linked and online)"]


def _whapi_read_back(ch: WhatsAppChannel, post: Post, since: datetime) -> Receipt | None:
    """The text among the newsletter's latest messages (``{messages: [...]}``)."""
    answer = ch._get(f"/newsletters/{quote(ch.channel_id)}/messages",
                     params={"count": _READ_BACK_LIMIT})
    items = answer.get("messages") if isinstance(answer, dict) else None
    return _find_post("Whapi", items, post, since, _whapi_text)


def _whapi_text(message: Mapping[str, Any]) -> str:
    for part in ("text", "image"):
        inner = message.get(part)
        if isinstance(inner, dict):
            return str(inner.get("body") or inner.get("caption") or "")
    return ""


def _whapi_not_sent(body: Any) -> str | None:
    """Whapi answers every send with ``sent``; its own sample (googlesheets-sender) takes
    ``sent`` as the only success flag. ``sent: false`` in a 2xx means Whapi took the request
    but did not hand the message to WhatsApp - it may sit in the channel's queue and still
    go out once the phone is back - so the outcome is unknown (read back, never resent)."""
    if isinstance(body, Mapping) and body.get("sent") is False:
        return "but sent: false; the message may still go out from Whapi's queue"
    return None


_EVOLUTION_CHANNELS = (2, 4)  # newsletter ids from 2.4.0; 2.3.x turns them into group ids


def _evolution_server_problem(ch: WhatsAppChannel) -> str | None:
    """Evolution API before 2.4.0 cannot post to a channel (its createJid makes the
    ``…@newsletter`` id a group id); ``GET /`` tells the version."""
    about = ch._get("/")
    version = about.get("version") if isinstance(about, dict) else None
    found = re.match(r"v?(\d+)\.(\d+)", str(version or ""))
    if found is None:
        return ("Evolution API did not tell its version (GET /); posting to a WhatsApp "
                "Channel needs 2.4.0 or later")
    if (int(found[1]), int(found[2])) < _EVOLUTION_CHANNELS:
        return (f"Evolution API {version} cannot post to a WhatsApp Channel; upgrade the "
                "server to 2.4.0 or later")
    return None


def _evolution_preflight(ch: WhatsAppChannel) -> list[str]:
    """The instance's connection to WhatsApp is open."""
    state = ch._get(f"/instance/connectionState/{quote(ch.session)}")
    inner = state.get("instance", state) if isinstance(state, dict) else {}
    got = inner.get("state") if isinstance(inner, dict) else None
    return [] if got == "open" else [f"instance {ch.session!r} is {got!s}, not open"]


def _evolution_describe(body: Any) -> str | None:
    """Evolution's details sit in ``response.message`` (a list), ``error`` is the status
    phrase: ``{"status": 400, "error": "Bad Request", "response": {"message": [...]}}``."""
    inner = body.get("response") if isinstance(body, Mapping) else None
    message = inner.get("message") if isinstance(inner, Mapping) else None
    if isinstance(message, list):
        parts = [str(m) if not isinstance(m, Mapping) else str(api_description(m) or m)
                 for m in message]
        return "; ".join(p for p in parts if p.strip()) or None
    if isinstance(message, str) and message.strip():
        return message.strip()
    return api_description(body)


def _evolution_refused(status: int, body: Any) -> str | None:
    """Evolution 2.4 answers 503 "service not activated" on every business endpoint until
    its licence is activated: refused before anything was sent."""
    said = _evolution_describe(body) or ""
    if status == 503 and "not activated" in said.lower():
        return "Activate the Evolution API licence (manager, or the activation endpoint)."
    return None


PROVIDERS: dict[str, Provider] = {
    p.name: p
    for p in (
        Provider(
            "waha", "WAHA",
            text_path="/api/sendText",
            text_body=lambda s, chat, text: {"session": s, "chatId": chat, "text": text},
            image_path="/api/sendImage",
            image_body=lambda s, chat, text, img: {
                "session": s, "chatId": chat, "caption": text,
                "file": {"mimetype": img.mime, "filename": img.filename, "data": img.data}},
            auth_header="X-Api-Key", auth_value="{token}",
            preflight=_waha_preflight, read_back=_waha_read_back, token_optional=True,
            describe=_waha_describe,
        ),
        Provider(
            "whapi", "Whapi",
            text_path="/messages/text",
            text_body=lambda s, chat, text: {"to": chat, "body": text},
            image_path="/messages/image",
            image_body=lambda s, chat, text, img: {
                "to": chat, "caption": text,
                "media": f"data:{img.mime};name={img.filename};base64,{img.data}"},
            auth_header="Authorization", auth_value="Bearer {token}",
            preflight=_whapi_preflight, read_back=_whapi_read_back,
            not_sent=_whapi_not_sent,
        ),
        Provider(
            "evolution", "Evolution API",
            text_path="/message/sendText/{session}",
            text_body=lambda s, chat, text: {"number": chat, "text": text},
            image_path="/message/sendMedia/{session}",
            image_body=lambda s, chat, text, img: {
                "number": chat, "mediatype": "image", "mimetype": img.mime, "media": img.data,
                "fileName": img.filename, "caption": text},
            auth_header="apikey", auth_value="{token}",
            preflight=_evolution_preflight, session_key="instance",
            server_problem=_evolution_server_problem, describe=_evolution_describe,
            refused=_evolution_refused,
        ),
    )
}
