"""`citychan fmt` then reading the file keeps every front-matter value exactly as written:
a ' #' inside a title is text, not a comment that swallows the rest (found by review), and
so is every other character YAML would take as its own. A comment written as YAML style
guides write it (two spaces before '#') stays a comment."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from citychan.hygiene import clean_controls
from citychan.notices.fmt import format_notice
from citychan.notices.frontmatter import split_front_matter

NOTHING = {"", "~", "null", "Null", "NULL"}  # mean "no value" (notices.frontmatter)


def after_fmt(value: str, key: str = "title") -> object:
    text = format_notice(f"---\n{key}: {value}\nlang: de\n---\nText\n").text
    meta, body = split_front_matter(clean_controls(text), Path("n.md"))
    assert meta["lang"] == "de" and body == "Text\n"  # nothing else changed
    return meta[key]


# what a person types on one line: no line breaks (YAML also breaks at U+0085/2028/2029),
# no control characters (citychan drops them before YAML reads the file)
ONE_LINE = st.characters(blacklist_categories=("Cs", "Cc"),
                         blacklist_characters="\x85\u2028\u2029\ufeff")


@given(st.text(ONE_LINE, min_size=1, max_size=40))
@example("Sperrung Töpferstraße # bis Freitag")
@example("#1 in Sachsen")
@example("Achtung: Sperrung")
@example("yes")
@example("@stadt_bautzen")
@example("`code`")
@example("100 % sicher")
@example("a #b: c")
def test_every_plain_value_reads_back_as_written_after_fmt(value: str) -> None:
    value = value.strip()
    assume(value not in NOTHING and value == clean_controls(value))
    assume(value[0] not in "\"'[{|>")  # written as YAML on purpose: see the tests below
    assume("  #" not in value and "\t" not in value)  # a comment, as style guides write it
    assert after_fmt(value) == value


@pytest.mark.parametrize("value", [
    "Sperrung # bis Freitag", "#Stadtfest", "# 1 in Sachsen", "Wert: 5", "Ende:",
    "@rathaus", "`x`", "*wichtig*", "&Co", "!Achtung", "%20", "| Pipe", "> Zitat",
    "[Update] Straße frei", "{Eilmeldung} Brand", '"Achtung" sagt die Polizei',
    "'Achtung' sagt die Polizei", "- Punkt", "? Frage", ",Komma", "]x", "}x",
    'Er sagte "Stopp" # sofort', "C:\\Pfad # x",
])
def test_fmt_quotes_what_yaml_would_misread_and_the_text_comes_back(value: str) -> None:
    text = f"---\ntitle: {value}\n---\nText\n"
    assert format_notice(text).changed
    assert after_fmt(value) == value


@pytest.mark.parametrize(("value", "meant"), [
    ("yes", "yes"), ("no", "no"), ("on", "on"), ("off", "off"), ("12:30", "12:30"),
    ("2026-12-01", "2026-12-01"), ("0x1F", "0x1F"), ("Stadtfest 2026", "Stadtfest 2026"),
    ('"schon: zitiert"', "schon: zitiert"), ("'auch # zitiert'", "auch # zitiert"),
    ("[verkehr, bau]", ["verkehr", "bau"]), ("{de: Text}", {"de": "Text"}),
    ("medium  # low, medium, high", "medium"), ("~", None), ("null", None),
])
def test_fmt_leaves_values_yaml_reads_as_meant(value: str, meant: object) -> None:
    text = f"---\ntitle: {value}\n---\nText\n"
    assert not format_notice(text).changed
    assert after_fmt(value) == meant


def test_a_comment_after_a_quoted_value_stays_a_comment() -> None:
    text = "---\ntitle: Achtung: Sperrung  # Entwurf\nlevel: hoch # wegen Sturm\n---\nT\n"
    new = format_notice(text).text
    assert new == ('---\ntitle: "Achtung: Sperrung"  # Entwurf\n'
                   'level: "hoch # wegen Sturm"\n---\nT\n')


def test_a_block_text_stays_a_block_text() -> None:
    text = "---\ntitle: T\nsummary: |\n  Zeile # eins\n  Zeile: zwei\n---\nText\n"
    assert not format_notice(text).changed
