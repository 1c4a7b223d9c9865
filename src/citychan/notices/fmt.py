"""Help while writing: the front-matter lines YAML would refuse or misread, put in quotes,
and the date lines Markdown would turn into a numbered list, escaped. ``citychan fmt``
writes these fixes; the rules and the front-matter errors show the same corrected line.
Nothing else in a file changes, byte for byte.

``title: Achtung: Töpferstraße gesperrt`` is no text for YAML (a second ``: `` starts a
table), so it becomes ``title: "Achtung: Töpferstraße gesperrt"``. ``- 24. November: Abfuhr``
is a bullet holding a list that starts at 24, and ``8. Dezember`` under it would be printed as
``25.``; ``- 24\\. November: Abfuhr`` stays the text it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from citychan.i18n import N_

# `key: value` on one line of the front matter; a key is a plain word
_KEY_LINE = re.compile(r"^(?P<head>[ \t]*(?:-[ \t]+)?[A-Za-z_][\w-]*:[ \t]+)(?P<value>.*?)"
                       r"(?P<tail>[ \t]*(?:\r?\n)?)$")
# a comment as YAML style guides write it (yamllint: two spaces before '#'), or after a tab;
# ' #' after a single space is taken as text a person wrote ("Sperrung # bis Freitag")
_COMMENT = re.compile(r"(?: {2,}|[ ]*\t[ \t]*)#")
# a value written as YAML on purpose: quoted, a list or table, a block text
_DELIBERATE = "\"'[{|>"
_NOTHING = frozenset({"~", "null", "Null", "NULL"})  # "no value", as notices.frontmatter reads it
_NUMBERED = re.compile(r"^[ \t>]*(?:[-*+][ \t]+)*\d{1,9}[.)][ \t]", re.M)
_LINES = re.compile(r"[^\n]*\n|[^\n]+$")
_FRONT_END = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$")

# Month names (German; Upper and Lower Sorbian stems) that make "24. November" a date
MONTHS = ("januar", "jänner", "februar", "märz", "maerz", "april", "mai", "juni", "juli",
          "august", "september", "oktober", "november", "dezember", "jan", "feb", "mär",
          "apr", "jun", "jul", "aug", "sep", "sept", "okt", "nov", "dez",
          # hsb / dsb (januara, měrca, meje, …)
          "měrc", "měrca", "apryl", "apryla", "meja", "meje", "junij", "junija", "julij",
          "julija", "awgust", "awgusta", "nowember", "nowembra", "december", "decembra",
          "septembra", "oktobra", "januara", "februara")


def quoted(value: str) -> str:
    """``value`` as a double-quoted YAML scalar (the same text when read back)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def needs_quotes(value: str) -> bool:
    """Whether the one-line value ``value`` (without a comment) is not read back by YAML as
    the text written: a ``: `` or ``' #'`` inside it, an indicator at its start
    (``@``, ``*``, ``&``, ``!``, ``%``, ``#``, ``,`` …). Quoted text, lists and tables
    (``[a, b]``) and block texts (``|``) that YAML reads are left as written, and so are
    ``~`` and ``null`` (they mean "no value")."""
    if not value or value in _NOTHING:
        return False
    read = _read_plain(value)
    if read == value:
        return False
    return not (value[0] in _DELIBERATE and read is not None)


def split_comment(value: str, gap: str = " ") -> tuple[str, str]:
    """``value`` as the text and the YAML comment after it (``"medium", "  # low, …"``);
    ``gap`` is the white space between the key's ``:`` and the value."""
    if value.startswith("#") and (len(gap) >= 2 or "\t" in gap):
        return "", value
    m = _COMMENT.search(value)
    return (value[: m.start()], value[m.start():]) if m else (value, "")


def _read_plain(value: str) -> object:
    """What YAML reads from ``key: value`` (every scalar as text); None when it refuses."""
    import yaml  # heavy: only when a front-matter line is looked at

    loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
    try:
        data = yaml.load(f"k: {value}\n", Loader=loader)  # noqa: S506 - BaseLoader: text only
    except yaml.YAMLError:
        return None
    return data.get("k", None) if isinstance(data, dict) and len(data) == 1 else None


def fixed_line(line: str) -> str | None:
    """The front-matter line with its value in quotes, or None when it needs none; a YAML
    comment after the value (two spaces before ``#``) stays a comment."""
    m = _KEY_LINE.match(line)
    if m is None:
        return None
    head = m.group("head")
    gap = head[len(head.rstrip(" \t")):]
    text, comment = split_comment(m.group("value"), gap)
    if not needs_quotes(text):
        return None
    return head + quoted(text) + comment + m.group("tail")


@dataclass(frozen=True)
class Change:
    """One line ``fmt`` changes; ``line`` counts from 1 (the file's first line)."""

    line: int
    old: str
    new: str
    why: str


@dataclass(frozen=True)
class Formatted:
    text: str
    changes: tuple[Change, ...]

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def format_notice(text: str) -> Formatted:
    """The notice with every fix applied; ``changes`` says which lines and why."""
    lines = _LINES.findall(text)  # only \n ends a line, as for YAML and Markdown
    changes: list[Change] = []
    body_start = _front_matter_end(lines)
    for i in range(1, body_start - 1 if body_start else 0):
        new = fixed_line(lines[i])
        if new is not None and not _continues(lines, i, body_start - 1):
            changes.append(Change(i + 1, lines[i], new, N_("quoted")))
    if body_start:
        body = "".join(lines[body_start:])
        for item in date_list_items(body):
            i = body_start + item.line
            new = escape_number(lines[i], item.number)
            if new != lines[i] and all(c.line != i + 1 for c in changes):
                changes.append(Change(i + 1, lines[i], new, N_("date escaped")))
    for c in changes:
        lines[c.line - 1] = c.new
    return Formatted("".join(lines), tuple(sorted(changes, key=lambda c: c.line)))


def _front_matter_end(lines: list[str]) -> int:
    """The index of the first body line (after the closing ``---``), or 0 without front
    matter."""
    if not lines or lines[0].removeprefix("\ufeff").rstrip() != "---":
        return 0
    for i in range(1, len(lines)):
        if _FRONT_END.match(lines[i].rstrip("\n")):
            return i + 1
    return 0


def _continues(lines: list[str], i: int, end: int) -> bool:
    """Whether the value on line ``i`` goes on in the next line (more indented, no key):
    quoting only its first line would break it."""
    if i + 1 >= end:
        return False
    nxt = lines[i + 1]
    indent = len(lines[i]) - len(lines[i].lstrip(" "))
    return bool(nxt.strip()) and len(nxt) - len(nxt.lstrip(" ")) > indent \
        and _KEY_LINE.match(nxt) is None


@dataclass(frozen=True)
class DateItem:
    """A line of Markdown that starts a numbered list with a date: ``line`` counts from 0
    in the body; ``number`` as written; ``shown``: the number a reader gets instead."""

    line: int
    number: int
    shown: int
    text: str  # the line as written, without its line break


def date_list_items(body: str) -> list[DateItem]:
    """Every numbered-list item of ``body`` that is really a date (``24. November``)."""
    if not _NUMBERED.search(body):  # most notices: no line starts with a number at all
        return []
    tokens = _parser().parse(body)
    lines = body.splitlines()
    out: list[DateItem] = []
    for i, tok in enumerate(tokens):
        if tok.type != "ordered_list_open":
            continue
        start = int(tok.attrGet("start") or 1)
        n = 0
        for j in range(i + 1, len(tokens)):
            item = tokens[j]
            if item.type == "ordered_list_close" and item.level == tok.level:
                break
            if item.type != "list_item_open" or item.level != tok.level + 1:
                continue
            number = int(item.info or start + n)
            content = next((t.content for t in tokens[j + 1:] if t.type == "inline"), "")
            if _starts_with_month(content) and item.map:
                out.append(DateItem(item.map[0], number, start + n, lines[item.map[0]]))
            n += 1
    return out


def _starts_with_month(content: str) -> bool:
    word = re.match(r"[^\W\d_]+", content.strip())
    return word is not None and word.group(0).casefold() in MONTHS


def escape_number(line: str, number: int) -> str:
    """``- 24. November`` -> ``- 24\\. November``: the first list number on the line."""
    return re.sub(rf"^([ \t>]*(?:[-*+][ \t]+|\d{{1,9}}\\?[.)][ \t]+)*?)0*{number}\.",
                  lambda m: f"{m.group(0)[:-1]}\\.", line, count=1)


@lru_cache(maxsize=1)
def _parser() -> Any:
    from markdown_it import MarkdownIt  # heavy: only when a body is looked at

    return MarkdownIt("commonmark", {"html": False})
