"""A loopback server (127.0.0.1, port 0) that keeps the posts it got and lets them be edited
and deleted, as the Telegram Bot API and Mastodon document it. Read 2026-11-29; read the
sources again when the fake changes.

Telegram Bot API - https://core.telegram.org/bots/api (Bot API 9.x):
- ``sendMessage`` / ``sendPhoto`` -> ``{ok: true, result: Message}`` with ``message_id``.
- ``editMessageText`` (``chat_id``, ``message_id``, ``text``, ``parse_mode``) and
  ``editMessageCaption`` (``caption``) -> the edited Message; the same content again answers
  400 ``{ok: false, error_code: 400, description: "Bad Request: message is not modified:
  specified new message content and reply markup are exactly the same as a current content
  and reply markup of the message"}``; an unknown id 400 "Bad Request: message to edit not
  found".
- ``deleteMessage`` -> ``{ok: true, result: true}``; a message already gone 400 "Bad Request:
  message to delete not found". "A message can only be deleted if it was sent less than 48
  hours ago" (deleteMessage): the fake judges it from the message's ``date`` (the time it
  sent it, by citychan.clock, so a test moves it on with the clock fixture) and answers
  400 "Bad Request: message can't be deleted" - tdlib/telegram-bot-api
  telegram-bot-api/Client.cpp (commit 01a3679, 2026-05-07) turns TDLib's
  MESSAGE_DELETE_FORBIDDEN into exactly that description. Editing has no such limit for
  the bot's own channel posts (editMessageText: only "business messages that were not sent
  by the bot" are held to 48 hours).
- ``sendPhoto`` (multipart: ``photo``, ``caption``) keeps a photo message; TDLib refuses
  ``editMessageText`` of it with 400 "Bad Request: there is no text in the message to edit"
  (and ``editMessageCaption`` of a text message with "... no caption in the message to
  edit").
- 429 ``{ok: false, error_code: 429, description: "Too Many Requests: retry after N",
  parameters: {retry_after: N}}``.

Mastodon - mastodon/documentation ``content/en/methods/statuses.md`` (Edit a status: PUT,
3.5.0, ``language`` 4.0.0; Delete a status: DELETE returns the Status; both 404
``{"error": "Record not found"}`` for a status that does not exist) and ``api/rate-limits.md``
(429 with ``X-RateLimit-Reset``, an ISO 8601 time); ``methods/instance.md`` for
``GET /api/v2/instance``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from citychan import clock

DELETE_WITHIN = timedelta(hours=48)
NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup of "
                "the message")


@dataclass
class Service:
    """What the fake holds: Telegram messages and Mastodon statuses by id, every request
    (method, path, body), and how many next requests answer 429."""

    telegram: dict[int, str] = field(default_factory=dict)
    dates: dict[int, datetime] = field(default_factory=dict)  # when each message was sent
    photos: set[int] = field(default_factory=set)  # the messages sent with sendPhoto
    statuses: dict[str, str] = field(default_factory=dict)
    seen: list[tuple[str, str, Any]] = field(default_factory=list)
    rate_limited: int = 0
    limit_on: str = ""  # only requests whose path ends with this are rate limited
    _next: int = 100

    def new_id(self) -> int:
        self._next += 1
        return self._next

    def calls(self, name: str) -> list[Any]:
        return [body for _, path, body in self.seen if path.endswith(name)]


class _Handler(BaseHTTPRequestHandler):
    service: Service

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Any:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        kind = self.headers.get("Content-Type") or ""
        if kind.startswith("multipart/form-data"):
            parsed = BytesParser(policy=HTTP).parsebytes(
                f"Content-Type: {kind}\r\n\r\n".encode() + raw)
            return {part.get_param("name", header="content-disposition"):
                    part.get_payload(decode=True) for part in parsed.iter_parts()}
        try:
            return json.loads(raw) if raw else {}
        except ValueError:
            return {}

    def _handle(self) -> None:
        s = self.service
        body = self._body()
        s.seen.append((self.command, self.path, body))
        if s.rate_limited > 0 and self.path.split("?")[0].endswith(s.limit_on):
            s.rate_limited -= 1
            if "/bot" in self.path:
                self._answer(429, {"ok": False, "error_code": 429, "parameters": {
                    "retry_after": 1}, "description": "Too Many Requests: retry after 1"})
            else:
                self._answer(429, {"error": "Too many requests"},
                             {"X-RateLimit-Reset": "2000-01-01T00:00:00.000Z"})
            return
        if "/bot" in self.path:
            self._telegram(self.path.rsplit("/", 1)[1], body)
        else:
            self._mastodon(body)

    do_GET = do_POST = do_PUT = do_DELETE = _handle

    def _telegram(self, method: str, body: dict[str, Any]) -> None:
        s = self.service

        def bad(description: str) -> None:
            self._answer(400, {"ok": False, "error_code": 400, "description": description})

        if method in ("sendMessage", "sendPhoto"):
            mid = s.new_id()
            if method == "sendPhoto":
                s.photos.add(mid)
                body = {k: v.decode() for k, v in body.items() if k != "photo"}
            s.telegram[mid] = text = body.get("text", body.get("caption"))
            s.dates[mid] = clock.utcnow()
            self._answer(200, {"ok": True, "result": {
                "message_id": mid, "date": int(s.dates[mid].timestamp()), "text": text}})
        elif method in ("editMessageText", "editMessageCaption"):
            mid, text = body.get("message_id"), body.get("text", body.get("caption"))
            if mid not in s.telegram:
                bad("Bad Request: message to edit not found")
            elif method == "editMessageText" and mid in s.photos:
                bad("Bad Request: there is no text in the message to edit")
            elif method == "editMessageCaption" and mid not in s.photos:
                bad("Bad Request: there is no caption in the message to edit")
            elif s.telegram[mid] == text:
                bad(NOT_MODIFIED)
            else:
                s.telegram[mid] = text
                self._answer(200, {"ok": True, "result": {"message_id": mid, "text": text}})
        elif method == "deleteMessage":
            mid = body.get("message_id")
            sent = s.dates.get(mid)
            if mid not in s.telegram:
                bad("Bad Request: message to delete not found")
            elif sent is not None and clock.utcnow() - sent >= DELETE_WITHIN:
                bad("Bad Request: message can't be deleted")
            else:
                del s.telegram[mid]
                self._answer(200, {"ok": True, "result": True})
        else:
            self._answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})

    def _mastodon(self, body: dict[str, Any]) -> None:
        s, path = self.service, self.path.split("?")[0]
        if path == "/api/v2/instance":
            self._answer(200, {"configuration": {"statuses": {
                "max_characters": 500, "characters_reserved_per_url": 23}}})
            return
        if path == "/api/v1/statuses" and self.command == "POST":
            sid = str(s.new_id())
            s.statuses[sid] = body["status"]
            self._answer(200, self._status(sid))
            return
        sid = path.removeprefix("/api/v1/statuses/")
        if not path.startswith("/api/v1/statuses/") or sid not in s.statuses:
            self._answer(404, {"error": "Record not found"})
            return
        if self.command == "PUT":
            s.statuses[sid] = body["status"]
            self._answer(200, self._status(sid))
        elif self.command == "DELETE":
            answer = self._status(sid)
            del s.statuses[sid]
            self._answer(200, answer)
        else:
            self._answer(200, self._status(sid))

    def _status(self, sid: str) -> dict[str, Any]:
        host = self.headers.get("Host")
        return {"id": sid, "content": f"<p>{self.service.statuses[sid]}</p>",
                "url": f"http://{host}/@stadt/{sid}", "created_at": "2026-11-29T10:00:00.000Z"}


@contextmanager
def running(service: Service | None = None) -> Iterator[tuple[str, Service]]:
    """A fake on 127.0.0.1 serving Telegram (``/bot<token>/…``) and Mastodon; yields its URL."""
    service = service or Service()
    handler = type("Handler", (_Handler,), {"service": service})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", service
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
