"""Fakes of the three WhatsApp Channel gateways, as ``httpx.MockTransport`` handlers, built
from each gateway's own source (read 2026-11-29; re-read it when a fake changes). Every fake
records the requests it got in ``seen`` and answers only what the source defines.

Evolution API - EvolutionAPI/evolution-api (evolution-foundation/evolution-api):
- ``src/api/routes/index.router.ts``: ``GET /`` answers ``{status, message, version, ...}``.
- ``src/utils/createJid.ts`` on the 2.3.7 tag: a number of 18 or more digits becomes
  ``digits@g.us``, so ``…@newsletter`` is sent to a group that does not exist and
  ``sendText`` answers 400 ``{response: {message: [{jid, exists: false, number}]}}``.
- 2.4.0 (CHANGELOG, PR #2296, December 2025): newsletter ids are kept; issue #2329: until the
  licence is activated every business endpoint answers 503 "service not activated".
- errors everywhere: ``{status, error: <status phrase>, response: {message: [...]}}``.
- ``GET /instance/connectionState/{instance}`` -> ``{instance: {instanceName, state}}``.
- ``POST /message/sendMedia/{instance}`` (``src/api/dto/sendMessage.dto.ts`` MediaMessage):
  ``{number, mediatype, mimetype, caption, media (URL or base64), fileName}``.

Whapi.Cloud - Whapi-Cloud/whapi-mcp (``generated-mcp/getMessagesNewsletter.js``,
``B_manifest.json``, commit 9bb42fc) and Whapi-Cloud/googlesheets-sender (``core/channel.ts``):
- ``GET /health`` (query ``wakeup``) -> ``{status: {code, text}}``, ``text == "AUTH"`` when the
  phone is linked; without ``wakeup=false`` the call launches a sleeping channel.
- ``POST /messages/text`` -> ``{sent, message: {id, chat_id, timestamp, text: {body}}}``;
  ``POST /messages/image`` takes ``media`` as a URL or ``data:<mime>;name=<file>;base64,...``.
- ``GET /newsletters/{NewsletterID}/messages?count=`` -> ``{messages: [...], count, total}``.

WAHA - devlikeapro/waha (``src/api/chats.controller.ts``, ``src/api/channels.controller.ts``,
``src/api/sessions.controller.ts``) and devlikeapro/waha-docs (``content/docs/how-to/channels/
index.md``, ``how-to/security/index.md``), 2025.x; every request is checked against WAHA's
OpenAPI document (waha-docs ``static/swagger/openapi.json``, WAHA 2026.7.1, commit c9de953;
the part citychan calls is in tests/support/data/openapi/waha.json):
- ``X-Api-Key`` required unless security is switched off: 401 ``{message, statusCode}``.
- ``GET /api/sessions/{s}`` -> ``{name, status, engine: {engine}}`` (``engine`` is the
  detailed info of ``src/core/manager.core.ts`` getSessionInfo/fetchEngineInfo, commit
  55fc6a4; it is not in the OpenAPI schema).
- ``POST /api/sendText`` / ``sendImage`` -> 201 with the message (``id``, ``timestamp``,
  ``fromMe``, ``body``).
- one's own channel is a chat: ``GET /api/{s}/chats/{chatId}/messages?limit=&downloadMedia=``
  -> a list of ``{id, timestamp, fromMe, body}``; ``channels/{id}/messages/preview`` is for
  channels one does not follow and answers 422 on GOWS.
- engines and channel images (devlikeapro/waha issues): NOWEB answers ``sendImage`` to a
  ``…@newsletter`` with 201 and an id, but the picture never shows (WhatsApp acks it with
  error 479; #1523, 2025.10.3); WEBJS answers 500 ``{statusCode, exception: {message}}``
  (#1775 "upload failed: media entry was not created", 2025.12.2; #2149 "msg.avParams is not
  a function", 2026.6.2; #2277, 2026.7.1) or 201 with an empty body (#1863).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.openapi import WAHA, validate


def _version(text: str) -> tuple[int, int]:
    major, minor = text.split(".")[:2]
    return int(major), int(minor)


@dataclass
class EvolutionFake:
    """Evolution API 2.3.x or 2.4.x, with or without an activated licence."""

    version: str = "2.4.0"
    activated: bool = True
    state: str = "open"
    seen: list[httpx.Request] = field(default_factory=list)
    images: list[bytes] = field(default_factory=list)  # the pictures sendMedia got, decoded

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        path = request.url.path
        if path == "/":
            return httpx.Response(200, json={
                "status": 200, "message": "Welcome to the Evolution API, it is working!",
                "version": self.version, "documentation": "https://doc.evolution-api.com"})
        if _version(self.version) >= (2, 4) and not self.activated:
            return self.error(503, "Service Unavailable", ["service not activated"])
        if path.startswith("/instance/connectionState/"):
            name = path.rsplit("/", 1)[1]
            return httpx.Response(200, json={"instance": {"instanceName": name,
                                                          "state": self.state}})
        if path.startswith("/message/sendMedia/"):  # v2 body {number, mediatype, media, ...}
            body = json.loads(request.content)
            self.images.append(base64.b64decode(body["media"]))
            return httpx.Response(201, json={
                "key": {"remoteJid": body["number"], "fromMe": True, "id": "3EB0C0FFEE5678"},
                "message": {"imageMessage": {"caption": body.get("caption", ""),
                                             "mimetype": body["mimetype"]}},
                "messageTimestamp": 1764450000, "status": "PENDING"})
        if path.startswith("/message/sendText/"):
            number = json.loads(request.content)["number"]
            if _version(self.version) < (2, 4):  # createJid: 18+ digits -> a group id
                jid = number.split("@")[0] + "@g.us"
                return self.error(400, "Bad Request",
                                  [{"jid": jid, "exists": False, "number": number}])
            return httpx.Response(201, json={
                "key": {"remoteJid": number, "fromMe": True, "id": "3EB0C0FFEE1234"},
                "message": {"conversation": json.loads(request.content)["text"]},
                "messageTimestamp": 1764450000, "status": "PENDING"})
        return self.error(404, "Not Found", ["Cannot " + request.method + " " + path])

    @staticmethod
    def error(status: int, phrase: str, message: list[Any]) -> httpx.Response:
        return httpx.Response(status, json={"status": status, "error": phrase,
                                            "response": {"message": message}})

    @property
    def writes(self) -> list[httpx.Request]:
        return [r for r in self.seen if r.method != "GET"]


@dataclass
class WhapiFake:
    """Whapi.Cloud's gate: health, text messages and a newsletter's messages."""

    health: str = "AUTH"
    sent: bool = True
    messages: list[dict[str, Any]] = field(default_factory=list)
    seen: list[httpx.Request] = field(default_factory=list)
    images: list[bytes] = field(default_factory=list)  # the pictures /messages/image got

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        path = request.url.path
        if path == "/messages/image":  # media: a URL or data:<mime>;name=<n>;base64,<data>
            body = json.loads(request.content)
            self.images.append(base64.b64decode(body["media"].split(";base64,", 1)[1]))
            return httpx.Response(200, json={"sent": self.sent, "message": {
                "id": "PsqXn5SAD5v7HRA-wHqB9h", "chat_id": body["to"], "type": "image",
                "from_me": True, "timestamp": 1764450000,
                "image": {"caption": body.get("caption", "")}}})
        if path == "/health":
            codes = {"INIT": 1, "LAUNCH": 2, "QR": 3, "AUTH": 4, "ERROR": 5}
            return httpx.Response(200, json={"status": {"code": codes.get(self.health, 0),
                                                        "text": self.health}})
        if path == "/messages/text":
            body = json.loads(request.content)
            return httpx.Response(200, json={"sent": self.sent, "message": {
                "id": "PsqXn5SAD5v7HRA-wHqB9g", "chat_id": body["to"], "type": "text",
                "from_me": True, "timestamp": 1764450000, "text": {"body": body["body"]}}})
        if path.startswith("/newsletters/") and path.endswith("/messages"):
            count = int(request.url.params.get("count", 100))
            shown = self.messages[:count]
            return httpx.Response(200, json={"messages": shown, "count": len(shown),
                                             "total": len(self.messages)})
        return httpx.Response(404, json={"error": {"code": 404, "message": "Not found"}})


@dataclass
class WahaFake:
    """WAHA with an API key (None: security off), one session and its own channel; the
    channel's messages newest first, as a person would see them."""

    api_key: str | None = None
    status: str = "WORKING"
    engine: str = "WEBJS"
    owner: tuple[str, ...] = ()
    messages: list[dict[str, Any]] = field(default_factory=list)
    seen: list[httpx.Request] = field(default_factory=list)
    images: list[bytes] = field(default_factory=list)  # the pictures sendImage got, decoded
    empty_201: bool = False  # WEBJS #1863: 201 with an empty body, nothing posted

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        validate(WAHA, request)
        if self.api_key is not None and request.headers.get("x-api-key") != self.api_key:
            return httpx.Response(401, json={"message": "Unauthorized", "statusCode": 401})
        if request.url.path in ("/api/sendText", "/api/sendImage"):
            return self.send(request.url.path, json.loads(request.content))
        parts = request.url.path.strip("/").split("/")
        if parts[:2] == ["api", "sessions"]:
            return httpx.Response(200, json={"name": parts[2], "status": self.status,
                                             "engine": {"engine": self.engine}})
        if parts[2:3] == ["channels"] and len(parts) == 3:
            return httpx.Response(200, json=[{"id": i, "name": "Bautzen", "role": "OWNER"}
                                             for i in self.owner
                                             if request.url.params.get("role") == "OWNER"])
        if parts[2:3] == ["chats"] and parts[4:] == ["messages"]:
            limit = int(request.url.params.get("limit", 10))
            return httpx.Response(200, json=self.messages[:limit])
        if parts[-2:] == ["messages", "preview"] and self.engine == "GOWS":
            return httpx.Response(422, json={"message": "not supported by GOWS"})
        return httpx.Response(404, json={"message": "Not Found", "statusCode": 404})

    def send(self, path: str, body: dict[str, Any]) -> httpx.Response:
        """A post to the channel, as the session's engine answers it (see the issues above)."""
        image = path == "/api/sendImage"
        if self.empty_201:
            return httpx.Response(201)
        text = body["caption"] if image else body["text"]
        if image:
            self.images.append(base64.b64decode(body["file"]["data"]))
            if self.engine == "WEBJS":  # #2149
                return httpx.Response(500, json={"statusCode": 500, "exception": {
                    "message": "msg.avParams is not a function", "name": "TypeError"}})
        stamp = 1764450000 + len(self.seen)
        message = {"id": f"true_{body['chatId']}_3EB0{len(self.seen):04d}", "timestamp": stamp,
                   "fromMe": True, "body": "" if image else text, "hasMedia": image}
        if image:
            message["caption"] = text
        if not (image and self.engine == "NOWEB"):  # #1523: 201, but it never shows
            self.messages.insert(0, message)
        return httpx.Response(201, json=message)

