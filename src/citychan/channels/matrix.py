"""The ``matrix`` channel: an ``m.notice`` in a Matrix room, via the client-server API.

``PUT {hs}/_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId}`` with the delivery's
idempotency key as txnId: the homeserver answers a repeated PUT with the same txnId (same
access token) with the same event id instead of posting twice, so every failure where the
request may have arrived is still safe to retry.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from citychan.channels.base import (
    CannotTell,
    Capabilities,
    ChannelConfigError,
    ChannelContext,
    ChannelError,
    Dialect,
    LengthUnit,
    Option,
    Post,
    Receipt,
    require_https,
)
from citychan.channels.http import ApiPolicy, HttpChannel, check, json_of, request
from citychan.i18n import N_
from citychan.render.types import matrix_content

if TYPE_CHECKING:
    import httpx

API = "/_matrix/client/v3"
MAX_EVENT_BYTES = 65536
_READ_BACK_PAGES = 10


def _q(part: str) -> str:
    """One path segment, fully quoted: room ids contain '!' and ':'."""
    return quote(part, safe="")


def matrix_to(room_id: str, event_id: str) -> str:
    """The public permalink of an event."""
    return f"https://matrix.to/#/{quote(room_id, safe='!:')}/{quote(event_id, safe='$:')}"


class MatrixChannel(HttpChannel):
    """Posts a message as ``m.notice`` (a bot notice clients never answer automatically)."""

    type_name: ClassVar[str] = "matrix"
    capabilities: ClassVar[Capabilities] = Capabilities(
        dialect=Dialect.MATRIX, max_length=MAX_EVENT_BYTES, length_unit=LengthUnit.BYTES,
        can_edit=True, can_delete=True,
    )
    options: ClassVar[dict[str, Option]] = {
        "base_url": Option(str, required=True),
        "room_id": Option(str, required=True),
        "token_env": Option(str, default="CITYCHAN_MATRIX_TOKEN"),
    }
    _public = ("base_url", "room_id")

    def __init__(self, name: str, base_url: str, room_id: str, token: str, token_env: str,
                 ctx: ChannelContext) -> None:
        self.name = name
        self.base_url = base_url
        self.room_id = room_id
        self.token_env = token_env
        self._token = token  # never in repr, messages or logs
        self._ctx = ctx
        self._user_id: str | None = None
        # what a refusal means for the user; the server's errcode and words come first
        hints = {
            401: f"the access token was rejected; check the token in ${token_env}",
            403: f"not allowed to post in {room_id}; invite the account, join the room and "
            "give it the power level to send messages",
            404: f"room {room_id} or the API path was not found; check base_url and room_id",
        }
        # txnId: the homeserver answers a repeated PUT with the first event, so a resend
        # after a timeout or 5xx is safe ...
        self.policy = ApiPolicy("Matrix", idempotent=True, secrets=(token,), hints=hints,
                                describe=matrix_error)
        # ... but only with the caller's persisted key: a fresh txnId would be a second post
        self._unkeyed = replace(self.policy, idempotent=False)

    @classmethod
    def from_config(
        cls, name: str, options: Mapping[str, Any], ctx: ChannelContext
    ) -> MatrixChannel:
        """Build the channel from its validated ``[channels.NAME]`` options."""
        base_url = require_https(name, "base_url", str(options.get("base_url") or ""))
        room_id = str(options.get("room_id") or "").strip()
        if not room_id.startswith("!"):
            raise ChannelConfigError(
                N_("[channels.{name}] room_id must be a room id starting with '!', not "
                   "{room_id!r} (Element: Room settings > Advanced > Internal room ID)").format(
                    name=name, room_id=room_id)
            )
        token_env = options.get("token_env") or "CITYCHAN_MATRIX_TOKEN"
        token = ctx.secret(name, token_env, key="token_env")
        return cls(name, base_url, room_id, token, token_env, ctx)

    # --- HTTP: the one mapping of channels/http.py ----------------------------------------

    def _request(self, method: str, path: str, policy: ApiPolicy | None = None,
                 **kwargs: Any) -> httpx.Response:
        """One request to the client-server API; status not checked."""
        headers = {"Authorization": f"Bearer {self._token}"}
        return request(self._ctx, policy or self.policy, method, self.base_url + API + path,
                       headers=headers, **kwargs)

    def _get(self, path: str, **kwargs: Any) -> Any:
        """The JSON of a 2xx answer to a GET; anything else raises the mapped ChannelError."""
        return json_of(check(self._request("GET", path, **kwargs), self.policy))

    # --- the channel ----------------------------------------------------------------------

    def send(self, post: Post) -> Receipt:
        """One PUT of the notice; the same ``post.idempotency_key`` on a retry is safe."""
        txn_id = post.idempotency_key or f"citychan-{uuid.uuid4().hex}"
        path = f"/rooms/{_q(self.room_id)}/send/m.room.message/{_q(txn_id)}"
        policy = self.policy if post.idempotency_key else self._unkeyed
        response = check(self._request("PUT", path, policy, json=notice_content(post)), policy)
        event_id = _dict(json_of(response)).get("event_id")
        if not isinstance(event_id, str) or not event_id:
            raise ChannelError(
                N_("Matrix: {base_url} answered {status_code} without an event_id; the "
                   "post may have arrived").format(
                    base_url=self.base_url, status_code=response.status_code),
                retryable=policy.idempotent, outcome_known=False, status=response.status_code,
            )
        return Receipt(remote_id=event_id, url=matrix_to(self.room_id, event_id))

    def edit(self, post: Post) -> Receipt:
        """An edit event (matrix-org/matrix-spec, content/client-server-api/_index.md, "Event
        replacements"): ``m.new_content`` holds the new text, ``m.relates_to`` names the
        original with ``rel_type: m.replace``; the top-level body is the fallback for clients
        that do not show edits ("* " and the text). Clients show the original's place with
        the new text. Sent with the delivery's txnId: a repeated PUT is the same event."""
        original = _event_id(post)
        new = notice_content(post)
        content: dict[str, Any] = {f: ("* " + v if f in ("body", "formatted_body") else v)
                                   for f, v in new.items()}
        content["m.new_content"] = new
        content["m.relates_to"] = {"rel_type": "m.replace", "event_id": original}
        self._put(post, f"/send/m.room.message/{_q(self._txn(post))}", content)
        return Receipt(remote_id=original, url=matrix_to(self.room_id, original))

    def delete(self, post: Post) -> Receipt:
        """A redaction: ``PUT /rooms/{roomId}/redact/{eventId}/{txnId}`` with the reason
        (matrix-spec data/api/client-server/redaction.yaml, since v1.1 with a txnId: a repeat
        is the same redaction)."""
        original = _event_id(post)
        body = {"reason": post.note} if post.note else {}
        self._put(post, f"/redact/{_q(original)}/{_q(self._txn(post))}", body)
        return Receipt(remote_id=original, url=matrix_to(self.room_id, original))

    @staticmethod
    def _txn(post: Post) -> str:
        return post.idempotency_key or f"citychan-{uuid.uuid4().hex}"

    def _put(self, post: Post, path: str, body: dict[str, Any]) -> Receipt:
        """One PUT in the room; the answer must carry an ``event_id``."""
        policy = self.policy if post.idempotency_key else self._unkeyed
        response = check(self._request("PUT", f"/rooms/{_q(self.room_id)}{path}", policy,
                                       json=body), policy)
        event_id = _dict(json_of(response)).get("event_id")
        if not isinstance(event_id, str) or not event_id:
            raise ChannelError(
                N_("Matrix: {base_url} answered {status_code} without an event_id").format(
                    base_url=self.base_url, status_code=response.status_code),
                retryable=policy.idempotent, outcome_known=False, status=response.status_code)
        return Receipt(remote_id=event_id)

    def preflight(self) -> list[str]:
        """Problems that would stop a post (empty: ready): token valid, account in the room."""
        try:
            user_id = self.whoami()
            rooms = _dict(self._get("/joined_rooms")).get("joined_rooms") or []
            if self.room_id not in rooms:
                return [f"{user_id} is not a member of {self.room_id}; invite the account and "
                        "accept the invite (join) first"]
            return self._power_problems(user_id)
        except ChannelError as exc:
            return [exc.message]

    def _power_problems(self, user_id: str) -> list[str]:
        """An announcement room lets only moderators post: is our power level high enough?"""
        response = self._request("GET", f"/rooms/{_q(self.room_id)}/state/m.room.power_levels/")
        if response.status_code == 404:
            return []  # no power levels event: everybody may post
        levels = _dict(json_of(check(response, self.policy)))
        users = levels.get("users") or {}
        have = _int(users.get(user_id), _int(levels.get("users_default"), 0))
        events = levels.get("events") or {}
        need = _int(events.get("m.room.message"), _int(levels.get("events_default"), 0))
        if have < need and user_id not in users and self._is_creator(user_id):
            return []  # room version 12+: creators outrank every power level
        if have < need:
            return [f"{user_id} has power level {have} in {self.room_id} but sending messages "
                    f"needs {need}; raise its power level (e.g. make it a moderator)"]
        return []

    def _is_creator(self, user_id: str) -> bool:
        response = self._request("GET", f"/rooms/{_q(self.room_id)}/state/m.room.create/",
                                 params={"format": "event"})
        if response.status_code != 200:
            return False
        event = _dict(json_of(response))
        content = event.get("content") or {}
        return event.get("sender") == user_id or user_id in (
            content.get("additional_creators") or [])

    def whoami(self) -> str:
        """The user id the token belongs to (cached)."""
        if self._user_id is None:
            user_id = _dict(self._get("/account/whoami")).get("user_id")
            if not isinstance(user_id, str) or not user_id:
                # without it, our own events cannot be recognised by their body
                raise CannotTell(N_("Matrix: whoami answered without a user_id"))
            self._user_id = user_id
        return self._user_id

    def read_back(self, post: Post, since: datetime | None = None) -> Receipt | None:
        """Find an earlier send of ``post`` among the room's events since ``since``, else None.

        Pages back through ``/messages`` until an event older than ``since`` or the start of
        the room: only then is the post provably missing. More than ``_READ_BACK_PAGES`` pages,
        or an answer that is not the documented page of events, raises :class:`CannotTell` -
        neither a busy room nor a broken answer must turn into a second post.
        The homeserver tells the sending device its txnId (``unsigned.transaction_id``); an
        event from our account with the same body counts too, because another device or
        token does not see the txnId.
        """
        min_ts = since.timestamp() * 1000 if since else 0
        me = self.whoami()
        params: dict[str, Any] = {"dir": "b", "limit": 100}
        for _ in range(_READ_BACK_PAGES):
            page = self._get(f"/rooms/{_q(self.room_id)}/messages", params=params)
            events = _events(page)
            for event in events:
                if event.get("type") != "m.room.message":
                    continue
                unsigned = event.get("unsigned") or {}
                content = event.get("content") or {}
                if (post.idempotency_key
                        and unsigned.get("transaction_id") == post.idempotency_key):
                    return self._receipt(event)
                if (event.get("sender") == me and content.get("body") == post.rendered.text
                        and event["origin_server_ts"] >= min_ts):
                    return self._receipt(event)
            older = [e["origin_server_ts"] for e in events]
            if not events or not page.get("end") or min(older) < min_ts:
                return None  # reached the start of the room, or went back past ``since``
            params["from"] = page["end"]
        raise CannotTell(
            N_("Matrix: more than {value} events in the room since the post; cannot tell "
               "whether it is there").format(value=100 * _READ_BACK_PAGES)
        )

    def _receipt(self, event: Mapping[str, Any]) -> Receipt:
        event_id = str(event.get("event_id"))
        return Receipt(remote_id=event_id, url=matrix_to(self.room_id, event_id))


def _events(page: Any) -> list[dict[str, Any]]:
    """The events of one ``/messages`` page; CannotTell unless it is the documented shape
    (``chunk``: a list of events, each with a numeric ``origin_server_ts``)."""
    chunk = page.get("chunk") if isinstance(page, dict) else None
    if not isinstance(chunk, list) or not all(
            isinstance(e, dict) and _is_number(e.get("origin_server_ts")) for e in chunk):
        raise CannotTell(N_("Matrix: /messages answered without its list of events; cannot tell "
                            "whether the post is there"))
    return chunk


def matrix_error(body: Any) -> str | None:
    """``errcode: error`` of a Matrix error body: the errcode says what went wrong
    (M_FORBIDDEN, M_UNKNOWN_TOKEN, M_LIMIT_EXCEEDED), the error text is the server's own."""
    if not isinstance(body, dict):
        return None
    errcode, error = body.get("errcode"), body.get("error")
    error = error.strip() if isinstance(error, str) else ""
    if isinstance(errcode, str) and errcode:
        return f"{errcode}: {error}" if error else errcode
    return error or None


def notice_content(post: Post) -> dict[str, str]:
    """The event content: plain ``body`` always, HTML ``formatted_body`` when rendered (the
    same content the size rule measures)."""
    return matrix_content(post.rendered)


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _dict(body: Any) -> dict[str, Any]:
    return body if isinstance(body, dict) else {}


def _event_id(post: Post) -> str:
    """The event id of the post to change: ``$…``."""
    if not (post.replaces or "").startswith("$"):
        raise ChannelError(N_("Matrix: {replaces!r} is not an event id; nothing changed").format(
                               replaces=post.replaces))
    return post.replaces or ""
