"""A warning's texts per language from the command line: ``--area`` / ``--details`` /
``--instruction`` are German, ``--area-hsb`` (or ``--area hsb:TEXT``) the Sorbian
counterpart; and ``--only-lang de``, the emergency way to send a warning whose translation
is not ready, which CC003 then lets through with a warning on record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from citychan.alerts import Warning
from citychan.errors import UsageError
from citychan.findings import Finding, Severity, warning
from citychan.i18n import N_

FIELDS = ("area", "details", "instruction")  # the texts given per language
PRIMARY = "de"  # the options' language: from_flags writes them as German texts


def check_languages(translations: Mapping[str, Mapping[str, str]], only: tuple[str, ...],
                    languages: tuple[str, ...]) -> None:
    """Every language named (``--area-xx``, ``xx:TEXT``, ``--only-lang``) is one of the
    warning languages of the config; a misspelt code is refused, never sent as German."""
    named = {*translations, *only}
    unknown = sorted(named - set(languages))
    if unknown:
        raise UsageError(
            N_("unknown warning language {join}").format(join=', '.join(repr(u) for u in unknown)),
            hint=N_("the warning languages are {join} ([alerts] languages)").format(
                     join=', '.join(languages)))
    for lang, given in translations.items():
        for key in given:
            if key not in FIELDS:
                raise UsageError(N_("no per-language option for {key} ({lang})").format(
                                     key=key, lang=lang),
                                 hint=N_("per language: {join}").format(
                                          join=', '.join('--' + f for f in FIELDS)))


def per_language(primary: str | None, translations: Mapping[str, Mapping[str, str]],
                 key: str) -> str | dict[str, str] | None:
    """One option's texts: the German value alone, or every language that has one."""
    others = {lang: t[key] for lang, t in translations.items() if t.get(key) and
              lang != PRIMARY}
    own = translations.get(PRIMARY, {}).get(key) or primary
    if not others:
        return own
    return ({PRIMARY: own} if own else {}) | others


def with_instructions(w: Warning, translations: Mapping[str, Mapping[str, str]]) -> Warning:
    """``--instruction-xx`` replaces that language's instruction (a template's included); a
    hand-written short text that carried the old one gives way to the generated one."""
    texts = dict(w.texts)
    for lang, given in translations.items():
        if lang != PRIMARY and given.get("instruction") and lang in texts:
            texts[lang] = replace(texts[lang], instruction=given["instruction"], short=None)
    return replace(w, texts=texts)


def only_languages(w: Warning, only: tuple[str, ...]) -> Warning:
    """The warning in the languages of ``--only-lang`` (in the warning's order)."""
    missing = [lang for lang in only if lang not in w.texts]
    if missing:
        raise UsageError(N_("--only-lang {join}: the warning has no text in it").format(
                             join=', '.join(missing)),
                         hint=N_("it has: {join}").format(join=', '.join(w.langs)))
    return replace(w, texts={lang: t for lang, t in w.texts.items() if lang in only})


def relax_missing(findings: list[Finding], only: tuple[str, ...],
                  languages: tuple[str, ...]) -> list[Finding]:
    """With ``--only-lang``, a missing translation (a CC003 error) no longer blocks: one
    CC003 warning says on record which readers get no text in their language."""
    if not only:
        return findings
    out = [f for f in findings if not (f.code == "CC003" and f.severity == Severity.ERROR)]
    left_out = [lang for lang in languages if lang not in only]
    if left_out:
        out.append(warning(
            "CC003", f"sent in {', '.join(only)} only (--only-lang): no text in "
                     f"{', '.join(left_out)}",
            hint="send the translation as an update as soon as it is ready"))
    return out
