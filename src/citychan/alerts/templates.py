"""Warning templates: ready texts per event and language, kept as TOML files in
``citychan/alerts/templates/`` so a press office can read and extend them.

A template language section flagged ``needs_review = true`` was drafted without a native
speaker; that flag travels into the Warning and reaches the user as a warning finding.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from citychan.errors import UsageError, did_you_mean

PLACEHOLDERS = ("area", "time", "expires", "details")


@dataclass(frozen=True)
class TemplateText:
    """One language of a template."""

    headline: str  # without the level label
    description: str
    instruction: str
    needs_review: bool = False


@dataclass(frozen=True)
class Template:
    """A template: its event and texts per language, with placeholders."""

    name: str
    event: str  # code in the catalogue
    texts: Mapping[str, TemplateText]  # language -> texts

    def fill(self, lang: str, values: Mapping[str, str]) -> TemplateText:
        """The texts of ``lang`` with placeholders replaced; empty {details} leave no gap."""
        t = self.texts[lang]
        return TemplateText(
            headline=_fill(t.headline, values),
            description=_fill(t.description, values),
            instruction=_fill(t.instruction, values),
            needs_review=t.needs_review,
        )


def _fill(text: str, values: Mapping[str, str]) -> str:
    filled = text.format_map({k: values.get(k, "") for k in PLACEHOLDERS})
    return " ".join(filled.split())


def _folder() -> resources.abc.Traversable:
    return resources.files("citychan.alerts") / "templates"


@cache
def template_names() -> tuple[str, ...]:
    """Names of the built-in templates, sorted."""
    return tuple(sorted(p.name.removesuffix(".toml") for p in _folder().iterdir()
                        if p.name.endswith(".toml")))


@cache
def load_template(name: str) -> Template:
    """The built-in template ``name``; a UsageError with a suggestion when unknown."""
    key = name.strip().lower()
    if key not in template_names():
        raise UsageError(f"unknown template {name!r}.{did_you_mean(key, template_names())}",
                         hint=f"templates: {', '.join(template_names())}")
    data = tomllib.loads((_folder() / f"{key}.toml").read_text(encoding="utf-8"))
    texts = {
        lang: TemplateText(
            headline=section["headline"],
            description=section["description"],
            instruction=section["instruction"],
            needs_review=bool(section.get("needs_review", False)),
        )
        for lang, section in data.items() if isinstance(section, dict)
    }
    return Template(name=key, event=data["event"], texts=texts)
