"""Links in notices: what may be published, tracking parameters removed, domains checked
against the allow-list the way a browser reads the address (WHATWG URL rules), not the way
Python's urlsplit does: for ``https://evil.example\\@www.bautzen.de/`` urlsplit says
www.bautzen.de, a browser goes to evil.example."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Characters no published link may hold: whitespace and line breaks (a header or a text
# that carries the link would break or be split), controls, a backslash (a browser reads it
# as '/', Python does not), and invisible format characters (a link that shows other than
# it goes: U+202E turns text around, U+200B hides in a word).
_UNFIT = re.compile(r"[\s\\\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f"
                    r"\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
_UNFIT_NAMES = {"\r": "a line break (CR)", "\n": "a line break (LF)", "\\": "a backslash",
                "\t": "a tab", " ": "a space"}
_DOTTED_QUAD = re.compile(r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}"
                          r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])")
_HOST = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?")

TRACKING_PREFIXES = ("utm_",)
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "wickedid",
        "s_cid",
        "ref_src",
    }
)


def is_tracking(param: str) -> bool:
    p = param.lower()
    return p in TRACKING_PARAMS or p.startswith(TRACKING_PREFIXES)


def clean_url(url: str) -> tuple[str, list[str]]:
    """Return the URL without tracking parameters, and the names removed."""
    parts = urlsplit(url)
    if not parts.query:
        return url, []
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if not is_tracking(k)]
    removed = [k for k, _ in pairs if is_tracking(k)]
    if not removed:
        return url, []
    return urlunsplit(parts._replace(query=urlencode(kept, doseq=True))), removed


def link_problem(url: str) -> str | None:
    """Why ``url`` cannot be published as a link, in words; None when it can.

    A link is ``mailto:``, ``tel:`` or a full ``http(s)://host/…`` without whitespace,
    controls, backslashes or invisible characters, without a user name or password before
    the host (``https://user@host`` is how links lie about where they go), with a plain host
    name (no %-escapes) and a port from 1 to 65535 if one is given.
    """
    bad = _UNFIT.search(url)
    if bad:
        char = bad.group(0)
        return f"it contains {_UNFIT_NAMES.get(char, f'the character U+{ord(char):04X}')}"
    low = url.lower()
    if low.startswith(("mailto:", "tel:")):
        return None if url.partition(":")[2] else "nothing follows the scheme"
    if not low.startswith(("https://", "http://")):
        return "it is not a full https:// address"
    authority = re.split(r"[/?#]", url.partition("//")[2], maxsplit=1)[0]
    if "@" in authority:
        return "it has a user name or password before the host ('…@'); a reader cannot see " \
               "where it really goes"
    host, port = _split_port(authority)
    if port and not _port_ok(port):  # an empty port means the default, as in a browser
        return f"port {port!r} is not a number from 1 to 65535"
    if _ascii_host(host) is None:
        return f"{host!r} is not a host name" if host else "it has no host"
    return None


def link_host(url: str) -> str | None:
    """The host a browser would contact for an http(s) ``url``, in lower-case ASCII (IDNA,
    as WHATWG's domain-to-ASCII); None for other links and for links :func:`link_problem`
    refuses."""
    if link_problem(url) is not None or not url.lower().startswith(("https://", "http://")):
        return None
    authority = re.split(r"[/?#]", url.partition("//")[2], maxsplit=1)[0]
    return _ascii_host(_split_port(authority)[0])


def domain_allowed(url: str, allowed: tuple[str, ...] | list[str]) -> bool:
    """True for mailto:/tel: links, for an empty allow-list, and for links whose host, as a
    browser reads it, is an allowed domain or below one. A link that is not fit to publish
    (see :func:`link_problem`) is never allowed."""
    if link_problem(url) is None and url.lower().startswith(("mailto:", "tel:")):
        return True
    if not allowed:
        return True
    host = link_host(url)
    if host is None:
        return False
    host = host.rstrip(".")
    domains = {(_ascii_host(d.strip().lower()) or "").strip(".") for d in allowed}
    return any(d and (host == d or host.endswith("." + d)) for d in domains)


def _port_ok(port: str) -> bool:
    digits = port.lstrip("0")
    return port.isascii() and port.isdigit() and 0 < len(digits) <= 5 and int(digits) < 65536


def _split_port(authority: str) -> tuple[str, str | None]:
    if authority.startswith("["):
        host, bracket, rest = authority.partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return "", None  # no host a browser would reach
        return host + "]", rest[1:] if rest else None
    host, sep, port = authority.rpartition(":")
    return (host, port) if sep else (authority, None)


def _ascii_host(host: str) -> str | None:
    """A host name in the ASCII form a browser uses (lower case, IDNA with UTS #46 mapping:
    full-width letters, the ideographic full stop and soft hyphens are folded as a browser
    folds them), or None for anything that is no plain host name."""
    if not host or "%" in host:
        return None
    if host.startswith("["):
        try:
            return f"[{ipaddress.IPv6Address(host[1:-1]).compressed}]"
        except ValueError:
            return None
    if not host.isascii():
        try:
            import idna  # comes with httpx

            host = idna.encode(host, uts46=True).decode("ascii")
        except (ImportError, UnicodeError, ValueError):  # idna.IDNAError is a UnicodeError
            return None
    host = host.lower()
    if not _HOST.fullmatch(host):
        return None
    if _ends_in_number(host) and not _DOTTED_QUAD.fullmatch(host):
        return None  # a browser reads 443, 0x7f.1 or 010.0.0.1 as IPv4 numbers of its own
    return host


def _ends_in_number(host: str) -> bool:
    last = host.rstrip(".").rpartition(".")[2]
    return last.isdigit() or (last.startswith("0x") and all(c in "0123456789abcdef"
                                                             for c in last[2:]))


def as_uri(url: str) -> str:
    """An IRI as a plain-ASCII URI (for HTTP headers): IDNA host, non-ASCII percent-encoded;
    user info, port and IPv6 brackets kept as written.
    https://www.bautzen.de/straßen -> https://www.bautzen.de/stra%C3%9Fen"""
    from urllib.parse import quote, urlsplit, urlunsplit

    if url.isascii():
        return url
    parts = urlsplit(url)
    userinfo, _, hostport = parts.netloc.rpartition("@")
    host, port = hostport, ""
    if not hostport.startswith("[") and ":" in hostport:
        host, _, port = hostport.rpartition(":")
    host = _idna(host)
    netloc = (quote(userinfo, safe=":%") + "@" if userinfo else "") + host + (
        f":{port}" if port else "")
    safe = "/%:@!$&'()*+,;=-._~?"
    return urlunsplit((parts.scheme, netloc, quote(parts.path, safe=safe),
                       quote(parts.query, safe=safe + "="), quote(parts.fragment, safe=safe)))


def _idna(host: str) -> str:
    """The ASCII form of a host name by IDNA 2008 (Straße.de stays Straße.de, not strasse.de
    as Python's own IDNA 2003 codec would have it); IPv6 literals and ASCII names unchanged."""
    from urllib.parse import quote

    if host.isascii():
        return host
    try:
        import idna  # comes with httpx

        return idna.encode(host, uts46=True).decode("ascii")
    except (ImportError, UnicodeError, ValueError):
        return quote(host, safe="[]:")
