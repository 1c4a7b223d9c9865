"""The line-based renderer shared by the text dialects (WhatsApp, Telegram, plain, Markdown).

They differ only in how inline marks, links, headings, code and quotes look; the block
layout (blank lines between blocks, list markers, indentation of nested lists) is the same.
A :class:`TextStyle` holds the differences; :func:`compose` builds the whole post.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from citychan.render.parse import Node, plain
from citychan.render.sections import Job, more_label

SEPARATOR = "———"


def identity(text: str) -> str:
    return text


def display_url(href: str) -> str:
    """What a reader sees of a link target: mail and phone links without their scheme."""
    for scheme in ("mailto:", "tel:"):
        if href.lower().startswith(scheme):
            return href[len(scheme):]
    return href


@dataclass(frozen=True)
class TextStyle:
    """How one text dialect spells things. Mark pairs are (open, close)."""

    escape: Callable[[str], str]
    strong: tuple[str, str]
    em: tuple[str, str]
    strike: tuple[str, str]
    code: Callable[[str], str]
    link: Callable[[str, str, bool], str]  # (rendered text, mapped href, auto) -> output
    heading: Callable[[str, int], str]  # (rendered inline, level)
    code_block: Callable[[str, str], str]  # (code, info)
    quote: Callable[[str], str]  # the rendered inner blocks
    title: Callable[[str], str]  # a section title (plain text in, formatted line out)
    bullet: str = "• "
    hr: str = SEPARATOR
    softbreak: str = " "  # CommonMark: a soft line break is shown as a space
    hardbreak: str = "\n"
    separator: str = SEPARATOR  # between language sections
    trim_marks: bool = False  # move spaces outside marks (WhatsApp ignores `*bold *`)
    heading_bold: bool = False  # headings are bold lines: no bold marks nested inside
    paragraph: Callable[[str], str] = identity  # last touch on a paragraph's lines


class TextRenderer:
    """Renders block nodes with one style; ``url_map`` is applied to every link target."""

    def __init__(self, style: TextStyle, url_map: Callable[[str], str]) -> None:
        self.style = style
        self.url_map = url_map
        self._bold = 0  # depth of bold context: nested bold adds no second pair of marks

    def blocks(self, nodes: tuple[Node, ...], tight: bool = False) -> str:
        parts = [self.block(n) for n in nodes]
        return ("\n" if tight else "\n\n").join(p for p in parts if p)

    def block(self, n: Node) -> str:
        s = self.style
        if n.kind == "paragraph":
            return s.paragraph(self.inline(n.children))
        if n.kind == "heading":
            self._bold += s.heading_bold
            try:
                return s.heading(self.inline(n.children), n.level)
            finally:
                self._bold -= s.heading_bold
        if n.kind in ("bullet_list", "ordered_list"):
            return self.list(n)
        if n.kind == "quote":
            return s.quote(self.blocks(n.children))
        if n.kind == "code_block":
            return s.code_block(n.text.rstrip("\n"), n.href)
        if n.kind == "hr":
            return s.hr
        return ""

    def list(self, n: Node) -> str:
        items = []
        for i, item in enumerate(n.children):
            marker = f"{n.level + i}. " if n.kind == "ordered_list" else self.style.bullet
            body = self.blocks(item.children, tight=n.tight)
            items.append(marker + indent(body, " " * len(marker)).lstrip(" "))
        return ("\n" if n.tight else "\n\n").join(items)

    def inline(self, nodes: tuple[Node, ...]) -> str:
        return "".join(self.span(n) for n in nodes)

    def span(self, n: Node) -> str:
        s = self.style
        if n.kind == "text":
            return s.escape(n.text)
        if n.kind == "strong":
            self._bold += 1
            try:
                inner = self.inline(n.children)
            finally:
                self._bold -= 1
            return inner if self._bold else self.mark(s.strong, inner)
        if n.kind in ("em", "strike"):
            return self.mark(getattr(s, n.kind), self.inline(n.children))
        if n.kind == "code":
            return s.code(n.text)
        if n.kind == "softbreak":
            return s.softbreak
        if n.kind == "hardbreak":
            return s.hardbreak
        if n.kind in ("link", "image"):
            # An image is never embedded in a post; its alt text and address stay.
            text = self.inline(n.children) or s.escape(plain(n.children))
            return s.link(text, self.url_map(n.href), n.auto)
        return ""

    def mark(self, pair: tuple[str, str], inner: str) -> str:
        if not inner.strip():
            return inner
        if not self.style.trim_marks:
            return pair[0] + inner + pair[1]
        core = inner.strip()
        lead = inner[: len(inner) - len(inner.lstrip())]
        tail = inner[len(inner.rstrip()):]
        return f"{lead}{pair[0]}{core}{pair[1]}{tail}"


def indent(text: str, prefix: str) -> str:
    """Prefix every line; lines that would hold only spaces stay empty."""
    lines = text.split("\n")
    return "\n".join((prefix + line) if line.strip() else prefix.rstrip() for line in lines)


def compose(job: Job, style: TextStyle, *, first_title: bool = True) -> str:
    """The whole post: each language section with its title, separators, the link at the end.

    ``first_title=False`` for dialects whose title travels in its own field (ntfy, feed).
    """
    r = TextRenderer(style, job.url_map)
    sections = []
    for i, sec in enumerate(job.sections):
        head = style.title(sec.title) if (first_title or i > 0) else ""
        body = r.blocks(sec.nodes)
        sections.append("\n\n".join(p for p in (head, body) if p))
    text = f"\n\n{style.separator}\n\n".join(s for s in sections if s)
    if job.link:
        label = more_label(job.lang)
        shown = style.link(style.escape(job.link), job.link, True)
        line = f"{style.escape(label)}: {shown}" if label else shown
        text = f"{text}\n\n{line}" if text else line
    return text.strip("\n")  # no trailing newline: APIs would send and count it
