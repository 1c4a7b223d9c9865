"""What rendering produces, as values every layer may hold: the dialects, the unit a
channel counts its length in, and one rendered message. Imports nothing of citychan's."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
