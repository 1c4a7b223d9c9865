"""Links in notices: tracking parameters removed, domains checked against the allow-list."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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


def domain_allowed(url: str, allowed: tuple[str, ...] | list[str]) -> bool:
    """True for mailto:/tel: links, for an empty allow-list, and for allowed (sub)domains."""
    parts = urlsplit(url)
    if parts.scheme in ("mailto", "tel"):
        return True
    if not allowed:
        return True
    host = (parts.hostname or "").lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in allowed)


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
