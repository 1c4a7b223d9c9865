"""Normal HTML, shared by Matrix ``formatted_body``, the e-mail text/html part and feed content.

Everything from the notice is escaped: a title or body saying ``<script>`` stays text.
Images are not embedded; an inline image becomes a link that keeps its alt text.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from citychan.hygiene import xml_text
from citychan.render.parse import Node, plain
from citychan.render.sections import Job, Section, more_label

_INLINE_TAGS = {"strong": "strong", "em": "em", "strike": "del"}


def esc(text: str) -> str:
    """Text for an HTML element: escaped, and without what XML forbids (the feed carries
    this HTML inside Atom; one control character would break the whole feed)."""
    return escape(xml_text(text), quote=False)


def attr(text: str) -> str:
    return escape(xml_text(text), quote=True)


class HtmlRenderer:
    """Block nodes -> HTML. Body headings go below the section title's level ``title_level``:
    notices use ``##`` for their parts (``#`` is the title), so ``#`` and ``##`` land one
    level below the title, ``###`` two levels."""

    def __init__(self, url_map: Callable[[str], str], title_level: int) -> None:
        self.url_map = url_map
        self.title_level = title_level

    def blocks(self, nodes: tuple[Node, ...], tight: bool = False) -> str:
        return "\n".join(self.block(n, tight) for n in nodes)

    def block(self, n: Node, tight: bool = False) -> str:
        if n.kind == "paragraph":
            inner = self.inline(n.children)
            return inner if tight else f"<p>{inner}</p>"
        if n.kind == "heading":
            h = min(6, self.title_level + max(1, n.level - 1))
            return f"<h{h}>{self.inline(n.children)}</h{h}>"
        if n.kind in ("bullet_list", "ordered_list"):
            return self.list(n)
        if n.kind == "quote":
            return f"<blockquote>\n{self.blocks(n.children)}\n</blockquote>"
        if n.kind == "code_block":
            cls = f' class="language-{attr(n.href)}"' if n.href else ""
            return f"<pre><code{cls}>{esc(n.text)}</code></pre>"
        if n.kind == "hr":
            return "<hr>"
        return ""

    def list(self, n: Node) -> str:
        tag = "ol" if n.kind == "ordered_list" else "ul"
        start = f' start="{n.level}"' if tag == "ol" and n.level != 1 else ""
        items = "\n".join(f"<li>{self.blocks(i.children, n.tight)}</li>" for i in n.children)
        return f"<{tag}{start}>\n{items}\n</{tag}>"

    def inline(self, nodes: tuple[Node, ...]) -> str:
        return "".join(self.span(n) for n in nodes)

    def span(self, n: Node) -> str:
        if n.kind == "text":
            return esc(n.text)
        if n.kind in _INLINE_TAGS:
            tag = _INLINE_TAGS[n.kind]
            return f"<{tag}>{self.inline(n.children)}</{tag}>"
        if n.kind == "code":
            return f"<code>{esc(n.text)}</code>"
        if n.kind == "softbreak":
            return "\n"
        if n.kind == "hardbreak":
            return "<br>\n"
        if n.kind in ("link", "image"):
            href = self.url_map(n.href)
            text = esc(href.removeprefix("mailto:")) if n.auto else self.inline(n.children)
            return f'<a href="{attr(href)}">{text or esc(plain(n.children)) or esc(href)}</a>'
        return ""


def sections_html(job: Job, level: int, *, wrap_lang: bool, first_title: bool = True) -> str:
    """The language sections as HTML: titles at ``h{level}``, ``<hr>`` between languages,
    the message link at the end. ``wrap_lang`` marks each section with its ``lang``."""
    r = HtmlRenderer(job.url_map, level)
    title_tag = f"h{level}"
    parts = []
    for i, sec in enumerate(job.sections):
        body = r.blocks(sec.nodes)
        if first_title or i > 0:
            body = f"<{title_tag}>{esc(sec.title)}</{title_tag}>\n{body}"
        parts.append(_lang_wrap(sec, body) if wrap_lang else body)
    html = "\n<hr>\n".join(parts)
    if job.link:
        label = more_label(job.lang)
        a = f'<a href="{attr(job.link)}">{esc(job.link)}</a>'
        html += f"\n<p>{esc(label)}: {a}</p>" if label else f"\n<p>{a}</p>"
    return html + "\n"


def _lang_wrap(sec: Section, body: str) -> str:
    return f'<div lang="{attr(sec.lang)}">\n{body}\n</div>'
