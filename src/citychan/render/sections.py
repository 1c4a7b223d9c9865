"""What every dialect renders: the chosen language sections of a message plus its link."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from citychan.render.parse import Node

# The label before the message link. Only wordings we are sure of; other languages show
# the bare URL rather than an invented phrase.
MORE_LABELS = {"de": "Mehr", "en": "More"}


@dataclass(frozen=True)
class Section:
    """One language of the message, parsed."""

    lang: str
    title: str
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Job:
    """The input of a dialect renderer. ``link`` is already passed through ``url_map``."""

    sections: tuple[Section, ...]
    link: str | None
    url_map: Callable[[str], str]

    @property
    def lang(self) -> str:
        return self.sections[0].lang

    @property
    def title(self) -> str:
        """All titles joined, for dialects with a title field (ntfy, e-mail subject, feed)."""
        return " / ".join(s.title for s in self.sections)


def more_label(lang: str) -> str:
    return MORE_LABELS.get(lang, "")
