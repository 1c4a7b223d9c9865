"""Markdown -> a small immutable tree, parsed once per Markdown string and shared by every
dialect. markdown-it-py is imported only here, and only when something is rendered.

Raw HTML in a notice is never passed through: it is parsed as text, so every HTML dialect
escapes it. Bare ``http(s)://`` URLs in text become link nodes (markdown-it's linkify needs
linkify-it-py, which we do not ship), so ``url_map`` and the link rules see them too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from citychan.render.types import BARE_URL as _BARE_URL
from citychan.render.types import trim_url

# Block kinds: paragraph, heading, bullet_list, ordered_list, item, quote, code_block, hr.
# Inline kinds: text, strong, em, strike, code, link, image, softbreak, hardbreak.


@dataclass(frozen=True, slots=True)
class Node:
    """One element of a parsed document. ``text``: text or code; ``href``: link target;
    ``level``: heading level or first number of an ordered list; ``auto``: the link text is
    the URL itself (autolink, bare URL), so it is shown once, after ``url_map``."""

    kind: str
    children: tuple[Node, ...] = ()
    text: str = ""
    href: str = ""
    level: int = 0
    tight: bool = True
    auto: bool = False


@lru_cache(maxsize=512)
def parse(markdown: str) -> tuple[Node, ...]:
    """The block nodes of a Markdown document (cached: every dialect renders the same parse)."""
    from markdown_it.tree import SyntaxTreeNode

    root = SyntaxTreeNode(_parser().parse(markdown))
    return tuple(_blocks(root.children))


@lru_cache(maxsize=1)
def _parser() -> Any:
    from markdown_it import MarkdownIt

    # html off: raw HTML in a notice is text, so no dialect can pass a <script> through
    md = MarkdownIt("commonmark", {"html": False}).enable("strikethrough")
    # markdown-it quietly turns javascript:, data:, file: and vbscript: links back into text,
    # where the link rules never see them; keep every link a link, and let CC204 refuse them
    md.validateLink = _any_link  # type: ignore[method-assign]
    return md


def _any_link(url: str) -> bool:
    return True


def _blocks(nodes: Any) -> list[Node]:
    return [b for n in nodes if (b := _block(n)) is not None]


def _block(n: Any) -> Node | None:
    t = n.type
    if t == "paragraph":
        return Node("paragraph", _inline_of(n))
    if t == "heading":
        return Node("heading", _inline_of(n), level=int(n.tag[1:]))
    if t in ("bullet_list", "ordered_list"):
        items = tuple(Node("item", tuple(_blocks(i.children))) for i in n.children)
        tight = all(p.hidden for i in n.children for p in i.children if p.type == "paragraph")
        start = int(n.attrs.get("start", 1)) if t == "ordered_list" else 0
        return Node(t, items, level=start, tight=tight)
    if t == "blockquote":
        return Node("quote", tuple(_blocks(n.children)))
    if t in ("fence", "code_block"):
        info = n.info.strip().split(" ")[0] if t == "fence" else ""
        return Node("code_block", text=n.content, href=info)
    if t == "hr":
        return Node("hr")
    return None  # html_block cannot occur (html disabled); anything else is dropped


def _inline_of(n: Any) -> tuple[Node, ...]:
    children = n.children[0].children if n.children else []
    return _merge_text(_inlines(children))


def _inlines(nodes: Any, linkify: bool = True) -> list[Node]:
    """Inline nodes; ``linkify=False`` inside links, where a URL is already the link text."""
    out: list[Node] = []
    for n in nodes:
        t = n.type
        if t == "text":
            out.append(Node("text", text=n.content))
        elif t in ("strong", "em", "s"):
            kind = "strike" if t == "s" else t
            out.append(Node(kind, _merge_text(_inlines(n.children, linkify), linkify)))
        elif t == "code_inline":
            out.append(Node("code", text=n.content))
        elif t in ("softbreak", "hardbreak"):
            out.append(Node(t))
        elif t == "link":
            kids = _merge_text(_inlines(n.children, False), False)
            href = str(n.attrs.get("href", ""))
            out.append(Node("link", kids, href=href, auto=_is_self_link(plain(kids), href)))
        elif t == "image":
            kids = _merge_text(_inlines(n.children, False), False)
            out.append(Node("image", kids, href=str(n.attrs.get("src", ""))))
    return out


def _is_self_link(text: str, href: str) -> bool:
    return text in (href, unquote(href)) or href in (f"mailto:{text}", f"tel:{text}")


def _merge_text(nodes: list[Node], linkify: bool = True) -> tuple[Node, ...]:
    """Join neighbouring text nodes, then cut bare URLs out of them as link nodes."""
    merged: list[Node] = []
    run: list[str] = []  # neighbouring texts, joined once (adding them up one by one is
    for node in nodes:   # quadratic: markdown-it gives one text node per stray '*' or '[')
        if node.kind == "text":
            run.append(node.text)
            continue
        if run:
            merged.append(Node("text", text="".join(run)))
            run = []
        merged.append(node)
    if run:
        merged.append(Node("text", text="".join(run)))
    out: list[Node] = []
    for node in merged:
        out.extend(_split_urls(node.text) if node.kind == "text" and linkify else [node])
    return tuple(n for n in out if n.kind != "text" or n.text)


def _split_urls(text: str) -> list[Node]:
    out: list[Node] = []
    pos = 0
    for m in _BARE_URL.finditer(text):
        url = trim_url(m.group(0))
        out.append(Node("text", text=text[pos:m.start()]))
        out.append(Node("link", (Node("text", text=url),), href=url, auto=True))
        pos = m.start() + len(url)
    out.append(Node("text", text=text[pos:]))
    return out


def plain(nodes: tuple[Node, ...]) -> str:
    """The visible text of inline nodes, without any markup."""
    parts = []
    for n in nodes:
        if n.kind in ("text", "code"):
            parts.append(n.text)
        elif n.kind in ("softbreak", "hardbreak"):
            parts.append(" ")
        else:
            parts.append(plain(n.children))
    return "".join(parts)


def walk(nodes: tuple[Node, ...]) -> Iterator[Node]:
    """Every node, depth first, in document order."""
    for n in nodes:
        yield n
        yield from walk(n.children)
