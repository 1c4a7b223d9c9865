"""Rendering: golden files for every example in every dialect, plus properties per dialect.

Regenerate the goldens with ``CITYCHAN_UPDATE_GOLDEN=1 pytest tests/render/test_render.py`` and read
the diff: the files are what a citizen sees.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from citychan.channels.base import Dialect, Rendered
from citychan.notices.message import Message, load_message
from citychan.render.notice import message_links, render, render_summary
from citychan.render.parse import Node, parse, walk
from tests.support.files import EXAMPLES, GOLDEN
from tests.support.render import TagChecker, synthetic, url_map

# Read at import: the autouse isolation fixture removes CITYCHAN_* variables from tests.
UPDATE = os.environ.get("CITYCHAN_UPDATE_GOLDEN") == "1"
NAMES = ["strassensperrung", "wertstoffhof", "stadtfest", "buergerbuero", "stadtrat-bericht",
         "spielplatz"]
HTML_DIALECTS = {Dialect.MATRIX, Dialect.EMAIL, Dialect.FEED}
TITLE_FIELD = {Dialect.NTFY, Dialect.EMAIL, Dialect.FEED}
SORBIAN = "ěłćřžčš"


def example(name: str) -> Message:
    return load_message(EXAMPLES / f"{name}.md", languages=("de", "hsb"))


def all_out(r: Rendered) -> str:
    return r.text + (r.html or "")


def check_golden(path: Path, actual: str) -> None:
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.is_file(), f"missing golden {path.name}: run with CITYCHAN_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8"), f"{path.name} differs from the golden"


# --- golden files ---------------------------------------------------------------------------

@pytest.mark.parametrize("dialect", list(Dialect), ids=str)
@pytest.mark.parametrize("name", NAMES)
def test_golden(name: str, dialect: Dialect) -> None:
    r = render(example(name), dialect, url_map=url_map)
    check_golden(GOLDEN / f"{name}.{dialect}.txt", r.text)
    if dialect in HTML_DIALECTS:
        check_golden(GOLDEN / f"{name}.{dialect}.html", r.html or "")
    else:
        assert r.html is None


@pytest.mark.parametrize("dialect", list(Dialect), ids=str)
def test_golden_summary(dialect: Dialect) -> None:
    r = render_summary(example("stadtrat-bericht"), dialect, url_map=url_map)
    check_golden(GOLDEN / f"stadtrat-bericht.summary.{dialect}.txt", r.text)
    if dialect in HTML_DIALECTS:
        check_golden(GOLDEN / f"stadtrat-bericht.summary.{dialect}.html", r.html or "")


def test_examples_are_what_the_brief_promises() -> None:
    bilingual = example("strassensperrung")
    assert bilingual.langs == ("de", "hsb")
    hsb = bilingual.doc("hsb")
    assert hsb is not None and set(SORBIAN) <= set(hsb.title + hsb.body)
    for name in NAMES:
        m = example(name)
        assert not m.findings, (name, m.findings)
        assert not re.search(r"warnung|gefahr|alarm|⚠|🚨", " ".join(d.title for d in m.docs), re.I)
        for url in message_links(m):
            host = re.match(r"(?:https?://([^/]+)|mailto:[^@]+@(.+))", url)
            assert host and (host.group(1) or host.group(2)).endswith(("bautzen.de", "budysin.de"))
    report = example("stadtrat-bericht")
    assert report.primary.summary and report.link
    assert len(render(report, Dialect.WHATSAPP).text) > 4096
    pic = example("spielplatz")
    assert pic.image is not None and pic.image.read_bytes().startswith(b"\x89PNG")
    assert pic.primary.image_alt
    assert any("utm_source" in u and "fbclid" in u for u in message_links(example("wertstoffhof")))


# --- WhatsApp ---------------------------------------------------------------------------------

TRICKY = """# Große Überschrift mit **fett**

Text mit **fett**, __auch fett__, *kursiv*, ~~weg~~, `code` und [Seite](https://www.bautzen.de/a).

## Zweite **Ebene**

- [Link in Liste](https://www.bautzen.de/b)
  - **verschachtelt** mit [noch einem](https://www.bautzen.de/c)

> ### Überschrift im Zitat
> Zitat mit [Link](https://www.bautzen.de/d)

![Plan der Umleitung](https://www.bautzen.de/plan.png)
"""


@pytest.mark.parametrize("name", NAMES + ["<tricky>"])
def test_whatsapp_has_no_markdown_syntax(name: str) -> None:
    m = synthetic(TRICKY) if name == "<tricky>" else example(name)
    text = render(m, Dialect.WHATSAPP, url_map=url_map).text
    assert "**" not in text and "__" not in text and "](" not in text and "~~" not in text
    assert not any(line.lstrip("> ").startswith("#") for line in text.splitlines())


def test_whatsapp_marks_links_and_lists() -> None:
    text = render(synthetic(TRICKY), Dialect.WHATSAPP).text
    assert text.startswith("*Hinweis*\n\n*Große Überschrift mit fett*\n")
    assert "Text mit *fett*, *auch fett*, _kursiv_, ~weg~, ```code``` und " \
           "Seite: https://www.bautzen.de/a." in text
    assert "- Link in Liste: https://www.bautzen.de/b\n  - *verschachtelt* mit noch einem: " \
           "https://www.bautzen.de/c" in text
    assert "> *Überschrift im Zitat*\n>\n> Zitat mit Link: https://www.bautzen.de/d" in text
    assert "Plan der Umleitung: https://www.bautzen.de/plan.png" in text  # alt text kept


def test_whatsapp_keeps_spaces_outside_marks() -> None:
    # WhatsApp shows `*Termin: *` literally: the space must go outside the marks
    text = render(synthetic("**Termin:&#32;**."), Dialect.WHATSAPP).text
    assert "*Termin:* ." in text


# --- Telegram ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES + ["<tricky>", "<hostile>"])
def test_telegram_uses_only_allowed_tags_balanced(name: str) -> None:
    if name == "<tricky>":
        m = synthetic(TRICKY)
    elif name == "<hostile>":
        m = synthetic("<script>x</script> <p>a</p> & 1 < 2 > 0 <br>", title="<b>Fett</b> & Co")
    else:
        m = example(name)
    text = render(m, Dialect.TELEGRAM, url_map=url_map).text
    checker = TagChecker()
    checker.feed(text)
    checker.close()
    assert not checker.problems and not checker.stack, (checker.problems, checker.stack)
    assert not re.search(r"&(?!amp;|lt;|gt;|quot;)", text), "a bare & would break parse_mode=HTML"


@pytest.mark.parametrize("dialect", sorted(HTML_DIALECTS), ids=str)
@pytest.mark.parametrize("name", NAMES + ["<tricky>"])
def test_html_is_balanced(name: str, dialect: Dialect) -> None:
    m = synthetic(TRICKY) if name == "<tricky>" else example(name)
    html = render(m, dialect, url_map=url_map).html
    assert html is not None
    checker = TagChecker(allowed=None)
    checker.feed(html)
    checker.close()
    assert not checker.problems and not checker.stack, (checker.problems, checker.stack)


def test_telegram_flattens_nested_quotes() -> None:
    text = render(synthetic("> außen\n>\n> > innen <blockquote>"), Dialect.TELEGRAM).text
    assert text.endswith("<blockquote>außen\n\ninnen &lt;blockquote&gt;</blockquote>")


def test_telegram_escapes_and_formats() -> None:
    m = synthetic("A & B <i>nicht kursiv</i>\n\n- eins\n- [zwei](https://www.bautzen.de/?a=1&b=2)",
                  title="Fischer & Söhne")
    text = render(m, Dialect.TELEGRAM).text
    assert text.startswith("<b>Fischer &amp; Söhne</b>\n\n")
    assert "A &amp; B &lt;i&gt;nicht kursiv&lt;/i&gt;" in text
    assert '• eins\n• <a href="https://www.bautzen.de/?a=1&amp;b=2">zwei</a>' in text


# --- HTML dialects ----------------------------------------------------------------------------

HOSTILE_TITLE = "<script>alert(1)</script>"
HOSTILE_BODY = "Text <script>alert(2)</script> und <img src=x onerror=alert(3)>\n\n" \
               "[klick](https://www.bautzen.de/\"onmouseover=\"alert(4))"


@pytest.mark.parametrize("dialect", sorted(HTML_DIALECTS | {Dialect.TELEGRAM}), ids=str)
def test_html_escapes_script_in_title_and_body(dialect: Dialect) -> None:
    r = render(synthetic(HOSTILE_BODY, title=HOSTILE_TITLE), dialect)
    html = r.html if dialect in HTML_DIALECTS else r.text
    assert html is not None
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert 'onmouseover="' not in html
    if dialect is not Dialect.FEED:  # the feed entry carries its title separately
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert r.title == HOSTILE_TITLE  # the title field stays text; the channel escapes it


def test_email_is_a_complete_document() -> None:
    r = render(example("strassensperrung"), Dialect.EMAIL, url_map=url_map)
    assert r.html is not None and r.html.startswith("<!DOCTYPE html>\n<html lang=\"de\">")
    assert '<meta charset="utf-8">' in r.html and r.html.rstrip().endswith("</html>")
    assert f"<title>{r.title}</title>" in r.html
    assert '<div lang="hsb">' in r.html
    assert r.text.startswith("Vollsperrung der Töpferstraße")


def test_matrix_plain_body_and_formatted_body() -> None:
    r = render(synthetic("## Teil\n\n**fett** [x](https://www.bautzen.de/x)"), Dialect.MATRIX)
    assert r.text == "Hinweis\n\nTeil\n\nfett x: https://www.bautzen.de/x"
    assert r.html == ('<h3>Hinweis</h3>\n<h4>Teil</h4>\n<p><strong>fett</strong> '
                      '<a href="https://www.bautzen.de/x">x</a></p>\n')


# --- properties of every dialect --------------------------------------------------------------

def _urls(text: str) -> list[str]:
    return re.findall(r"(?:https?|mailto):[^\s\"<>)\]]+", text)


@pytest.mark.parametrize("dialect", list(Dialect), ids=str)
@pytest.mark.parametrize("name", NAMES)
def test_url_map_is_applied_to_every_link(name: str, dialect: Dialect) -> None:
    seen: list[str] = []

    def mark(url: str) -> str:
        seen.append(url)
        return f"https://mapped.bautzen.de/{len(seen)}"

    m = example(name)
    r = render(m, dialect, url_map=mark)
    out = all_out(r)
    http_links = [u for u in message_links(m) if u.startswith("http")]
    assert set(http_links) <= set(seen)
    leftover = [u for u in _urls(out) if not u.startswith(("https://mapped.", "mailto:"))]
    assert not leftover, leftover


@pytest.mark.parametrize("dialect", list(Dialect), ids=str)
def test_tracking_parameters_never_reach_output(dialect: Dialect) -> None:
    out = all_out(render(example("wertstoffhof"), dialect, url_map=url_map))
    assert "utm_" not in out and "fbclid" not in out
    assert "https://www.bautzen.de/abfall/wertstoffhof" in out
    assert "https://www.bautzen.de/abfall/kalender" in out


@pytest.mark.parametrize("dialect", list(Dialect), ids=str)
def test_sorbian_letters_survive(dialect: Dialect) -> None:
    r = render(example("strassensperrung"), dialect, ("de", "hsb"), url_map=url_map)
    for part in (r.text, r.html) if dialect in HTML_DIALECTS else (r.text,):
        assert set(SORBIAN) <= set(part), dialect
    assert r.title and r.title.endswith(" / Töpferstraße je wot 7. do 18. decembra zawrjena")


@pytest.mark.parametrize("dialect", list(Dialect), ids=str)
def test_language_order_follows_langs(dialect: Dialect) -> None:
    m = example("strassensperrung")
    de, hsb = m.docs[0].title, m.docs[1].title
    body_de, body_hsb = "Wegen Arbeiten", "Dla dźěłow"
    for langs, first, second in ((("de", "hsb"), body_de, body_hsb),
                                 (("hsb", "de"), body_hsb, body_de)):
        r = render(m, dialect, langs)
        out = all_out(r)
        assert 0 <= r.text.index(first) < r.text.index(second)
        assert out.count(first) == out.count(second)
        assert r.title == " / ".join((de, hsb) if langs[0] == "de" else (hsb, de))
    only = render(m, dialect, ("hsb", "en"))
    assert body_de not in all_out(only) and body_hsb in only.text
    assert "Mehr:" not in only.text  # no German label on a Sorbian-only post
    assert "https://www.bautzen.de/verkehr/baustellen/toepferstrasse" in \
        only.text.rstrip().splitlines()[-1]
    with pytest.raises(ValueError):
        render(m, dialect, ("en",))


@pytest.mark.parametrize("dialect", list(Dialect), ids=str)
def test_link_appears_once_at_the_end(dialect: Dialect) -> None:
    r = render(example("strassensperrung"), dialect, url_map=url_map)
    link = "https://www.bautzen.de/verkehr/baustellen/toepferstrasse"
    last = r.text.rstrip().splitlines()[-1]
    assert last.startswith("Mehr: ") and link in last
    assert r.text.count(link) == (2 if dialect is Dialect.TELEGRAM else 1)  # href + visible


@pytest.mark.parametrize("dialect", sorted(TITLE_FIELD), ids=str)
def test_title_field_dialects_do_not_repeat_a_single_title(dialect: Dialect) -> None:
    m = example("buergerbuero")
    r = render(m, dialect)
    assert r.title == m.title
    if dialect is not Dialect.EMAIL:  # the e-mail body is a document with its own heading
        assert m.title not in r.text


@pytest.mark.parametrize("name", NAMES)
def test_markdown_output_means_the_same_as_the_source(name: str) -> None:
    m = example(name)
    for doc in m.docs:
        out = render(m, Dialect.NTFY, (doc.lang,)).text
        if m.link:
            out = out.rstrip().rsplit("\n\n", 1)[0]  # the "Mehr:" line is added on purpose
        assert _shape(parse(out)) == _shape(parse(doc.body))


def _shape(nodes: tuple[Node, ...]) -> list[tuple[str, str, str]]:
    return [(n.kind, n.text, n.href) for n in walk(nodes) if n.kind != "softbreak"]


def test_markdown_escapes_literal_markup() -> None:
    source = ("Preis: 5 \\* 3 \\_nicht kursiv\\_ \\[kein Link\\](x) \\# keine\n\n"
              "1\\. Reihe ist Text\n\n- 24\\. Dezember\n- \\# 1\n\n\\---\n\n\\> kein Zitat &amp;c")
    out = render(synthetic(source), Dialect.MARKDOWN).text
    assert out.startswith("# Hinweis\n\n")
    assert _shape(parse(out.split("\n\n", 1)[1])) == _shape(parse(source))


# --- summary, links, measuring ----------------------------------------------------------------

def test_summary_is_title_summary_and_link() -> None:
    m = example("stadtrat-bericht")
    r = render_summary(m, Dialect.WHATSAPP, url_map=url_map)
    assert r.text == (f"*{m.title}*\n\n{m.primary.summary}\n\n"
                      "Mehr: https://www.bautzen.de/rathaus/stadtrat/berichte/2026-11-26")
    assert len(r.text) <= 1024


def test_summary_without_summary_field_keeps_title_and_link() -> None:
    m = synthetic("Langer Text " * 50, title="Kurz", link="https://www.bautzen.de/k",
                  hsb=("Krótko", "Dołhi tekst"))
    assert render_summary(m, Dialect.PLAIN).text == \
        "Kurz\n\n———\n\nKrótko\n\nMehr: https://www.bautzen.de/k"


def test_message_links_finds_every_kind_of_link() -> None:
    m = synthetic("[a](https://www.bautzen.de/a) <https://www.bautzen.de/b> "
                  "https://www.bautzen.de/c?utm_source=x. <info@bautzen.de> "
                  "![bild](https://www.bautzen.de/d.png) `https://www.bautzen.de/code`",
                  link="https://www.bautzen.de/e", hsb=("T", "https://budysin.de/f"))
    assert message_links(m) == [
        "https://www.bautzen.de/a", "https://www.bautzen.de/b",
        "https://www.bautzen.de/c?utm_source=x", "mailto:info@bautzen.de",
        "https://www.bautzen.de/d.png", "https://budysin.de/f", "https://www.bautzen.de/e"]


def test_parse_is_cached_and_markdown_it_is_lazy() -> None:
    assert parse("**x** unique-cache-probe") is parse("**x** unique-cache-probe")
    code = "import sys, citychan.render; print('markdown_it' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_whatsapp_title_with_stars_or_a_line_break_stays_one_bold_line() -> None:
    from citychan.render.whatsapp import _bold_line

    line = _bold_line("Sperrung *neu*\nab Montag")
    assert line == "*Sperrung \u2217neu\u2217 ab Montag*" and "**" not in line
