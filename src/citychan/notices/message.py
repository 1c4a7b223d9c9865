"""A notice on disk: Markdown with YAML front matter, plus translations as sibling files
(``notice.md`` + ``notice.hsb.md``). Loading either file yields the whole notice."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citychan.errors import InputError, UsageError, did_you_mean
from citychan.findings import Finding, error, warning
from citychan.fsutil import NotRegular, ReadRefused, TooLarge, read_limited
from citychan.hygiene import clean_controls
from citychan.i18n import N_
from citychan.kinds import Kind
from citychan.notices.frontmatter import split_front_matter
from citychan.timeparse import check_when_text

MAX_BYTES = 1024 * 1024  # a notice is text for a phone screen; 1 MiB is already absurd

INFO_KEYS = {
    "title",
    "kind",
    "lang",
    "summary",
    "link",
    "tags",
    "image",
    "image_alt",
    "channels",
    "expires",
    "not_a_warning",  # issue 14: why a title with "Warnung", "Gefahr", … is no warning (CC201)
}
# Warnings add their own fields (level, event, area, expires, …; docs/operator.md, "Writing
# a warning as a file"); citychan.alerts reads them.
WARNING_KEYS = {
    "level",
    "event",
    "headline",
    "description",
    "instruction",
    "area",
    "effective",
    "polygon",
    "circle",
    "geocode",
    "incident",
    "status",
    "contact",
    "web",
}
KNOWN_KEYS = INFO_KEYS | WARNING_KEYS
_CAP_KEYS = {"identifier", "msg_type"}  # set by citychan warn, never in a file
# Shared by all languages of a notice; a translation may not contradict them.
SHARED_KEYS = (
    "kind",
    "link",
    "tags",
    "image",
    "channels",
    "expires",
    "level",
    "event",
    "effective",
    "polygon",
    "circle",
    "geocode",
    "incident",
    "status",
)
_LANG_SUFFIX = re.compile(r"^(?P<base>.+)\.(?P<lang>[a-z]{2,3})\.md$")

# Language codes a notice may say in `lang:` (ISO 639-1, and the two Sorbian languages of
# ISO 639-2), and the names people write instead of a code.
LANGUAGE_CODES = frozenset(
    "aa ab af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy "
    "da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr "
    "ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv "
    "kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no "
    "nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn "
    "so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo "
    "wa wo xh yi yo za zh zu hsb dsb".split())
LANGUAGE_NAMES = {
    "deutsch": "de", "german": "de", "sorbisch": "hsb", "obersorbisch": "hsb",
    "sorbian": "hsb", "upper sorbian": "hsb", "serbsce": "hsb", "hornjoserbsce": "hsb",
    "niedersorbisch": "dsb", "wendisch": "dsb", "lower sorbian": "dsb", "dolnoserbski": "dsb",
    "englisch": "en", "english": "en", "polnisch": "pl", "polish": "pl", "polski": "pl",
    "tschechisch": "cs", "czech": "cs", "čeština": "cs", "cz": "cs", "ukrainisch": "uk",
    "ukrainian": "uk", "ua": "uk", "russisch": "ru", "russian": "ru", "arabisch": "ar",
    "arabic": "ar", "türkisch": "tr", "turkish": "tr", "französisch": "fr", "french": "fr",
    "spanisch": "es", "spanish": "es", "italienisch": "it", "italian": "it",
    "ger": "de", "deu": "de", "eng": "en", "pol": "pl", "ces": "cs", "cze": "cs",
}


@dataclass(frozen=True)
class Document:
    """One language of a notice."""

    lang: str
    title: str
    body: str  # Markdown
    path: Path
    summary: str | None = None
    image_alt: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)  # the whole front matter
    body_line: int = 1  # the file's line the body starts on (for line numbers in findings)


@dataclass(frozen=True)
class Message:
    """A notice in one or more languages, primary language first."""

    path: Path
    kind: Kind
    docs: tuple[Document, ...]
    link: str | None = None
    tags: tuple[str, ...] = ()
    image: Path | None = None
    channels: tuple[str, ...] = ()  # restrict targets; empty: all
    expires: str | None = None
    findings: tuple[Finding, ...] = ()  # found while loading (unknown keys, …)

    @property
    def primary(self) -> Document:
        return self.docs[0]

    @property
    def title(self) -> str:
        return self.primary.title

    @property
    def langs(self) -> tuple[str, ...]:
        return tuple(d.lang for d in self.docs)

    def doc(self, lang: str) -> Document | None:
        return next((d for d in self.docs if d.lang == lang), None)

    @property
    def meta(self) -> Mapping[str, Any]:
        return self.primary.meta

    @property
    def not_a_warning(self) -> str | None:
        """The reason given in ``not_a_warning:`` why a warning-sounding title is none."""
        said = self.primary.meta.get("not_a_warning")
        return said.strip() if isinstance(said, str) and said.strip() else None

    @property
    def content_hash(self) -> str:
        """Stable across runs and machines: what is said, not where the file lies."""
        payload = {
            "kind": self.kind,
            "link": self.link,
            "tags": list(self.tags),
            "image": _file_digest(self.image),
            "expires": self.expires,
            "docs": [
                {
                    "lang": d.lang,
                    "title": d.title,
                    "body": d.body.strip(),
                    "summary": d.summary,
                    "image_alt": d.image_alt,
                    # a warning message's CAP identifier and type: an update or all-clear
                    # with unchanged text is still a new message, never "already sent"
                    "meta": {k: d.meta[k] for k in sorted(WARNING_KEYS | _CAP_KEYS)
                             if k in d.meta},
                }
                for d in self.docs
            ],
        }
        raw = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _file_digest(path: Path | None) -> str | None:
    if path is None or not path.is_file():
        return None
    with open(path, "rb") as fh:  # in blocks: a huge file is refused later, not loaded here
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _image(value: Any, path: Path) -> tuple[Path | None, list[Finding]]:
    """The picture of ``image:``, only from the notice's folder or a folder below it: a
    notice must not be able to publish any picture the machine can read
    (``../../x.png``, an absolute path, a symlink that leads out)."""
    if value is None or value == "":
        return None, []
    if not isinstance(value, str):
        return None, [error("CC002", f"{path.name}: 'image' must be a file name")]
    image = Path(value)
    image = image if image.is_absolute() else path.parent / image
    folder = path.parent.resolve()
    try:
        inside = image.resolve().is_relative_to(folder)
    except (OSError, RuntimeError):  # a symlink loop
        inside = False
    if inside:
        return image, []
    return None, [error("CC007", f"{path.name}: image {value!r} lies outside the notice's "
                        f"folder {folder}; it is not published",
                        hint="put the picture in the notice's folder or a folder below it")]


def read_text(path: Path, what: str = N_("message file")) -> str:
    """Read a UTF-8 text file, or raise one InputError that says what is wrong with it.
    Only a regular file is read, and never more than MAX_BYTES of it (see read_limited)."""
    text = clean_controls(read_exact_text(path, what).removeprefix("\ufeff"))
    if not text.strip():
        raise InputError(N_("{path}: is empty").format(path=path))
    return text


def read_exact_text(path: Path, what: str = N_("message file")) -> str:
    """The file's text exactly as it is (a byte-order mark, controls and all): what
    ``citychan fmt`` changes and writes back. The same errors as :func:`read_text`."""
    try:
        raw = read_limited(path, MAX_BYTES)
    except NotRegular as exc:
        raise InputError(N_("{path}: {exc}, not a {what}").format(
                             path=path, exc=exc, what=what)) from None
    except TooLarge as exc:
        size = f"{exc.size:,} bytes is" if exc.size is not None else "is"
        raise InputError(N_("{path}: {size} too large for a {what} (limit {max_bytes:,} "
                            "bytes, 1 MiB)").format(
                             path=path, size=size, what=what, max_bytes=MAX_BYTES)) from None
    except ReadRefused as exc:
        raise InputError(N_("{path}: {exc}").format(path=path, exc=exc)) from None
    except FileNotFoundError:
        raise InputError(N_("{path}: no such file").format(path=path)) from None
    except PermissionError:
        raise InputError(N_("{path}: permission denied").format(path=path)) from None
    except OSError as exc:
        raise InputError(N_("{path}: cannot read ({value})").format(
                             path=path, value=exc.strerror or exc)) from None
    if b"\x00" in raw[:8192]:
        raise InputError(N_("{path}: is a binary file, not a Markdown {what}").format(
                             path=path, what=what))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(N_("{path}: is not UTF-8 text ({bad_byte})").format(
                             path=path, bad_byte=_bad_byte(raw, exc.start)),
                         hint=SAVE_AS_UTF8) from None


SAVE_AS_UTF8 = N_(
    "save the file as UTF-8 - Notepad: File > Save as, Encoding: UTF-8; LibreOffice: File > "
    "Save as, tick 'Edit filter settings', Character set: Unicode (UTF-8); VS Code: click "
    "the encoding in the status bar, 'Save with Encoding', UTF-8")


def _bad_byte(raw: bytes, offset: int) -> str:
    """Where the first byte that is not UTF-8 is, and what it is in Windows' Latin-1."""
    line = raw.count(b"\n", 0, offset) + 1
    byte = raw[offset]
    as_latin = bytes([byte]).decode("cp1252", errors="replace")
    guess = f", '{as_latin}' in Latin-1" if as_latin.isprintable() and byte >= 0xA0 else ""
    return f"line {line}: byte 0x{byte:02X}{guess}; the file is probably Latin-1 or Windows-1252"


def language_problem(lang: str) -> str | None:
    """Why ``lang`` is no language code, with the code meant when it can be guessed."""
    code = lang.strip().lower()
    if code in LANGUAGE_CODES or code.split("-")[0] in LANGUAGE_CODES and "-" in code:
        return None
    meant = LANGUAGE_NAMES.get(code)
    if meant is None:
        import difflib

        near = difflib.get_close_matches(code, list(LANGUAGE_NAMES), n=1, cutoff=0.75)
        meant = LANGUAGE_NAMES[near[0]] if near else None
    return f"'{lang}' is not a language code." + (f" Did you mean {meant}?" if meant else "")


def load_document(path: Path, default_lang: str) -> tuple[Document, list[Finding]]:
    text = read_text(path)
    meta, body = split_front_matter(text, path)
    body_line = text[: len(text) - len(body)].count("\n") + 1
    findings: list[Finding] = []
    for key in meta:
        if key not in KNOWN_KEYS:
            findings.append(
                error(
                    "CC001",
                    f"{path.name}: unknown front-matter key '{key}'."
                    + did_you_mean(key, KNOWN_KEYS),
                    hint="remove it or fix the spelling",
                )
            )
    title = meta.get("title")
    if title is None or (isinstance(title, str) and not title.strip()):
        import difflib

        keys = {str(k).lower(): str(k) for k in meta if str(k) != "title"}
        near = difflib.get_close_matches("title", list(keys), n=1, cutoff=0.6)
        written = f" ('{keys[near[0]]}' is not a key: did you mean 'title'?)" if near else ""
        raise InputError(N_("{path}: missing title in front matter{written}").format(
                             path=path, written=written),
                         hint=N_("add 'title: …'"))
    if not isinstance(title, str | int | float):
        raise InputError(N_("{path}: title must be text").format(path=path))
    for key in ("summary", "image_alt", "link", "lang", "not_a_warning"):
        if key in meta and meta[key] is not None and not isinstance(meta[key], str):
            findings.append(error(
                "CC002", f"{path.name}: '{key}' must be text, not a {_kind(meta[key])}",
                hint=f"write it on one line after '{key}: '; put it in quotes if it holds "
                     "': ' or starts with '-', '[' or '{'"))
    for key in ("expires", "effective"):
        _check_time(meta.get(key), key, path)
    said = meta.get("lang")
    lang = said if isinstance(said, str) else default_lang
    problem = language_problem(lang) if isinstance(said, str) else None
    if problem:
        findings.append(error("CC008", f"{path.name}: lang: {problem}",
                              hint="write a code: de, hsb (Upper Sorbian), dsb (Lower "
                                   "Sorbian), en, pl, cs, uk, …"))
    return Document(
        lang=lang,
        title=str(title).strip(),
        body=body,
        path=path,
        summary=meta.get("summary") if isinstance(meta.get("summary"), str) else None,
        image_alt=meta.get("image_alt") if isinstance(meta.get("image_alt"), str) else None,
        meta=meta,
        body_line=body_line,
    ), findings


def _kind(value: Any) -> str:
    return "list" if isinstance(value, list) else "table" if isinstance(value, dict) \
        else "value"


def _check_time(value: Any, key: str, path: Path) -> None:
    """A time that cannot mean anything (2026-02-30, 99999999d) makes the file unreadable,
    like broken YAML; whether it exists in the city's time zone is judged with the warning."""
    if value is None:
        return
    if not isinstance(value, str):
        raise InputError(N_("{path}: {key}: must be a time like 2h or 2026-11-28T16:00").format(
                             path=path, key=key))
    try:
        check_when_text(value)
    except UsageError as exc:
        raise InputError(N_("{path}: {key}: {message}").format(
                             path=path, key=key, message=exc.message), hint=exc.hint) from None


def translation_paths(primary: Path) -> dict[str, Path]:
    """Sibling files ``NAME.LANG.md`` of ``NAME.md``, by language."""
    base = primary.name.removesuffix(".md")
    return {
        lang: primary.parent / name
        for lang, name in sorted(_translations_in(primary.parent).get(base, {}).items())
    }


_LISTINGS: dict[tuple[str, int], dict[str, dict[str, str]]] = {}


def _translations_in(folder: Path) -> dict[str, dict[str, str]]:
    """base name -> {lang: file name} for one folder; listed once per folder and change, so
    checking a thousand notices in one folder does not list it a thousand times."""
    try:
        key = (str(folder.resolve()), folder.stat().st_mtime_ns)
    except OSError:
        return {}
    if key not in _LISTINGS:
        found: dict[str, dict[str, str]] = {}
        for name in os.listdir(folder):
            m = _LANG_SUFFIX.match(name)
            if m:
                found.setdefault(m.group("base"), {})[m.group("lang")] = name
        _LISTINGS[key] = found
    return _LISTINGS[key]


def primary_path(path: Path) -> Path:
    """Given ``notice.hsb.md`` whose ``notice.md`` exists, the primary file; else ``path``."""
    m = _LANG_SUFFIX.match(path.name)
    if m:
        candidate = path.with_name(m.group("base") + ".md")
        if candidate.is_file():
            return candidate
    return path


def load_message(
    path: str | Path, languages: tuple[str, ...] = ("de",), kind: Kind | None = None
) -> Message:
    """Load a notice with its translations. ``languages`` orders them (primary first)."""
    path = primary_path(Path(path))
    # a translation on its own (notice.hsb.md, no notice.md) is in the language its name says
    alone = _LANG_SUFFIX.match(path.name)
    primary, findings = load_document(path, alone.group("lang") if alone else languages[0])
    docs = [primary]
    for lang, tpath in translation_paths(path).items():
        if lang == primary.lang:  # f.md and f.de.md: which one is meant? never guess
            raise InputError(
                N_("{tpath}: a second '{lang}' text beside {name}, which is '{lang}' too").format(
                    tpath=tpath, lang=lang, name=path.name),
                hint=N_("keep one of the two files (a sibling NAME.{lang}.md is for a "
                        "language {name} is not in)").format(lang=lang, name=path.name))
        doc, more = load_document(tpath, lang)
        findings += more
        if doc.lang != lang:
            findings.append(
                error("CC002", f"{tpath.name}: says lang '{doc.lang}' but its name says '{lang}'")
            )
        for key in SHARED_KEYS:
            if key in doc.meta and key in primary.meta and doc.meta[key] != primary.meta[key]:
                findings.append(
                    warning(
                        "CC002", f"{tpath.name}: '{key}' differs from {path.name}; {path.name} wins"
                    )
                )
        docs.append(doc)
    order = {lang: i for i, lang in enumerate(languages)}
    docs = [primary] + sorted(docs[1:], key=lambda d: (order.get(d.lang, len(order)), d.lang))
    meta = primary.meta
    # a file with a warning level is a warning even without 'kind: warning'
    if kind is None:
        raw = str(meta.get("kind") or ("warning" if meta.get("level") else "info"))
        try:
            kind = Kind(raw)
        except ValueError:
            findings.append(
                error("CC002", f"{path.name}: kind must be 'info' or 'warning', not {raw!r}")
            )
            kind = Kind.INFO
    image, more = _image(meta.get("image"), path)
    findings += more
    tags = meta.get("tags") or ()
    tags = (tags,) if isinstance(tags, str) else tags
    channels = meta.get("channels") or ()
    channels = (channels,) if isinstance(channels, str) else channels
    if not isinstance(tags, list | tuple) or not isinstance(channels, list | tuple):
        findings.append(error("CC002", f"{path.name}: 'tags' and 'channels' must be lists"))
        tags, channels = (), ()
    expires = meta.get("expires")
    return Message(
        path=path,
        kind=kind,
        docs=tuple(docs),
        link=meta.get("link") if isinstance(meta.get("link"), str) else None,
        tags=tuple(str(t) for t in tags),
        image=image,
        channels=tuple(str(c) for c in channels),
        expires=str(expires) if expires is not None else None,
        findings=tuple(findings),
    )
