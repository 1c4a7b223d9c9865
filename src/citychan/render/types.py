"""What rendering produces, as values every layer may hold: the dialects, the unit a
channel counts its length in, one rendered message, and the one :func:`measure` of its
length that rules, preview and results share. Imports nothing of citychan's."""

from __future__ import annotations

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
    - Matrix: the event carries the plain ``body`` and the HTML ``formatted_body``, both count;
    - Telegram: the text after its HTML is parsed (tags gone, entities one character);
    - with ``url_length`` every http(s) URL counts as that many (Mastodon: 23).
    """
    text = rendered.text
    if rendered.dialect == Dialect.MATRIX:
        text += rendered.html or ""
    elif rendered.dialect == Dialect.TELEGRAM:
        text = unescape(_TAG.sub("", text))
    size = _size(text, unit)
    if url_length is not None:
        for url in find_urls(text):
            size += url_length - _size(url, unit)
    return size


def _size(text: str, unit: LengthUnit) -> int:
    return len(text.encode("utf-8")) if unit == LengthUnit.BYTES else len(text)
