"""A notice written in one dialect: its Markdown parsed once per language, the sections run
through the dialect's renderer, the link once at the end.

    render(message, Dialect.WHATSAPP, ("de", "hsb"), url_map=...)  -> Rendered
    render_summary(...)   title + summary + link, for channels too small for the full text
    message_links(message)  every URL a notice contains, for the link rules
"""

from __future__ import annotations

from collections.abc import Callable

from citychan.notices.message import Document, Message
from citychan.render.feed import render_feed
from citychan.render.mail import render_email
from citychan.render.markdown import render_markdown, render_ntfy
from citychan.render.matrix import render_matrix
from citychan.render.parse import parse, walk
from citychan.render.plain import render_plain
from citychan.render.sections import Job, Section
from citychan.render.telegram import render_telegram
from citychan.render.types import Dialect, Rendered
from citychan.render.whatsapp import render_whatsapp

__all__ = ["message_links", "render", "render_summary"]

# one renderer per dialect; each takes a Job and returns Rendered
_RENDERERS: dict[Dialect, Callable[[Job], Rendered]] = {
    Dialect.WHATSAPP: render_whatsapp,
    Dialect.TELEGRAM: render_telegram,
    Dialect.MATRIX: render_matrix,
    Dialect.PLAIN: render_plain,
    Dialect.NTFY: render_ntfy,
    Dialect.EMAIL: render_email,
    Dialect.FEED: render_feed,
    Dialect.MARKDOWN: render_markdown,
}


def render(message: Message, dialect: Dialect, langs: tuple[str, ...] | None = None, *,
           url_map: Callable[[str], str] | None = None) -> Rendered:
    """The whole message in ``dialect``: every language in ``langs`` (default: all) in that
    order, each with its title, and the message link once at the end."""
    docs = _docs(message, langs)
    sections = tuple(Section(d.lang, d.title, parse(d.body)) for d in docs)
    return _run(dialect, sections, message.link, url_map)


def render_summary(message: Message, dialect: Dialect, langs: tuple[str, ...] | None = None,
                   *, url_map: Callable[[str], str] | None = None) -> Rendered:
    """Title, ``summary`` and link per language, for channels too small for the full text.
    A language without a summary shows only its title."""
    docs = _docs(message, langs)
    sections = tuple(Section(d.lang, d.title, parse(d.summary or "")) for d in docs)
    return _run(dialect, sections, message.link, url_map)


def message_links(message: Message) -> list[str]:
    """Every URL in every document (links, autolinks, bare URLs, images, the summary) and
    the ``link`` field, as written (before ``url_map``), first occurrence first."""
    found: list[str] = []
    for doc in message.docs:
        for text in (doc.body, doc.summary or ""):
            found += [n.href for n in walk(parse(text)) if n.kind in ("link", "image")]
    if message.link:
        found.append(message.link)
    return list(dict.fromkeys(found))


def _docs(message: Message, langs: tuple[str, ...] | None) -> list[Document]:
    if langs is None:
        return list(message.docs)
    docs = [d for lang in dict.fromkeys(langs) if (d := message.doc(lang)) is not None]
    if not docs:
        raise ValueError(f"{message.path.name}: no text in {', '.join(langs) or 'no language'}")
    return docs


def _run(dialect: Dialect, sections: tuple[Section, ...], link: str | None,
         url_map: Callable[[str], str] | None) -> Rendered:
    mapper = url_map or _same
    job = Job(sections, mapper(link) if link else None, mapper)
    return _RENDERERS[dialect](job)


def _same(url: str) -> str:
    return url

