"""The ``matrix`` channel: an ``m.notice`` in a Matrix room, via the client-server API.

``PUT {hs}/_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId}`` with the delivery's
idempotency key as txnId: the homeserver answers a repeated PUT with the same txnId (same
access token) with the same event id instead of posting twice, so every failure where the
request may have arrived is still safe to retry.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from citychan.channels.base import (
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
from citychan.channels.http import make_client, retry_after_of

if TYPE_CHECKING:
    import httpx

API = "/_matrix/client/v3"
MAX_EVENT_BYTES = 65536
# What a failed request means for the user, by HTTP status; the server's errcode follows.
_KNOWN_FAILURES = {
    401: "the access token was rejected; check the token in ${env}",
    403: "not allowed to post in {room}; invite the account, join the room and give it "
    "the power level to send messages",
    404: "room {room} or the API path was not found; check base_url and room_id",
}


def _q(part: str) -> str:
    """One path segment, fully quoted: room ids contain '!' and ':'."""
    return quote(part, safe="")


def matrix_to(room_id: str, event_id: str) -> str:
    """The public permalink of an event."""
    return f"https://matrix.to/#/{quote(room_id, safe='!:')}/{quote(event_id, safe='$:')}"


_READ_BACK_PAGES = 10

class MatrixChannel:
    """Posts a message as ``m.notice`` (a bot notice clients never answer automatically)."""

    type_name: ClassVar[str] = "matrix"
    capabilities: ClassVar[Capabilities] = Capabilities(
        dialect=Dialect.MATRIX, max_length=MAX_EVENT_BYTES, length_unit=LengthUnit.BYTES
    )
    options: ClassVar[dict[str, Option]] = {
        "base_url": Option(str, required=True),
        "room_id": Option(str, required=True),
        "token_env": Option(str, default="CITYCHAN_MATRIX_TOKEN"),
    }

    def __init__(self, name: str, base_url: str, room_id: str, token: str, token_env: str,
                 http: httpx.Client | None = None, timeout: float = 10.0) -> None:
        self.name = name
        self.base_url = base_url
        self.room_id = room_id
        self.token_env = token_env
        self._token = token  # never in repr, messages or logs
        self._http = http
        self._timeout = timeout
        self._user_id: str | None = None

    @classmethod
    def from_config(
        cls, name: str, options: Mapping[str, Any], ctx: ChannelContext
    ) -> MatrixChannel:
        """Build the channel from its validated ``[channels.NAME]`` options."""
        base_url = require_https(name, "base_url", str(options.get("base_url") or ""))
        room_id = str(options.get("room_id") or "").strip()
        if not room_id.startswith("!"):
            raise ChannelConfigError(
                f"[channels.{name}] room_id must be a room id starting with '!', not {room_id!r} "
                "(Element: Room settings > Advanced > Internal room ID)"
            )
        token_env = options.get("token_env") or "CITYCHAN_MATRIX_TOKEN"
        token = ctx.secret(name, token_env, key="token_env")
        return cls(name, base_url, room_id, token, token_env, http=ctx.http, timeout=ctx.timeout)

    def __repr__(self) -> str:
        return (f"MatrixChannel(name={self.name!r}, base_url={self.base_url!r}, "
                f"room_id={self.room_id!r})")

    # --- HTTP -----------------------------------------------------------------------------

    @property
    def http(self) -> httpx.Client:
        if self._http is None:
            self._http = make_client(self._timeout)
        return self._http

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request; transport failures become ChannelError (retry safety decided here)."""
        import httpx

        headers = {"Authorization": f"Bearer {self._token}"}
        try:
            return self.http.request(method, self.base_url + API + path, headers=headers, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            # The request never reached the server: nothing can have been posted.
            raise ChannelError(
                f"cannot connect to {self.base_url}: {exc}", retryable=True
            ) from None
        except httpx.TransportError as exc:
            # Timeout or dropped connection after sending: it may have been posted.
            raise ChannelError(
                f"no answer from {self.base_url} ({type(exc).__name__}); the post may have arrived",
                retryable=True, outcome_known=False,
            ) from None

    def _raise_for(self, response: httpx.Response, *, idempotent: bool = True) -> None:
        """Map an unsuccessful response to a ChannelError a person can act on."""
        status = response.status_code
        errcode, error, body = _matrix_error(response)
        detail = f"{errcode}: {error}" if errcode else (error or response.reason_phrase)
        if status == 429:
            raise ChannelError(f"rate limited by {self.base_url} ({detail})", retryable=True,
                               retry_after=_retry_after(response, body), status=status)
        if status >= 500:
            raise ChannelError(
                f"server error {status} from {self.base_url} ({detail}); the post may have arrived",
                retryable=idempotent, outcome_known=False, status=status,
            )
        hint = _KNOWN_FAILURES.get(status, "").format(env=self.token_env, room=self.room_id)
        text = f"HTTP {status} ({detail})" + (f": {hint}" if hint else "")
        raise ChannelError(text, status=status)

    # --- the channel ----------------------------------------------------------------------

    def send(self, post: Post) -> Receipt:
        """One PUT of the notice; the same ``post.idempotency_key`` on a retry is safe."""
        txn_id = post.idempotency_key or f"citychan-{uuid.uuid4().hex}"
        path = f"/rooms/{_q(self.room_id)}/send/m.room.message/{_q(txn_id)}"
        try:
            response = self._request("PUT", path, json=notice_content(post))
        except ChannelError as exc:
            if exc.outcome_known or post.idempotency_key:
                raise
            # a fresh txnId on the next attempt would be a second post
            raise ChannelError(exc.message, outcome_known=False) from None
        if response.status_code != 200:
            # Without a persisted txnId a resend is a second post; only the caller's key is safe.
            self._raise_for(response, idempotent=bool(post.idempotency_key))
        event_id = _json(response).get("event_id")
        if not isinstance(event_id, str) or not event_id:
            raise ChannelError(
                f"{self.base_url} answered 200 without an event_id; the post may have arrived",
                retryable=bool(post.idempotency_key), outcome_known=False, status=200,
            )
        return Receipt(remote_id=event_id, url=matrix_to(self.room_id, event_id))

    def preflight(self) -> list[str]:
        """Problems that would stop a post (empty: ready): token valid, account in the room."""
        try:
            user_id = self.whoami()
            response = self._request("GET", "/joined_rooms")
            if response.status_code != 200:
                self._raise_for(response)
        except ChannelError as exc:
            return [exc.message]
        rooms = _json(response).get("joined_rooms") or []
        if self.room_id not in rooms:
            return [f"{user_id} is not a member of {self.room_id}; invite the account and "
                    "accept the invite (join) first"]
        try:
            return self._power_problems(user_id)
        except ChannelError as exc:
            return [exc.message]

    def _power_problems(self, user_id: str) -> list[str]:
        """An announcement room lets only moderators post: is our power level high enough?"""
        response = self._request("GET", f"/rooms/{_q(self.room_id)}/state/m.room.power_levels/")
        if response.status_code == 404:
            return []  # no power levels event: everybody may post
        if response.status_code != 200:
            self._raise_for(response)
        levels = _json(response)
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
        event = _json(response)
        content = event.get("content") or {}
        return event.get("sender") == user_id or user_id in (
            content.get("additional_creators") or [])

    def whoami(self) -> str:
        """The user id the token belongs to (cached)."""
        if self._user_id is None:
            response = self._request("GET", "/account/whoami")
            if response.status_code != 200:
                self._raise_for(response)
            self._user_id = str(_json(response).get("user_id") or "")
        return self._user_id

    def read_back(self, post: Post, since: datetime | None = None) -> Receipt | None:
        """Find an earlier send of ``post`` among the room's events since ``since``, else None.

        Pages back through ``/messages`` until an event older than ``since`` or the start of
        the room: only then is the post provably missing. More than ``_READ_BACK_PAGES`` pages
        raises "cannot tell" - a busy room must not turn into a second post.
        The homeserver tells the sending device its txnId (``unsigned.transaction_id``); an
        event from our account with the same body counts too, because another device or
        token does not see the txnId.
        """
        min_ts = since.timestamp() * 1000 if since else 0
        me = self.whoami()
        params: dict[str, Any] = {"dir": "b", "limit": 100}
        for _ in range(_READ_BACK_PAGES):
            response = self._request("GET", f"/rooms/{_q(self.room_id)}/messages", params=params)
            if response.status_code != 200:
                self._raise_for(response)
            page = _json(response)
            events = [e for e in page.get("chunk") or [] if isinstance(e, dict)]
            for event in events:
                if event.get("type") != "m.room.message":
                    continue
                unsigned = event.get("unsigned") or {}
                content = event.get("content") or {}
                if (post.idempotency_key
                        and unsigned.get("transaction_id") == post.idempotency_key):
                    return self._receipt(event)
                if (event.get("sender") == me and content.get("body") == post.rendered.text
                        and event.get("origin_server_ts", 0) >= min_ts):
                    return self._receipt(event)
            older = [e.get("origin_server_ts", 0) for e in events]
            if not events or not page.get("end") or (older and min(older) < min_ts):
                return None  # reached the start of the room, or went back past ``since``
            params["from"] = page["end"]
        raise ChannelError(
            f"Matrix: more than {100 * _READ_BACK_PAGES} events in the room since the post; "
            "cannot tell whether it is there"
        )

    def _receipt(self, event: Mapping[str, Any]) -> Receipt:
        event_id = str(event.get("event_id"))
        return Receipt(remote_id=event_id, url=matrix_to(self.room_id, event_id))

    def close(self) -> None:
        """Close the HTTP client if this channel created it."""
        if self._http is not None:
            self._http.close()


def notice_content(post: Post) -> dict[str, str]:
    """The event content: plain ``body`` always, HTML ``formatted_body`` when rendered."""
    content = {"msgtype": "m.notice", "body": post.rendered.text}
    if post.rendered.html:
        content["format"] = "org.matrix.custom.html"
        content["formatted_body"] = post.rendered.html
    return content


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _matrix_error(response: httpx.Response) -> tuple[str, str, dict[str, Any]]:
    body = _json(response)
    # The server's own words, shortened: they never contain our token.
    return str(body.get("errcode") or ""), str(body.get("error") or "")[:200], body


def _retry_after(response: httpx.Response, body: Mapping[str, Any]) -> float | None:
    """Seconds to wait: the Retry-After header, else ``retry_after_ms`` in the body."""
    return retry_after_of(response, body)
