"""Markdown out: normalised CommonMark for ntfy (title in its own header) and for the outbox
of the source itself (title as ``# Title``). Links stay Markdown links, after ``url_map``."""

from __future__ import annotations

import re
from dataclasses import replace

from citychan.render.sections import Job
from citychan.render.text import TextStyle, compose, indent
from citychan.render.types import Dialect, Rendered

_SPECIAL = re.compile(r"([\\`*_\[\]<~])")
# What a line of a paragraph must not start with, or it becomes another block.
_BLOCK_STARTS = (
    re.compile(r"^( *)(#{1,6}(?:[ \t]|$))", re.M),  # ATX heading
    re.compile(r"^( *)(>)", re.M),  # quote
    re.compile(r"^( *)([-+*](?:[ \t]|$))", re.M),  # bullet
    re.compile(r"^( *)((?:=+|-+)[ \t]*$)", re.M),  # setext underline
)
_ORDERED = re.compile(r"^( *\d{1,9})([.)](?:[ \t]|$))", re.M)
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


def md_escape(text: str) -> str:
    """Escape inline characters that would otherwise become markup."""
    return _ENTITY.sub(r"\\&", _SPECIAL.sub(r"\\\1", text))


def md_paragraph(text: str) -> str:
    """Escape line starts that would turn a paragraph line into a heading, list or quote
    (``- 24. Dezember`` is a numbered list starting at 24 unless the dot is escaped).
    Markup we generate never starts like that, so only the author's text is touched."""
    for pattern in _BLOCK_STARTS:
        text = pattern.sub(r"\1\\\2", text)
    return _ORDERED.sub(r"\1\\\2", text)


def md_code(code: str) -> str:
    longest = max((len(r) for r in re.findall(r"`+", code)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if code.startswith("`") or code.endswith("`") else ""
    return f"{fence}{pad}{code}{pad}{fence}"


def md_fence(code: str, info: str) -> str:
    longest = max((len(r) for r in re.findall(r"^`{3,}", code, re.M)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{code}\n{fence}"


def md_href(href: str) -> str:
    href = href.replace("<", "%3C").replace(">", "%3E")
    return f"<{href}>" if re.search(r"[\s()]", href) else href


def _link(text: str, href: str, auto: bool) -> str:
    if (auto or not text) and not re.search(r"[\s<>]", href):
        if href.lower().startswith("mailto:"):
            return f"<{href[len('mailto:'):]}>"
        if href.lower().startswith(("http://", "https://")):
            return f"<{href}>"
    if auto or not text:
        text = md_escape(href)
    return f"[{text}]({md_href(href)})"


STYLE = TextStyle(
    escape=md_escape,
    strong=("**", "**"),
    em=("*", "*"),
    strike=("~~", "~~"),
    code=md_code,
    link=_link,
    heading=lambda text, level: f"{'#' * level} {text}",
    paragraph=md_paragraph,
    code_block=md_fence,
    quote=lambda inner: indent(inner, "> "),
    title=lambda title: f"# {md_escape(title)}",
    bullet="- ",
    hr="---",
    softbreak="\n",
    hardbreak="\\\n",
    separator="---",
)
# ntfy shows the title in its header; further language sections get a bold title line.
NTFY_STYLE = replace(STYLE, title=lambda title: f"**{md_escape(title)}**")


def render_markdown(job: Job) -> Rendered:
    """The normalised Markdown source with ``# Title`` lines (for the outbox)."""
    return Rendered(Dialect.MARKDOWN, compose(job, STYLE), title=job.title)


def render_ntfy(job: Job) -> Rendered:
    """ntfy Markdown body; the title goes into ``Rendered.title`` (the Title header)."""
    return Rendered(Dialect.NTFY, compose(job, NTFY_STYLE, first_title=False), title=job.title)
