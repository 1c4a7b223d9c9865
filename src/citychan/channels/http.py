"""Shared plumbing of the HTTP channels: one request, mapped to a Receipt-ready response or a
:class:`~citychan.channels.base.ChannelError` that says whether a retry is safe.

The mapping follows one question: *may the post have gone out?*

- Nothing was sent (connection refused, connect timeout): retryable, outcome known.
- The request was sent but no answer came (read timeout, dropped connection) or the server
  answered 5xx: for an idempotent API (Mastodon ``Idempotency-Key``, Matrix txnId) a retry is
  safe; for every other API the outcome is unknown and must not be blindly resent.
- 429: the API refused before doing anything, so a retry is safe, after its ``retry_after``
  (Signal is the exception: a 429 there needs a human).
- Other 4xx: a known failure, with the API's own description.

Error texts are built here from status, host and the API's description, never from httpx's
exception text or ``repr(request)``: those contain the URL, and Telegram's token is in its path.
"""

from __future__ import annotations

import atexit
import logging
import re
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from citychan import clock
from citychan.channels.base import ChannelContext, ChannelError, url_problem
from citychan.i18n import N_
from citychan.masking import Masker

if TYPE_CHECKING:
    import httpx

_MAX_DESCRIPTION = 200


@dataclass(frozen=True)
class ApiPolicy:
    """How one API's failures map to ChannelError."""

    api: str  # shown in messages: "Telegram", "WAHA", ...
    idempotent: bool = False  # a resend cannot post twice (idempotency key, txnId)
    retry_on_429: bool = True  # Signal: False, a 429 there needs a human
    secrets: tuple[str, ...] = field(default=(), repr=False)  # masked in descriptions and logs
    # what a status means for the user, appended to the API's own words (Matrix: 401, 403, 404)
    hints: Mapping[int, str] = field(default_factory=dict)
    # the API's own words in an error body, where they are not where api_description looks
    describe: Callable[[Any], str | None] | None = None

    @cached_property
    def mask(self) -> Masker:
        """The masker of this API's secrets, in every form they may come back in."""
        return Masker(self.secrets)


# --- secrets never reach logs ---------------------------------------------------------------
# httpx logs every request URL at INFO, and Telegram's token is in that URL. The filter masks
# with the secrets of the request this thread is sending right now (a context variable set by
# request() around the send): no process-wide registry of secrets, and nothing to forget when
# a channel goes away. httpx logs the line inside send(), in the sending thread, before any
# handler sees it.

_sending: ContextVar[Masker | None] = ContextVar("citychan_sending", default=None)


class _MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        mask = _sending.get()
        if mask:
            text = record.getMessage()
            masked = mask(text)
            if masked != text:
                record.msg, record.args = masked, None
        return True


_FILTER = _MaskingFilter()


def _mask_logs_of(name: str) -> None:
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)


# --- the client -----------------------------------------------------------------------------

_own_clients: dict[int, Any] = {}
_own_lock = threading.Lock()


def client_for(ctx: ChannelContext) -> httpx.Client:
    """The injected client (citychan's commands always inject one and close it), or for a
    channel built by hand one shared lazily created client per timeout, closed at exit."""
    if ctx.http is not None:
        return ctx.http

    key = int(ctx.timeout * 1000)
    with _own_lock:
        if key not in _own_clients:
            _own_clients[key] = client = make_client(ctx.timeout)
            atexit.register(client.close)
        return _own_clients[key]


def make_client(timeout: float) -> httpx.Client:
    """An httpx client that loads the CA bundle only when an https request is made.

    Building the TLS context costs ~40 ms per process; a post to a loopback gateway over plain
    http never needs it. https requests are verified exactly as by a default client.
    """
    import httpx

    class LazyTransport(httpx.BaseTransport):
        def __init__(self) -> None:
            self._transports: dict[str, httpx.HTTPTransport] = {}
            self._lock = threading.Lock()

        def _for(self, scheme: str) -> httpx.HTTPTransport:
            with self._lock:
                if scheme not in self._transports:
                    # plain http never does a TLS handshake, so no CA bundle is needed
                    verify = scheme == "https"
                    self._transports[scheme] = httpx.HTTPTransport(verify=verify)
                return self._transports[scheme]

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            return self._for(request.url.scheme).handle_request(request)

        def close(self) -> None:
            for t in self._transports.values():
                t.close()

    return httpx.Client(timeout=timeout, follow_redirects=False, transport=LazyTransport())


def request(
    ctx: ChannelContext,
    policy: ApiPolicy,
    method: str,
    url: str,
    *,
    deadline: float | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """One HTTP request; transport failures become ChannelError. Status is not checked.

    The request is built and checked before anything goes out, so a header, URL or body that
    cannot be sent is a plain failure - nothing was sent - not an unknown outcome. The answer
    is read streamed, at most :data:`MAX_BODY` bytes of it (see :func:`read_bounded`);
    ``deadline`` (a ``time.monotonic()`` value) also ends a body that arrives too slowly."""
    import httpx

    client = client_for(ctx)
    try:
        built = client.build_request(method, url, **kwargs)
    except (ValueError, TypeError, httpx.InvalidURL) as exc:  # UnicodeEncodeError: ValueError
        raise ChannelError(
            N_("{api}: the request could not be built, nothing was sent ({name})").format(
                api=policy.api, name=type(exc).__name__)
        ) from None
    refuse_unsendable(built, policy)
    if "accept-encoding" not in {k.lower() for k in (kwargs.get("headers") or {})}:
        # only what read_bounded can decode within its cap (never br/zstd, even if installed)
        built.headers["Accept-Encoding"] = "gzip, deflate"
    _mask_logs_of("httpx")
    sending = _sending.set(policy.mask)
    try:
        try:
            response = client.send(built, stream=True)
        except httpx.HTTPError as exc:
            raise error_from_exception(exc, policy, url) from None
        try:
            return read_bounded(response, deadline=deadline)
        except httpx.HTTPError as exc:  # the answer broke off (dropped, too slow): it was sent
            raise error_from_exception(exc, policy, url) from None
        finally:
            response.close()
    finally:
        _sending.reset(sending)


# h11's own rules (RFC 9110 field-name token and field-value): a header it would refuse
# mid-send is refused here, before a connection is opened
_HEADER_NAME = re.compile(rb"[-!#$%&'*+.^_`|~0-9A-Za-z]+")
_HEADER_VALUE = re.compile(rb"(?:[^\x00\s]+(?:[ \t]+[^\x00\s]+)*)?")


def refuse_unsendable(built: httpx.Request, policy: ApiPolicy) -> None:
    """Raise a known failure (nothing sent) for a request no server could be sent: a URL
    without host or with a port outside 1-65535, or a header with a line break or control
    character (a CR/LF in a link for ntfy's Click header, a secret with a trailing newline).
    The texts name the header, never its value: it may hold a token."""
    problem = url_problem(str(built.url))
    if problem:
        problem = f"the URL {problem}"
    for name, value in built.headers.raw:
        if problem:
            break
        if not (_HEADER_NAME.fullmatch(name) and _HEADER_VALUE.fullmatch(value)):
            shown = name.decode("ascii", "replace")
            problem = f"header {shown!r} has a line break or control character"
    if problem:
        raise ChannelError(N_("{api}: the request could not be built, nothing was sent "
                              "({problem})").format(api=policy.api, problem=problem))


# --- reading an answer, bounded ---------------------------------------------------------------

MAX_BODY = 1024 * 1024  # bytes of an answer read; no API citychan calls answers more
_UNREAD = "citychan.unread"  # response extension: why the body was not read (too large, ...)


def read_bounded(
    response: httpx.Response, limit: int = MAX_BODY, deadline: float | None = None
) -> httpx.Response:
    """The answer with at most ``limit`` bytes of body, read from the stream chunk by chunk
    and decoded (gzip, deflate) under the same cap, so a 100 MB answer or a compression bomb
    never sits in memory. A body over the cap, or one that cannot be decoded, is dropped:
    the answer keeps its status and headers with an empty body, and :func:`unread` says
    why. The status then decides, as for any answer without a readable body (a 2xx whose id
    cannot be read is the API's "answer unreadable" case: ``unknown`` where a resend could
    post twice). Raises httpx errors of the transport (dropped mid-answer) and a
    ``ReadTimeout`` once ``deadline`` has passed."""
    import httpx

    if response.is_stream_consumed:  # built whole in memory (a mock transport): just cap it
        body, why = response.content, None
        if len(body) > limit:
            body, why = b"", f"over {_size(limit)}"
    else:
        body, why = _read_stream(response, limit, deadline)
    skip = {"content-encoding", "content-length", "transfer-encoding"}
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in skip]
    extensions = {k: v for k, v in response.extensions.items()
                  if k in ("http_version", "reason_phrase")}
    if why is not None:
        extensions[_UNREAD] = why
    return httpx.Response(response.status_code, headers=headers, content=body,
                          request=response.request, extensions=extensions)


def unread(response: httpx.Response) -> str | None:
    """Why the answer's body was dropped unread ("over 1 MiB", ...), None if it was read."""
    why = response.extensions.get(_UNREAD)
    return why if isinstance(why, str) else None


def _read_stream(
    response: httpx.Response, limit: int, deadline: float | None
) -> tuple[bytes, str | None]:
    import httpx

    decode = _decoder(response.headers.get("content-encoding", ""))
    if decode is None:
        return b"", "in an encoding citychan does not read"
    chunks: list[bytes] = []
    size = 0
    for raw in response.iter_raw():
        if deadline is not None and time.monotonic() > deadline:
            raise httpx.ReadTimeout("answer too slow", request=response.request)
        try:
            data = decode(raw, limit - size + 1)
        except zlib.error:
            return b"", "not decodable"
        size += len(data)
        if size > limit:
            return b"", f"over {_size(limit)}"
        chunks.append(data)
    return b"".join(chunks), None


Decode = Callable[[bytes, int], bytes]


def _decoder(encoding: str) -> Decode | None:
    """A decoder for ``Content-Encoding`` that never yields more than it is asked for (a
    small gzip body can inflate a thousandfold); None for an encoding we cannot bound."""
    encodings = [e.strip().lower() for e in encoding.split(",") if e.strip()]
    encodings = [e for e in encodings if e != "identity"]
    if not encodings:
        return lambda data, _most: data
    if len(encodings) > 1 or encodings[0] not in ("gzip", "x-gzip", "deflate"):
        return None
    if encodings[0] == "deflate":  # zlib-wrapped as the standard says, or raw as some send
        state: dict[str, Any] = {}

        def inflate(data: bytes, most: int) -> bytes:
            if "z" not in state:
                state["z"] = zlib.decompressobj()
                try:
                    return bytes(state["z"].decompress(data, most))
                except zlib.error:
                    state["z"] = zlib.decompressobj(-zlib.MAX_WBITS)
            return bytes(state["z"].decompress(data, most))

        return inflate
    gz = zlib.decompressobj(16 + zlib.MAX_WBITS)
    # max_length stops the output; a chunk whose output is cut is over the cap anyway
    return lambda data, most: gz.decompress(data, most)


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit} bytes"


def check(response: httpx.Response, policy: ApiPolicy) -> httpx.Response:
    """Return a 2xx response; raise the mapped ChannelError for anything else."""
    if 200 <= response.status_code < 300:
        return response
    raise error_from_response(response, policy)


def json_of(response: httpx.Response) -> Any:
    """The JSON body, or None when the body is empty or not JSON."""
    try:
        return response.json()
    except ValueError:
        return None


# --- mapping --------------------------------------------------------------------------------


def _where(url: str) -> str:
    from urllib.parse import urlsplit

    # host and port only: userinfo, path and query may hold secrets; the port as written,
    # which never raises, whatever it is
    return urlsplit(url).netloc.rpartition("@")[2] or "?"


def error_from_exception(exc: Exception, policy: ApiPolicy, url: str) -> ChannelError:
    """Map an httpx transport exception; the message never contains the URL's path."""
    import httpx

    where = _where(url)
    if isinstance(exc, httpx.ConnectTimeout | httpx.ConnectError | httpx.PoolTimeout):
        # no connection, so nothing of the request left this machine
        return ChannelError(
            N_("{api}: cannot connect to {where} ({name})").format(
                api=policy.api, where=where, name=type(exc).__name__),
            retryable=True,
        )
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL | httpx.DecodingError):
        return ChannelError(N_("{api}: bad request to {where} ({name})").format(
                                api=policy.api, where=where, name=type(exc).__name__))
    what = "no answer in time" if isinstance(exc, httpx.TimeoutException) else "connection lost"
    if policy.idempotent:
        return ChannelError(
            N_("{api}: {what} from {where} after sending; retrying is safe").format(
                api=policy.api, what=what, where=where),
            retryable=True,
            outcome_known=False,
        )
    return ChannelError(
        N_("{api}: {what} from {where} after sending; the post may have gone out").format(
            api=policy.api, what=what, where=where),
        outcome_known=False,
    )


def error_from_response(response: httpx.Response, policy: ApiPolicy) -> ChannelError:
    """Map a non-2xx response to ChannelError with the API's own description."""
    status = response.status_code
    body = json_of(response)
    why = unread(response)
    described = (policy.describe or api_description)(body)
    description = (described or _plain_text(response)
                   or (f"answer {why}, not read" if why else response.reason_phrase) or "")
    description = policy.mask(description)[:_MAX_DESCRIPTION]
    text = f"{policy.api}: HTTP {status}" + (f": {description}" if description else "")
    if status in policy.hints:
        text += f"; {policy.hints[status]}"
    if status == 429:
        if not policy.retry_on_429:
            return ChannelError(
                text + " (rate limited; needs a person, not retried)", status=status
            )
        return ChannelError(
            text, retryable=True, retry_after=retry_after_of(response, body), status=status
        )
    if status >= 500:
        if policy.idempotent:
            return ChannelError(text, retryable=True, outcome_known=False, status=status)
        return ChannelError(
            text + " (the post may have gone out)", outcome_known=False, status=status
        )
    return ChannelError(text, status=status)


def _plain_text(response: httpx.Response) -> str | None:
    if not response.headers.get("content-type", "").startswith("text/plain"):
        return None  # HTML error pages say nothing a person can act on
    return " ".join(response.text.split()) or None


def api_description(body: Any) -> str | None:
    """The human part of an API's error body (Telegram, Mastodon, Matrix, WAHA, ntfy, ...)."""
    if isinstance(body, str):
        return body.strip() or None
    if not isinstance(body, Mapping):
        return None
    for key in ("description", "error_description", "error", "message", "detail"):
        value = body.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, Mapping):
            inner = api_description(value)
            if inner:
                return inner
        if isinstance(value, list) and value and isinstance(value[0], str):
            return "; ".join(str(v) for v in value)
    return None


# --- waiting times --------------------------------------------------------------------------


def retry_after_of(
    response: httpx.Response, body: Any = None, now: datetime | None = None
) -> float | None:
    """Seconds to wait from ``Retry-After``, Telegram's ``parameters.retry_after``, Matrix's
    ``retry_after_ms`` or Mastodon's ``X-RateLimit-Reset``, in that order."""
    now = now or clock.utcnow()
    seconds = parse_retry_after(response.headers.get("retry-after"), now)
    if seconds is not None:
        return seconds
    seconds = retry_after_from_body(body)
    if seconds is not None:
        return seconds
    return parse_reset_time(response.headers.get("x-ratelimit-reset"), now)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or clock.utcnow())).total_seconds())


def parse_reset_time(value: str | None, now: datetime | None = None) -> float | None:
    """Mastodon's ``X-RateLimit-Reset`` (an ISO 8601 time) as seconds from now."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or clock.utcnow())).total_seconds())


def retry_after_from_body(body: Any) -> float | None:
    """Telegram ``{"parameters": {"retry_after": 5}}`` or Matrix ``{"retry_after_ms": 2000}``."""
    if not isinstance(body, Mapping):
        return None
    params = body.get("parameters")
    if isinstance(params, Mapping) and _is_number(params.get("retry_after")):
        return max(0.0, float(params["retry_after"]))
    if _is_number(body.get("retry_after_ms")):
        return max(0.0, float(body["retry_after_ms"]) / 1000)
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# --- the common part of every HTTP channel ----------------------------------------------------


class HttpChannel:
    """Base of the built-in HTTP channels: name, injected context, secret-free repr.

    Subclasses set ``policy`` in ``__init__`` and keep their secrets only in attributes
    starting with an underscore; ``repr`` shows the type, name and ``_public`` fields only.
    """

    type_name: ClassVar[str] = "http"
    name: str
    policy: ApiPolicy
    _ctx: ChannelContext
    _public: tuple[str, ...] = ()

    def __repr__(self) -> str:
        shown = "".join(f", {k}={getattr(self, k)!r}" for k in self._public)
        return f"{type(self).__name__}(name={self.name!r}{shown})"

    __str__ = __repr__

    def close(self) -> None:
        """Nothing of the channel's own to close: its HTTP client is the one injected (closed
        by whoever made it) or, for a channel built by hand, the shared one of
        :func:`client_for` (closed at exit)."""

    def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request whose non-2xx answer raises the mapped ChannelError."""
        return check(request(self._ctx, self.policy, method, url, **kwargs), self.policy)


def text_matches(a: str, b: str) -> bool:
    """Whether two texts are the same post, ignoring whitespace the remote side may change."""
    return "".join(a.split()) == "".join(b.split())
