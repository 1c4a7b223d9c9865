"""Text that attacks the renderers: runs of punctuation that made the old algorithms
quadratic, and characters XML forbids on their way into HTML, Atom and e-mail."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from citychan.channels.base import Post
from citychan.channels.email import EmailChannel
from citychan.hygiene import clean_controls, xml_text
from citychan.kinds import Kind
from citychan.notices.message import load_message
from citychan.render.htmlout import attr, esc
from citychan.render.notice import message_links, render
from citychan.render.parse import parse, plain
from citychan.render.types import Dialect, Rendered, find_urls, trim_url
from tests.support.cli import cli
from tests.support.files import write

HOSTILE = st.text(st.characters(codec="utf-8") | st.sampled_from(
    "\x00\x01\x08\x0b\x0c\x1b\x7f\x85\x9b\ud800\udfff\ufffe\uffff\r\n\t"))


def test_url_followed_by_300000_closing_parens_is_one_link_and_checks(isolated: Path) -> None:
    body = "Siehe https://www.bautzen.de/" + ")" * 300_000 + "\n"
    write(isolated / "n.md", "---\ntitle: Klammern\n---\n" + body)
    assert message_links(load_message(isolated / "n.md")) == ["https://www.bautzen.de/"]
    assert find_urls(body) == ["https://www.bautzen.de/"]
    run = cli("check", "n.md")
    assert run.code == 0, run.stdout


def test_trim_url_keeps_the_parenthesis_a_url_opened() -> None:
    assert trim_url("https://de.wikipedia.org/wiki/Bautzen_(Stadt)).") == \
        "https://de.wikipedia.org/wiki/Bautzen_(Stadt)"
    assert trim_url("https://www.bautzen.de/a(b)c)))!?") == "https://www.bautzen.de/a(b)c"
    assert trim_url(")" * 10) == ""


def test_20000_stray_brackets_and_stars_all_stay_in_the_text() -> None:
    for char in "[*_!":
        [paragraph] = parse("a" + char * 20_000)
        assert plain(paragraph.children) == "a" + char * 20_000


@given(HOSTILE)
def test_any_text_in_html_is_well_formed_xml(text: str) -> None:
    element = ET.fromstring(f'<p title="{attr(text)}">{esc(text)}</p>')
    # an XML parser reads a lone CR as a line break; everything else comes back as it was
    expected = xml_text(text).replace("\r\n", "\n").replace("\r", "\n")
    assert (element.text or "") == expected
    assert element.get("title") == expected.replace("\n", " ").replace("\t", " ")
    assert unescape(esc(text)) == xml_text(text)


@given(HOSTILE)
def test_xml_text_removes_exactly_what_xml_forbids(text: str) -> None:
    cleaned = xml_text(text)
    assert all(c in "\t\n\r" or "\x20" <= c <= "\ud7ff" or "\ue000" <= c <= "\ufffd"
               or c >= "\U00010000" for c in cleaned)
    assert len(cleaned) == len(text) - sum(1 for c in text if c not in cleaned)
    assert xml_text(cleaned) == cleaned


@given(HOSTILE)
def test_clean_controls_leaves_no_terminal_escape(text: str) -> None:
    cleaned = clean_controls(text)
    assert not any(c in cleaned for c in "\x1b\x9b\x07\x00\r\x0b\x0c\x7f")
    assert xml_text(cleaned) == cleaned  # a cleaned text is fit for XML as it is


def test_feed_title_and_html_carry_nothing_xml_forbids(isolated: Path) -> None:
    write(isolated / "n.md", '---\ntitle: "Stadtfest\\x01 \\e[31m"\n---\nText\n')
    feed = render(load_message(isolated / "n.md"), Dialect.FEED)
    assert feed.title == "Stadtfest [31m"
    ET.fromstring(f"<entry><title>{esc(feed.title or '')}</title>"
                  f"<content>{esc(feed.html or '')}</content></entry>")


def test_email_with_controls_and_lone_surrogates_is_a_mail_that_can_be_sent() -> None:
    ch = EmailChannel("mail", host="127.0.0.1", port=25, security="none",
                      sender="presse@bautzen.de", recipients=("liste@bautzen.de",))
    post = Post(message_id="m" * 64, channel="mail", kind=Kind.INFO, title="x",
                rendered=Rendered(Dialect.EMAIL, "Text\x01 mit\ud800 Steuerzeichen\x1b",
                                  "<p>\x0bText\udfff</p>", title="Sperrung\x01\x1b[2J"),
                langs=("de",), idempotency_key="citychan-" + "0" * 32,
                sent=datetime(2026, 11, 28, 13, 5, tzinfo=UTC))
    raw = ch.build_message(post).as_bytes()
    assert b"Subject: Sperrung[2J" in raw
    assert b"\x01" not in raw and b"\x0b" not in raw
