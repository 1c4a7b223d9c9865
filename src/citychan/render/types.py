"""What rendering produces, as values every layer may hold: the dialects, the unit a
channel counts its length in, one rendered message, and the one :func:`measure` of its
length that rules, preview and results share. Imports nothing of citychan's."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from html import unescape


class Dialect(StrEnum):
    """How a channel wants its text; one renderer per dialect (see :mod:`citychan.render`)."""

    WHATSAPP = "whatsapp"
    TELEGRAM = "telegram"  # HTML subset, parse_mode=HTML
    MATRIX = "matrix"  # plain body + org.matrix.custom.html formatted_body
    PLAIN = "plain"  # Mastodon, Signal, webhook text
    NTFY = "ntfy"  # Markdown body
    EMAIL = "email"  # text/plain + text/html
    FEED = "feed"  # escaped HTML for Atom/HTML archive
    MARKDOWN = "markdown"  # the source, normalised (outbox of the source itself)


class LengthUnit(StrEnum):
    CHARS = "chars"  # Unicode code points
    BYTES = "bytes"  # UTF-8 bytes


@dataclass(frozen=True)
class Rendered:
    """One message rendered for one dialect. ``text`` is what the main field carries."""

    dialect: Dialect
    text: str
    html: str | None = None  # Matrix formatted_body, e-mail text/html, feed content
    title: str | None = None


@dataclass(frozen=True)
class Length:
    """A rendered message's length as its channel counts it, and the limit it is held to."""

    size: int
    unit: LengthUnit = LengthUnit.CHARS
    limit: int | None = None  # None: the channel sets no limit
    caption: bool = False  # the text goes out as an image's caption, under the caption limit

    @property
    def over(self) -> bool:
        return self.limit is not None and self.size > self.limit


# Matrix limits "the complete event", "formatted with the federation event format, including
# any signatures, and encoded as Canonical JSON", to 65,536 bytes (matrix-org/matrix-spec
# content/client-server-api/_index.md, "Size limits"; Synapse refuses a larger one with 413
# M_TOO_LARGE). citychan measures the content it sends as canonical JSON and adds this fixed
# allowance for what the homeserver wraps around it, at the spec's own maxima: room_id and
# sender up to 255 bytes each, up to 20 prev_events and 10 auth_events of 44-byte event ids
# (about 1,410 bytes quoted), the sha256 hash, one server's ed25519 signature under a server
# name of up to 255 bytes, type, depth, origin_server_ts and the keys themselves: about 2,600
# bytes at the extremes, rounded up to 4 KiB.
MATRIX_ENVELOPE_BYTES = 4096


def matrix_content(rendered: Rendered) -> dict[str, str]:
    """The content of the ``m.room.message`` event that carries ``rendered``: an ``m.notice``
    with the plain ``body`` and, when there is HTML, the ``formatted_body``. What the Matrix
    channel sends and what :func:`measure` counts, so the two cannot differ."""
    content = {"msgtype": "m.notice", "body": rendered.text}
    if rendered.html:
        content["format"] = "org.matrix.custom.html"
        content["formatted_body"] = rendered.html
    return content


def canonical_json(value: object) -> str:
    """Matrix's Canonical JSON (spec appendices): sorted keys, no spaces, UTF-8 unescaped;
    only quotes, backslashes and control characters are escaped."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


# A bare http(s) URL in running text; the render parser links the same URLs.
BARE_URL = re.compile(r"(?<![\w/@.:])https?://[^\s<>\"]+", re.IGNORECASE)
_TRAILING = ".,;:!?'\"*_~"
_TAG = re.compile(r"<[^>]*>")


def trim_url(url: str) -> str:
    """A URL found in running text, without the sentence punctuation that follows it; a
    closing parenthesis stays when it closes one opened in the URL. One pass from the end
    (a URL followed by 300,000 ')' must not cost 300,000 counts)."""
    opened, closed = url.count("("), url.count(")")
    end = len(url)
    while end:
        char = url[end - 1]
        if char in _TRAILING:
            end -= 1
        elif char == ")" and closed > opened:
            closed -= 1
            end -= 1
        else:
            break
    return url[:end]


def find_urls(text: str) -> list[str]:
    """The http(s) URLs in already rendered text."""
    return [trim_url(m.group(0)) for m in BARE_URL.finditer(text)]


def measure(rendered: Rendered, unit: LengthUnit = LengthUnit.CHARS, *,
            url_length: int | None = None) -> int:
    """The length of ``rendered`` as its channel counts it, the one measure every rule,
    preview and result shows:

    - in UTF-8 ``bytes`` or in code points (``chars``);
    - Matrix: the whole event: its content (plain ``body`` and HTML ``formatted_body``) as
      canonical JSON, where every line break and quote takes two bytes, plus
      :data:`MATRIX_ENVELOPE_BYTES` for what the homeserver adds;
    - Telegram: the text after its HTML is parsed (tags gone, entities one character);
    - with ``url_length`` every http(s) URL counts as that many (Mastodon: 23).
    """
    text = rendered.text
    envelope = 0
    if rendered.dialect == Dialect.MATRIX:
        text, envelope = canonical_json(matrix_content(rendered)), MATRIX_ENVELOPE_BYTES
    elif rendered.dialect == Dialect.TELEGRAM:
        text = unescape(_TAG.sub("", text))
    size = _size(text, unit) + envelope
    if url_length is not None:
        for url in find_urls(text):
            size += url_length - _size(url, unit)
    return size


def _size(text: str, unit: LengthUnit) -> int:
    return len(text.encode("utf-8")) if unit == LengthUnit.BYTES else len(text)
