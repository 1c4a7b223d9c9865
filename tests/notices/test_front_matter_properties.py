"""Front matter, for any text at all: what a person wrote comes back as that text (minus
control characters), or the file is refused with one InputError; never a number, a boolean,
a date, a crash or another exception."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from citychan.errors import InputError
from citychan.hygiene import clean_controls
from citychan.notices.frontmatter import split_front_matter

PATH = Path("n.md")


def texts_only(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and texts_only(v) for k, v in value.items())
    if isinstance(value, list):
        return all(texts_only(v) for v in value)
    return value is None or isinstance(value, str)


def read(file_text: str) -> tuple[dict[str, Any], str]:
    """As load_document reads a file: control characters go before YAML sees the text."""
    return split_front_matter(clean_controls(file_text), PATH)


# U+0085, U+2028 and U+2029 are line breaks to YAML, folded inside quotes like a newline
NO_YAML_BREAKS = st.characters(blacklist_characters="\x85\u2028\u2029",
                               blacklist_categories=("Cs",))


@given(st.text(NO_YAML_BREAKS))
def test_any_quoted_text_comes_back_as_written_without_controls(text: str) -> None:
    # a JSON string is a YAML double-quoted scalar with the same escapes
    quoted = json.dumps(text, ensure_ascii=False)
    meta, body = read(f"---\ntitle: {quoted}\n---\nBody\n")
    assert meta == {"title": clean_controls(text)}
    assert body == "Body\n"


# what people type on a plain line: words, digits, times, dots, signs, umlauts
PLAIN = st.text(alphabet=st.sampled_from("abcyesnoONTrueFalse0123456789.:-+_~ äöüßěł"),
                min_size=1, max_size=30).map(str.strip).filter(
    lambda s: s and not s.startswith(("-", ":", "~")) and ": " not in s and not s.endswith(":"))


@given(PLAIN)
def test_a_plain_value_stays_the_text_it_was(value: str) -> None:
    meta, _ = read(f"---\nsummary: {value}\n---\nx\n")
    expected = None if value in ("~", "null", "Null", "NULL") else value
    assert meta["summary"] == expected


def texts_or_one_error(yaml_text: str) -> None:
    try:
        meta, _ = read(f"---\n{yaml_text}\n---\nx\n")
    except InputError as exc:
        assert exc.message.startswith(f"{PATH}: ") and "\n" not in exc.message
        return
    assert texts_only(meta)


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_any_front_matter_is_texts_lists_and_tables_or_one_input_error(yaml_text: str) -> None:
    texts_or_one_error(yaml_text)


YAML_PIECES = st.sampled_from(["a: ", "- ", "[", "]", "{", "}", ", ", "&x ", "*x", "!!int ",
                               "? ", "\n", "  ", "'", '"', "yes", "12:30", ".nan", "2026-02-30",
                               "<<: ", "|\n  ", ">\n  ", "#", "%", "@", "`"])


@settings(max_examples=300)
@given(st.lists(YAML_PIECES, max_size=40).map("".join))
def test_yaml_syntax_soup_is_texts_or_one_input_error(yaml_text: str) -> None:
    texts_or_one_error(yaml_text)
