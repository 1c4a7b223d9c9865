"""The YAML front matter of a notice, read so that what a person wrote is what it says.

A YAML 1.1 reader turns ``title: yes`` into True, ``12:30`` into 750, ``.nan`` into a float
and ``2026-02-30`` into a crash. A notice is text for people, so here every value is text
exactly as written (or a list or table of texts); only an empty value, ``~`` and ``null``
mean "nothing". Refused with one line: aliases and anchors (a 377-byte "billion laughs"
would expand into gigabytes), nesting deeper than a notice needs, a key given twice (one of
the two would be dropped silently), and tags other than plain text (``!!int``, ``!!python``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from citychan.errors import InputError
from citychan.hygiene import clean_controls
from citychan.i18n import N_
from citychan.notices.fmt import fixed_line

MAX_DEPTH = 6  # a table of lists is 3 levels deep; a notice never needs more
_FRONT = re.compile(
    r"\A---[ \t]*\r?\n(?P<yaml>.*?)(?:\r?\n)?^(?:---|\.\.\.)[ \t]*$\r?\n?", re.S | re.M
)
_TAG = "tag:yaml.org,2002:"
_TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep"


class _Refused(Exception):
    """Valid YAML that a notice may not use; ``line`` counts from the first YAML line (0)."""

    def __init__(self, problem: str, mark: Any) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line: int | None = getattr(mark, "line", None)


def split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str]:
    """The front matter as a dict of texts, lists and tables, and the Markdown after it."""
    m = _FRONT.match(text)
    if not m:
        raise InputError(
            N_("{path}: missing front matter with a title").format(path=path),
            hint=N_("start the file with '---', 'title: …', '---'"),
        )
    meta = load_yaml(m.group("yaml"), path)
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise InputError(N_("{path}: front matter must be 'key: value' pairs, not a {kind}").format(
                             path=path, kind=_kind(meta)))
    return meta, text[m.end() :]


def load_yaml(text: str, path: Path) -> Any:
    """YAML as texts, lists and dicts (see the module docstring), or one InputError. Line
    numbers in messages count the file's lines (the YAML starts on line 2)."""
    import yaml

    loader = _loader_class()(text)
    try:
        return loader.get_single_data()
    except _Refused as exc:
        where = f" (line {exc.line + 2})" if exc.line is not None else ""
        raise InputError(N_("{path}: front matter{where}: {problem}").format(
                             path=path, where=where, problem=exc.problem),
                         hint=_fix_hint(text, exc.line, path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line if mark is not None else None
        where = f" (line {line + 2})" if line is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        if problem == "exceeded maximum nesting depth":  # libyaml's own limit, met first
            raise InputError(N_("{path}: front matter{where}: {too_deep}").format(
                                 path=path, where=where, too_deep=_TOO_DEEP)) from None
        raise InputError(N_("{path}: broken front matter{where}: {problem}").format(
                             path=path, where=where, problem=problem),
                         hint=_fix_hint(text, line, path)) from None
    finally:
        loader.dispose()


def _fix_hint(text: str, line: int | None, path: Path) -> str | None:
    """The broken line as it should read (a value with ``: `` in quotes), or the line as
    written when no fix is known: a person sees which line is meant."""
    lines = text.splitlines()
    if line is None or not 0 <= line < len(lines):
        return None
    fixed = fixed_line(lines[line])
    if fixed is None:
        return f"line {line + 2} reads: {lines[line].strip()}"
    return (f"put the text in quotes: {fixed.strip()}   (citychan fmt {path} does this "
            "for every such line)")


def _kind(value: Any) -> str:
    return "list" if isinstance(value, list) else "text" if isinstance(value, str) else "value"


@lru_cache(maxsize=1)
def _loader_class() -> type:
    """A loader with libyaml's parser when it is there (fast), our composer (no aliases, a
    depth limit), a resolver that knows only null, and constructors for text, lists and
    tables. Built on first use: PyYAML is imported only when a notice is read."""
    import yaml
    from yaml.composer import Composer
    from yaml.constructor import SafeConstructor
    from yaml.events import AliasEvent
    from yaml.resolver import BaseResolver

    class TextComposer(Composer):
        def compose_node(self, parent: Any, index: Any) -> Any:
            parser: Any = self  # the parser's methods come from the loader's other bases
            event = parser.peek_event()
            if parser.check_event(AliasEvent):
                raise _Refused(f"the alias *{event.anchor} is not allowed; write the value "
                               "out", event.start_mark)
            if event.anchor is not None:
                raise _Refused(f"the anchor &{event.anchor} is not allowed; write the value "
                               "out where it is needed", event.start_mark)
            self.depth = getattr(self, "depth", 0) + 1
            try:
                if self.depth > MAX_DEPTH:
                    raise _Refused(_TOO_DEEP, event.start_mark)
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    class TextResolver(BaseResolver):
        yaml_implicit_resolvers: dict[Any, Any] = {}
        yaml_path_resolvers: dict[Any, Any] = {}

    TextResolver.add_implicit_resolver(
        f"{_TAG}null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])

    class TextConstructor(SafeConstructor):
        yaml_multi_constructors: ClassVar[dict[Any, Any]] = {}

        def construct_text(self, node: Any) -> str:
            return clean_controls(str(self.construct_scalar(node)))

        def construct_table(self, node: Any) -> Any:
            data: dict[str, Any] = {}
            yield data
            for key_node, value_node in node.value:
                key = self.construct_object(key_node, deep=True)
                if not isinstance(key, str):
                    raise _Refused("a key must be a word, not a list, table or nothing",
                                   key_node.start_mark)
                if key in data:
                    raise _Refused(f"'{key}' is given twice; one would be lost",
                                   key_node.start_mark)
                data[key] = self.construct_object(value_node, deep=True)

        def construct_other(self, node: Any) -> Any:
            raise _Refused(f"the tag {node.tag.replace(_TAG, '!!')} is not allowed; write "
                           "plain text", node.start_mark)

    # only these, none inherited: no int, float, bool, timestamp, binary, set, omap, merge
    TextConstructor.yaml_constructors = {
        f"{_TAG}null": SafeConstructor.construct_yaml_null,
        f"{_TAG}str": TextConstructor.construct_text,
        f"{_TAG}seq": SafeConstructor.construct_yaml_seq,
        f"{_TAG}map": TextConstructor.construct_table,
        None: TextConstructor.construct_other,
    }

    if getattr(yaml, "__with_libyaml__", False):
        from yaml._yaml import CParser

        class FastLoader(TextComposer, CParser, TextConstructor, TextResolver):
            def __init__(self, stream: str) -> None:
                CParser.__init__(self, stream)
                TextComposer.__init__(self)
                TextConstructor.__init__(self)
                TextResolver.__init__(self)

        return FastLoader

    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class PureLoader(Reader, Scanner, Parser, TextComposer, TextConstructor, TextResolver):
        # PyYAML's own scanner looks ahead through every '[' of '[[[[…' and checks all of
        # them at each step (quadratic); it stops here, as libyaml stops at its own limit.
        def fetch_flow_collection_start(self, TokenClass: Any) -> None:
            if self.flow_level >= MAX_DEPTH:
                raise _Refused(_TOO_DEEP, self.get_mark())
            super().fetch_flow_collection_start(TokenClass)

        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            TextComposer.__init__(self)
            TextConstructor.__init__(self)
            TextResolver.__init__(self)

    return PureLoader
