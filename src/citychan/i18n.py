"""The interface's language: German when the environment asks for it, English otherwise.

The language is read from ``CITYCHAN_LANG``, then the POSIX variables ``LANGUAGE``,
``LC_ALL``, ``LC_MESSAGES`` and ``LANG`` (``de``, ``de_DE.UTF-8`` … mean German; ``C`` or
anything else English); it is read at each look-up, so one process (a test) can run in both.
The catalog (``locale/de/LC_MESSAGES/citychan.mo``) is loaded on the first German look-up.

Three ways to mark a string:

- ``_("text")``: translated now (the CLI, at the moment it prints);
- ``N_("text {name}").format(name=…)``: a :class:`Msg`, an ordinary English ``str`` that
  also knows its template, so the library can raise errors and make findings in English (for
  the store, logs and ``--output json``) and the CLI shows them translated (:func:`localize`);
- ``ngettext("one file", "{n} files", n)`` for plurals.

A leaf: imports nothing of ours."""

from __future__ import annotations

import gettext as _gettext
import os
from pathlib import Path
from typing import Any

DOMAIN = "citychan"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "de")  # the first is the source language
# POSIX order after ours; GNU gettext reads LANGUAGE first as well
LANGUAGE_VARIABLES = ("CITYCHAN_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_catalogs: dict[str, _gettext.NullTranslations] = {}


def language() -> str:
    """The interface's language code: the first of :data:`LANGUAGE_VARIABLES` that is set
    decides; a language we have no catalog for is English."""
    for variable in LANGUAGE_VARIABLES:
        value = os.environ.get(variable, "").strip()
        if value:
            code = value.split(":")[0].split(".")[0].split("_")[0].split("-")[0].lower()
            return code if code in LANGUAGES else LANGUAGES[0]
    return LANGUAGES[0]


def catalog(lang: str | None = None) -> _gettext.NullTranslations:
    """The translations for ``lang`` (default: :func:`language`), loaded once."""
    lang = lang or language()
    found = _catalogs.get(lang)
    if found is None:
        if lang == LANGUAGES[0]:
            found = _gettext.NullTranslations()
        else:
            found = _gettext.translation(DOMAIN, LOCALE_DIR, [lang], fallback=True)
        _catalogs[lang] = found
    return found


def gettext(message: str) -> str:
    """``message`` in the interface's language."""
    return catalog().gettext(message)


_ = gettext


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message for ``n``, in the interface's language."""
    return catalog().ngettext(singular, plural, n)


class Msg(str):
    """English text (it *is* the ``str``) that remembers the template and values it was
    made of, so that :func:`localize` can say it again in the interface's language."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, params: dict[str, Any] | None = None) -> Msg:
        self = super().__new__(cls, template.format(**params) if params else template)
        self.template = template
        self.params = params or {}
        return self

    def format(self, *args: Any, **kwargs: Any) -> Msg:
        if args:  # positional fields (others' code formatting a text) make plain text
            return str.format(self, *args, **kwargs)  # type: ignore[return-value]
        return Msg(self.template, kwargs)

    def __add__(self, other: str) -> Msg:
        return _Joined((self, other))

    def __radd__(self, other: str) -> Msg:
        return _Joined((other, self))

    def __reduce__(self) -> Any:  # copy.deepcopy (dataclasses.asdict) keeps the template
        return (Msg, (self.template, self.params))

    def localized(self) -> str:
        values = {k: localize(v) if isinstance(v, Msg) else v for k, v in self.params.items()}
        text = gettext(self.template)
        return text.format(**values) if self.params else text


class _Joined(Msg):
    """Pieces put together with ``+``: each says itself in the language."""

    parts: tuple[str, ...]

    def __new__(cls, parts: tuple[str, ...]) -> _Joined:
        flat: list[str] = []
        for part in parts:
            flat.extend(part.parts if isinstance(part, _Joined) else (part,))
        self = str.__new__(cls, "".join(flat))
        self.template, self.params, self.parts = str(self), {}, tuple(flat)
        return self

    def __reduce__(self) -> Any:
        return (_Joined, (self.parts,))

    def localized(self) -> str:
        return "".join(p.localized() if isinstance(p, Msg) else p for p in self.parts)


def N_(message: str) -> Msg:  # noqa: N802 (the name gettext's tools look for)
    """Marks ``message`` for translation at the time it is shown; ``.format(name=…)`` fills
    it in, in English now and in the interface's language when :func:`localize` d."""
    return Msg(message)


def localize(text: str | None) -> str | None:
    """``text`` in the interface's language: a :class:`Msg` by its template, any other
    string looked up whole (a fixed text of the library), else as it is."""
    if text is None:
        return None
    if isinstance(text, Msg):
        return text.localized()
    return gettext(text) if text else text
