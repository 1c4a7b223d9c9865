"""What a channel is: a Protocol, its capabilities as data, what it gets and what it returns.

A channel client is small: it turns a :class:`Post` into one API call and returns a
:class:`Receipt`, or raises :class:`ChannelError` saying whether a retry is safe and whether
the outcome is known. Retrying, pacing, recording and concurrency are done by
:mod:`citychan.delivery.publisher`, never by the channel.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from citychan.i18n import N_
from citychan.kinds import Kind, Level
from citychan.masking import mask_userinfo
from citychan.render.types import Dialect, Length, LengthUnit, Rendered
from citychan.render.types import measure as _measure

__all__ = ["Action", "CannotTell", "Capabilities", "Channel", "ChannelContext", "ChannelError",
           "ChannelConfigError", "Dialect", "FeedEntries", "FeedEntryRows", "Kind", "Length",
           "LengthUnit", "Level",
           "LangPart", "LimitCache", "Option", "Post", "Receipt", "Rendered", "perform"]

if TYPE_CHECKING:
    import httpx


@dataclass(frozen=True)
class Capabilities:
    """What a channel can take. Rules and renderers read this; channels never re-check it."""

    dialect: Dialect
    max_length: int | None = None  # limit of the rendered text (None: no limit)
    length_unit: LengthUnit = LengthUnit.CHARS
    url_length: int | None = None  # every URL counts as this many chars (Mastodon: 23)
    caption_max: int | None = None  # limit when the text is an image caption
    images: bool = False
    # how the picture goes out: as the file itself, held to ``image_max_bytes`` (None: no
    # limit known), or drawn anew by the channel (``image_redrawn``: WhatsApp's JPEG within
    # 5 MB, the feed's scaled copies), where any size will do if the picture can be read
    image_max_bytes: int | None = None
    image_redrawn: bool = False
    title_field: bool = False  # the title travels in its own field (ntfy, e-mail, feed)
    per_minute: int | None = None  # pacing: at most this many posts per minute
    network: bool = True  # False for outbox/feed: safe offline, no retry needed
    # the language codes a post can be tagged with (Mastodon's own list); None: no tag or any
    languages: frozenset[str] | None = None
    # a post already out can be changed in place (edit()) or taken back (delete()); where
    # not, a correction or withdrawal goes out as a short follow-up post (send())
    can_edit: bool = False
    can_delete: bool = False
    # a post older than this cannot be deleted any more (Telegram: 48 hours), and the
    # service refuses with these words; such a post is edited to the withdrawal notice
    delete_within: timedelta | None = None
    delete_refused: str = ""

    def measure(self, rendered: Rendered) -> int:
        """The length of ``rendered`` as this channel counts it (see
        :func:`citychan.render.types.measure`)."""
        return _measure(rendered, self.length_unit, url_length=self.url_length)

    def post_language(self, lang: str) -> str | None:
        """The code a post in ``lang`` is tagged with: ``lang`` itself, or its base language
        (``de`` for ``de-AT``), or None where the channel knows neither (the post then goes
        untagged: a server would otherwise put its own default in silently)."""
        if self.languages is None or lang in self.languages:
            return lang
        base = lang.split("-")[0]
        return base if base in self.languages else None

    def length_of(self, rendered: Rendered, *, with_image: bool = False) -> Length:
        """The length of ``rendered`` against the limit it is held to: with an image the
        text is its caption, under ``caption_max`` where the channel has one."""
        caption = with_image and self.images and bool(self.caption_max)
        limit = self.caption_max if caption else self.max_length
        return Length(self.measure(rendered), self.length_unit, limit, caption)


class Action(StrEnum):
    """What a delivery does with a post: send it, change one already out, or take it back."""

    SEND = "send"
    EDIT = "edit"  # replaces the post ``Post.replaces`` names with this one (same place)
    DELETE = "delete"  # deletes the post ``Post.replaces`` names


@dataclass(frozen=True)
class LangPart:
    """One language of a post on its own, for channels that carry each apart (the webhook):
    its title, summary, plain text and HTML (both without the title)."""

    lang: str
    title: str
    text: str
    html: str
    summary: str | None = None


@dataclass(frozen=True)
class Post:
    """Everything a channel needs to send one message, already rendered for it."""

    message_id: str  # the content hash of the message (all languages)
    channel: str  # the configured channel name
    kind: Kind
    title: str
    rendered: Rendered
    langs: tuple[str, ...] = ("de",)
    link: str | None = None
    summary: str | None = None
    image: Path | None = None
    image_alt: str | None = None
    tags: tuple[str, ...] = ()
    level: Level | None = None  # warnings only
    idempotency_key: str = ""  # stable across retries of one delivery (Mastodon, Matrix txnId)
    sent: datetime | None = None
    # a warning's CAP document, by file name: a channel that publishes files may link it
    # (the feed does, under cap/); citychan.warn.cap_files writes it beside the channel's files
    cap_file: str | None = None
    # a resend to some of the channel's recipients only: those a partial send provably
    # missed (Signal's per-recipient errors); empty: all of them
    recipients: tuple[str, ...] = ()
    action: Action = Action.SEND
    replaces: str | None = None  # EDIT/DELETE: the remote id of the post already out
    expires: datetime | None = None  # the notice's ``expires:`` (the feed marks it then)
    note: str | None = None  # EDIT/DELETE: what changed, or why it was withdrawn
    parts: tuple[LangPart, ...] = ()  # each language of the post apart, in its order

    @property
    def lang(self) -> str:
        return self.langs[0]


@dataclass(frozen=True)
class Receipt:
    """Proof of delivery: the remote id and, where there is one, a public URL."""

    remote_id: str | None = None
    url: str | None = None


class ChannelError(Exception):
    """A send that did not succeed.

    ``retryable``: sending again cannot post twice (idempotency key, txnId, nothing was sent,
    a 429). ``outcome_known``: False when the post may have gone out (timeout after sending,
    5xx, empty 2xx) - such a delivery is recorded as ``unknown`` and never blindly resent.
    ``retry_after``: seconds the API asked us to wait. ``missed``: the recipients a partial
    send provably did not reach while the others got it - a resend goes to them alone.
    """

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = False,
        outcome_known: bool = True,
        retry_after: float | None = None,
        status: int | None = None,
        missed: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.missed = missed
        self.message = message
        self.retryable = retryable
        self.outcome_known = outcome_known
        self.retry_after = retry_after
        self.status = status


class CannotTell(ChannelError):
    """A read-back that got an answer which does not say whether the post is there (not the
    shape the API documents, or too much to search). Never a reason to resend: a person
    decides."""


class ChannelConfigError(Exception):
    """A channel's options are wrong; turned into a ConfigError naming the table and key."""


class LimitCache(Protocol):
    """Where a channel keeps what it read from its server about itself (Mastodon's
    ``max_characters``) for the next plan; citychan's is the store. A miss is None."""

    def get(self, channel: str, key: str, max_age: timedelta) -> int | None: ...

    def put(self, channel: str, key: str, value: int) -> None: ...


class FeedEntryRows(Protocol):
    """One website feed's entries where every machine sharing the store finds them: each
    look-up the pages need is one question (records are entries without their text)."""

    def recent(self, limit: int) -> list[dict[str, Any]]: ...

    def open(self) -> dict[str, str]: ...  # anchor: month, of entries that may still change

    def months(self) -> dict[str, int]: ...

    def month(self, month: str) -> list[dict[str, Any]]: ...

    def load(self, anchor: str) -> dict[str, Any] | None: ...

    def find(self, entry_id: str) -> dict[str, Any] | None: ...

    def every(self) -> list[dict[str, Any]]: ...

    def after(self, anchor: str, limit: int) -> list[dict[str, Any]]: ...  # by anchor

    def some(self, anchors: Sequence[str]) -> dict[str, dict[str, Any]]: ...

    def put(self, entry: Mapping[str, Any], record: Mapping[str, Any], month: str,
            is_open: bool, top: bool) -> None: ...

    def take(self, entries: Iterable[tuple[Mapping[str, Any], Mapping[str, Any], str, bool]]
             ) -> int: ...


class FeedEntries(Protocol):
    """Where the feed channel keeps its entries (citychan's: the store). ``step(feed)`` is
    one change, serialized with every other machine's; ``read(feed)`` reads as they stand."""

    def step(self, feed: str) -> AbstractContextManager[FeedEntryRows]: ...

    def read(self, feed: str) -> AbstractContextManager[FeedEntryRows]: ...


@dataclass(frozen=True)
class ChannelContext:
    """What a channel gets from outside: secrets lookup, an HTTP client, a base folder, a
    cache for limits read from its server (None: nothing cached, the declared limits), and
    where the website feed keeps its entries (None: in its own folder, as files)."""

    env: Mapping[str, str] = field(repr=False)  # holds the secrets: never in a repr
    http: httpx.Client | None = None
    base_dir: Path = Path(".")
    timeout: float = 10.0
    limits: LimitCache | None = None
    feeds: FeedEntries | None = None

    def secret(self, channel: str, env_name: str | None, key: str = "token_env") -> str:
        """The secret from the environment variable named by ``key``; never logged.
        Surrounding whitespace is trimmed: a trailing newline from ``$(cat token)`` or a
        secrets file would otherwise make every request's header invalid."""
        if not env_name:
            raise ChannelConfigError(
                N_("[channels.{channel}] needs '{key}' naming an environment variable").format(
                    channel=channel, key=key))
        value = (self.env.get(env_name) or "").strip()
        if not value:
            raise ChannelConfigError(
                N_("No secret: set {name} or change {key} in [channels.{channel}]").format(
                    name=env_name, key=key, channel=channel))
        return value


@runtime_checkable
class Channel(Protocol):
    """A channel client. Plugins implement this and register under ``citychan.channels``.

    ``capabilities`` is best declared at class level (a ``ClassVar``), so that check, preview
    and the planner know it before any client exists; a type whose capabilities depend on its
    options declares ``declare(options)`` as a classmethod instead (see :func:`declared`)."""

    name: str

    @property
    def capabilities(self) -> Capabilities: ...

    def send(self, post: Post) -> Receipt:
        """Deliver one post; raise ChannelError on failure."""
        ...


@dataclass(frozen=True)
class Option:
    """One config key of a channel type: its Python type, whether required, a default."""

    type: type | tuple[type, ...]
    required: bool = False
    default: Any = None


class ChannelFactory(Protocol):
    """A channel class: declares its options and builds itself from validated options."""

    type_name: ClassVar[str]
    options: ClassVar[Mapping[str, Option]]

    @classmethod
    def from_config(cls, name: str, options: Mapping[str, Any], ctx: ChannelContext) -> Channel: ...


def perform(channel: Channel, post: Post) -> Receipt:
    """Carry out ``post.action`` on ``channel``: ``send()``, or ``edit()`` / ``delete()`` of the
    post ``post.replaces`` names (a channel offers those only with ``can_edit`` /
    ``can_delete``). Editing to the same text again and deleting what is gone already are
    successes: both are safe to repeat, so a retry never does harm."""
    if post.action is Action.SEND:
        return channel.send(post)
    method = getattr(channel, str(post.action), None)
    if method is None or not post.replaces:
        raise ChannelError(N_("{channel} cannot {action} a post that went out; it gets a "
                              "follow-up post instead").format(channel=post.channel,
                                                               action=str(post.action)))
    receipt: Receipt = method(post)
    return receipt


def declared(cls: Any, options: Mapping[str, Any]) -> Capabilities | None:
    """What a channel type takes, known without building a client or touching the network:
    ``cls.declare(options)`` where the capabilities depend on the options, else the class-level
    ``capabilities``. None for a plugin that declares them only on its instances."""
    declare = getattr(cls, "declare", None)
    caps = declare(options) if callable(declare) else getattr(cls, "capabilities", None)
    return caps if isinstance(caps, Capabilities) else None


def idempotency_key(message_id: str, channel: str, delivery_id: int | str) -> str:
    """A key derived from message, channel and the recorded delivery: same on every retry."""
    raw = f"{message_id}:{channel}:{delivery_id}".encode()
    return "citychan-" + hashlib.sha256(raw).hexdigest()[:32]


def is_loopback(host: str | None) -> bool:
    """Only a literal loopback address or 'localhost' - not '127.evil.example', which a
    resolver may point anywhere."""
    import ipaddress

    name = (host or "").strip("[]").lower().rstrip(".")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def url_problem(url: str) -> str | None:
    """What is wrong with a service URL, or None: it needs http(s), a host, a port (if any)
    from 1 to 65535, and no user name or password (those belong in a ``*_env`` secret; a
    password in a URL ends up in every receipt and message that shows the URL). The text
    never repeats a password."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return N_("is not a valid URL")
    if parts.scheme not in ("http", "https"):
        return N_("must be an https:// URL (http only for loopback)")
    if "@" in parts.netloc:
        return N_("must not contain a user name or password; put the secret in an environment "
                  "variable named by the channel's *_env key")
    if not parts.hostname:
        return N_("has no host")
    port = parts.netloc.rpartition("]")[2].partition(":")[2]
    if port and not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
        return N_("has port {port}; a port is a number from 1 to 65535").format(
            port=repr(port))
    return None


def require_https(channel: str, key: str, url: str) -> str:
    """Remote endpoints must be https; plain http only to loopback hosts (tests, local
    gateways). The URL must be well-formed (see :func:`url_problem`)."""
    from urllib.parse import urlsplit

    problem = url_problem(url)
    if problem:
        raise ChannelConfigError(N_("[channels.{channel}] {key} {problem}: {url}").format(
            channel=channel, key=key, problem=problem, url=repr(mask_userinfo(url))))
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname)):
        return url.rstrip("/")
    raise ChannelConfigError(
        N_("[channels.{channel}] {key} must be an https:// URL (http only for loopback): "
           "{url}").format(channel=channel, key=key, url=repr(url)))
