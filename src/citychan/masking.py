"""Masking of secrets in every form they may come back in. A server or a library can give a
token back URL-encoded (``quote``, ``quote_plus``, twice), in another case (a hex token
upper-cased, ``%2f`` for ``%2F``), JSON- or HTML-escaped, or inside base64 (the Basic auth
header of ``user:password``, SMTP's ``AUTH PLAIN``). :class:`Masker` replaces each of them by
``***``: in error texts, log lines, remote ids and URLs alike.

A leaf: it imports nothing of citychan's, so every layer can use the one implementation.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
# Shorter values would mask ordinary words and numbers in every text; no real token is so short.
MIN_SECRET = 4
# A run of base64 (standard or URL-safe alphabet) long enough to carry a secret.
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{6,}={0,2}")
_URL_SAFE = str.maketrans("-_", "+/")
# scheme://user:password@ - the authority ends at the first "/", "?" or "#"
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@")


def forms(secret: str) -> set[str]:
    """The texts ``secret`` may come back as, besides base64: as written, URL-encoded with
    and without ``/`` kept, form-encoded, encoded twice, JSON-escaped and HTML-escaped."""
    once = quote(secret, safe="")
    return {
        secret,
        once,
        quote(secret),  # "/" kept, as in a path
        quote_plus(secret),
        quote(once, safe=""),  # a URL that carried the token, URL-encoded again
        secret.replace("/", "\\/"),  # JSON may escape "/"
        _html_escaped(secret),
    }


def _html_escaped(text: str) -> str:
    # html.escape without importing html (and its entity table) on every start
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"),
                         ("'", "&#x27;")):
        text = text.replace(char, entity)
    return text


class Masker:
    """Replaces every form of the given secrets by ``***`` (see the module docstring).

    Matching ignores case, so an upper-cased hex token or a lower-case percent-escape is found;
    a base64 run is masked whole when it decodes to bytes that contain a secret. Both passes
    are linear in the length of the text.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        values = {s.strip() for s in secrets if s and len(s.strip()) >= MIN_SECRET}
        self._raw = tuple(sorted((v.encode() for v in values), key=len, reverse=True))
        found = {f for v in values for f in forms(v)}
        alternatives = "|".join(re.escape(f) for f in sorted(found, key=len, reverse=True))
        self._pattern = re.compile(alternatives, re.IGNORECASE) if alternatives else None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def __repr__(self) -> str:
        return f"Masker({len(self._raw)} secrets)"

    def __call__(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        text = self._pattern.sub(MASK, text)
        return _BASE64_RUN.sub(self._mask_base64, text)

    def _mask_base64(self, match: re.Match[str]) -> str:
        run = match.group()
        return MASK if any(self._carries_secret(b) for b in _decodings(run)) else run

    def _carries_secret(self, decoded: bytes) -> bool:
        return any(secret in decoded for secret in self._raw)


def _decodings(run: str) -> Iterable[bytes]:
    """``run`` decoded as base64 from each of the four offsets (it may start mid-group),
    in both alphabets."""
    body = run.rstrip("=")
    for start in range(4):
        part = body[start:]
        rest = len(part) % 4  # 2 or 3: a last group cut short of its padding
        part = part[:-1] if rest == 1 else part + "=" * ((4 - rest) % 4)
        if len(part) < 4:
            return
        for url_safe in (False, True):
            data = part.translate(_URL_SAFE) if url_safe else part
            try:
                yield binascii.a2b_base64(data, strict_mode=True)
            except (binascii.Error, ValueError):
                continue


def mask_userinfo(url: str) -> str:
    """``url`` with a user name and password replaced by ``***``, so that an error message
    may show where a URL points without repeating a password written into it."""
    return _USERINFO.sub(lambda m: f"{m.group(1)}{MASK}@", url, count=1)
