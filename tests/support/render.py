"""Helpers of the render tests: a notice made in memory, the link cleaning a post applies,
and an HTML checker (Telegram's tag set, or any tags, balanced)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from citychan.kinds import Kind
from citychan.links import clean_url
from citychan.notices.message import Document, Message

TELEGRAM_TAGS = {"b", "i", "s", "u", "code", "pre", "a", "blockquote"}


def url_map(url: str) -> str:
    return clean_url(url)[0]


def synthetic(body: str, title: str = "Hinweis", link: str | None = None,
              **more: tuple[str, str]) -> Message:
    docs = [Document(lang="de", title=title, body=body, path=Path("x.md"))]
    for lang, (t, b) in more.items():
        docs.append(Document(lang=lang, title=t, body=b, path=Path(f"x.{lang}.md")))
    return Message(path=Path("x.md"), kind=Kind.INFO, docs=tuple(docs), link=link)


VOID = {"br", "hr", "meta", "img", "!doctype"}


class TagChecker(HTMLParser):
    """Collects tags outside ``allowed`` (None: any) and unbalanced ones."""

    def __init__(self, allowed: set[str] | None = TELEGRAM_TAGS) -> None:
        super().__init__(convert_charrefs=True)
        self.allowed = allowed
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.allowed is not None:
            if tag not in self.allowed:
                self.problems.append(f"tag <{tag}>")
            for key, _ in attrs:
                if not (tag == "a" and key == "href"):
                    self.problems.append(f"attribute {key} on <{tag}>")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.problems.append(f"unbalanced </{tag}>")
