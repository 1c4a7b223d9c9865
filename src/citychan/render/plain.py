"""Plain text (Mastodon, Signal, webhook): no markup at all; links as ``text: URL``, lists
with ``• `` and ``1. ``, the title as the first line."""

from __future__ import annotations

from citychan.render.sections import Job
from citychan.render.text import TextStyle, compose, display_url, identity, indent
from citychan.render.types import Dialect, Rendered


def _link(text: str, href: str, auto: bool) -> str:
    shown = display_url(href)
    return shown if auto or text in ("", shown) else f"{text}: {shown}"


STYLE = TextStyle(
    escape=identity,
    strong=("", ""),
    em=("", ""),
    strike=("", ""),
    code=identity,
    link=_link,
    heading=lambda text, level: text,
    code_block=lambda code, info: code,
    quote=lambda inner: indent(inner, "> "),
    title=identity,
)


def render_plain(job: Job) -> Rendered:
    """Plain text with the title as the first line."""
    return Rendered(Dialect.PLAIN, compose(job, STYLE), title=job.title)


def plain_text(job: Job, *, first_title: bool = True) -> str:
    """The plain version other dialects carry beside their HTML (Matrix body, e-mail, feed)."""
    return compose(job, STYLE, first_title=first_title)
