"""The poster's layout holds for awkward content: long URLs, long city names, wide logos.
Every printed character is located with pdfium and must lie inside the page margins."""

from __future__ import annotations

from pathlib import Path

import pytest

from citychan.errors import UsageError
from citychan.qr.fonts import load_font
from citychan.qr.poster import PAPERS
from citychan.qr.textfit import fit_url
from tests.support.qr import URL, decode_pdf, make, pdf_text_and_size, qr_config

MM_PER_PT = 25.4 / 72
LONG_URL = ("https://www.bautzen.de/aktuelles/warnungen-und-hinweise/hochwasser-spree-2024/"
            "abonnieren?quelle=plakat&medium=druck&aushang=rathaus-erdgeschoss")  # no utm_*
LONG_NAMES = {"de": "Bautzen (Oberlausitz)", "hsb": "Budyšin (Hornja Łužica)"}


def char_extents(path: Path) -> list[tuple[str, float, float]]:
    """Every printed character with its left and right edge in mm from the page's left."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        text = pdf[0].get_textpage()
        out = []
        for i in range(text.count_chars()):
            ch = text.get_text_range(i, 1)
            if ch.strip():
                left, _, right, _ = text.get_charbox(i)
                out.append((ch, left * MM_PER_PT, right * MM_PER_PT))
        return out
    finally:
        pdf.close()


def image_extents(path: Path) -> list[tuple[float, float]]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return [(o.get_bounds()[0] * MM_PER_PT, o.get_bounds()[2] * MM_PER_PT)
                for o in pdf[0].get_objects() if isinstance(o, pdfium.PdfImage)]
    finally:
        pdf.close()


def assert_inside_margins(path: Path, paper: str) -> None:
    width = PAPERS[paper][0]
    margin = 14 * width / 210
    chars = char_extents(path)
    assert chars
    outside = [(ch, round(left, 1), round(right, 1)) for ch, left, right in chars
               if left < margin - 0.2 or right > width - margin + 0.2]
    assert outside == [], f"text outside the {margin:.1f} mm margins: {outside[:8]}"
    for left, right in image_extents(path):
        assert margin - 0.2 <= left and right <= width - margin + 0.2, (left, right)


def one_line(path: Path) -> str:
    """The page's text with line breaks removed, so a URL broken over lines reads whole."""
    return pdf_text_and_size(path)[0].replace("\r", "").replace("\n", "")


# --- the URL under the main code --------------------------------------------------------------

@pytest.mark.parametrize("paper", ["a4", "a5", "a6"])
def test_long_url_is_broken_over_lines_inside_the_margins(isolated, paper: str) -> None:
    result = make(qr_config(isolated), "p.pdf", url=LONG_URL, paper=paper)
    assert_inside_margins(isolated / "p.pdf", paper)
    assert LONG_URL in one_line(isolated / "p.pdf")  # printed whole, not cut off
    assert LONG_URL in decode_pdf(isolated / "p.pdf", dpi=300)
    assert result.url == LONG_URL


def test_url_lines_break_only_after_a_slash_or_before_query_parts() -> None:
    size, lines = fit_url(load_font("regular"), LONG_URL, 91.0, 6.0, 6.0)
    assert "".join(lines) == LONG_URL and len(lines) > 1
    for line, following in zip(lines, lines[1:], strict=False):
        assert line.endswith("/") or following[0] in "?&#", (line, following)


def test_url_too_long_to_print_legibly_is_refused(isolated) -> None:
    url = "https://bautzen.de/" + "x" * 400  # nowhere to break it
    with pytest.raises(UsageError, match="too long to print under the code on A6") as err:
        make(qr_config(isolated), "p.pdf", url=url, paper="a6")
    assert "larger --paper" in (err.value.hint or "")
    assert not (isolated / "p.pdf").exists()


# --- the header -------------------------------------------------------------------------------

def test_wide_logo_is_capped_and_the_names_stay_on_the_page(isolated) -> None:
    from PIL import Image

    Image.new("RGBA", (2000, 200), (180, 20, 40, 255)).save(isolated / "wordmark.png")
    make(qr_config(isolated), "p.pdf", logo=isolated / "wordmark.png")
    assert_inside_margins(isolated / "p.pdf", "a4")
    text = pdf_text_and_size(isolated / "p.pdf")[0]
    assert "Stadt Bautzen" in text and "Město Budyšin" in text
    assert URL in decode_pdf(isolated / "p.pdf", dpi=300)


@pytest.mark.parametrize("paper", ["a4", "a5", "a6"])
def test_long_city_names_stay_inside_the_margins(isolated, paper: str) -> None:
    make(qr_config(isolated, names=LONG_NAMES), "p.pdf", paper=paper)
    assert_inside_margins(isolated / "p.pdf", paper)
    text = pdf_text_and_size(isolated / "p.pdf")[0].replace("\r\n", " ")
    assert "Stadt Bautzen (Oberlausitz)" in text and "Město Budyšin (Hornja Łužica)" in text


def test_city_name_that_cannot_fit_is_refused(isolated) -> None:
    names = {"de": "Bautzen", "hsb": "Budyšin" * 12}
    with pytest.raises(UsageError, match="city names do not fit in the poster header on A6"):
        make(qr_config(isolated, names=names), "p.pdf", paper="a6")
    assert not (isolated / "p.pdf").exists()


@pytest.mark.parametrize("paper", ["a4", "a5", "a6"])
def test_default_poster_stays_inside_the_margins(isolated, paper: str) -> None:
    make(qr_config(isolated), "p.pdf", paper=paper)
    assert_inside_margins(isolated / "p.pdf", paper)
