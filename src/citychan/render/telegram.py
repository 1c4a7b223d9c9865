"""Telegram, ``parse_mode=HTML``: only b, i, s, code, pre, a and blockquote; no p, br, lists
or headings exist there, so lists are ``• `` lines and headings bold lines."""

from __future__ import annotations

from html import escape

from citychan.render.sections import Job
from citychan.render.text import TextStyle, compose, display_url
from citychan.render.types import Dialect, Rendered


def _esc(text: str) -> str:
    return escape(text, quote=False)


def _link(text: str, href: str, auto: bool) -> str:
    if not href.lower().startswith(("http://", "https://")):
        # mail and phone links: Telegram detects addresses and numbers in plain text itself
        shown = _esc(display_url(href))
        return shown if auto or text in ("", shown) else f"{text}: {shown}"
    return f'<a href="{escape(href, quote=True)}">{_esc(href) if auto or not text else text}</a>'


def _quote(inner: str) -> str:
    # Telegram cannot nest quotes; our escaped text never holds a literal tag, so this only
    # removes tags we made ourselves.
    flat = inner.replace("<blockquote>", "").replace("</blockquote>", "")
    return f"<blockquote>{flat}</blockquote>"


def _bold(text: str) -> str:
    return f"<b>{text.strip()}</b>" if text.strip() else ""


STYLE = TextStyle(
    escape=_esc,
    strong=("<b>", "</b>"),
    em=("<i>", "</i>"),
    strike=("<s>", "</s>"),
    code=lambda code: f"<code>{_esc(code)}</code>",
    link=_link,
    heading=lambda text, level: _bold(text),
    code_block=lambda code, info: f"<pre>{_esc(code)}</pre>",
    quote=_quote,
    title=lambda title: _bold(_esc(title)),
    heading_bold=True,
)


def render_telegram(job: Job) -> Rendered:
    """Telegram HTML with the title as the first bold line."""
    return Rendered(Dialect.TELEGRAM, compose(job, STYLE), title=job.title)
