"""The rough edges of issue 14 in `citychan qr`: the formats it writes are named, an e-mail
link is printed as the address, and utm_* parameters stay out of every code as they stay
out of every notice (the same function removes them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from citychan.errors import UsageError
from citychan.links import clean_url
from tests.support.qr import LINKS, URL, decode_pdf, decode_png, make, pdf_text_and_size, qr_config

TRACKED = URL + "?utm_source=plakat&utm_medium=print"


def test_jpg_names_the_formats_qr_writes_not_png_as_a_guess(isolated: Path) -> None:
    with pytest.raises(UsageError) as exc:
        make(qr_config(isolated), "code.jpg")
    assert "PNG, SVG or PDF" in exc.value.message
    assert "Did you mean" not in exc.value.message
    assert "code.png" in (exc.value.hint or "") and "poster.pdf" in (exc.value.hint or "")


def test_mailto_link_is_printed_as_the_address(isolated: Path) -> None:
    links = {**LINKS, "email": "mailto:presse@bautzen.de?subject=Abonnieren"}
    result = make(qr_config(isolated, links=links), "p.pdf")
    assert "E-Mail" in result.other_codes
    text = pdf_text_and_size(isolated / "p.pdf")[0]
    assert "presse@bautzen.de" in text and "mailto:" not in text and "subject" not in text


def test_utm_parameters_stay_out_of_the_code_with_a_warning(isolated: Path) -> None:
    result = make(qr_config(isolated), "c.png", url=TRACKED)
    assert result.url == URL == clean_url(TRACKED)[0]
    assert decode_png((isolated / "c.png").read_bytes()) == [URL]
    assert any("tracking parameters left out of the code (utm_source, utm_medium)" in w
               for w in result.warnings)


def test_utm_parameters_stay_out_of_the_posters_other_codes(isolated: Path) -> None:
    links = {"telegram": LINKS["telegram"] + "?utm_campaign=rathaus"}
    make(qr_config(isolated, links=links), "p.pdf")
    decoded = decode_pdf(isolated / "p.pdf", dpi=300)
    assert LINKS["telegram"] in decoded and not any("utm_" in d for d in decoded)
    assert "utm_" not in pdf_text_and_size(isolated / "p.pdf")[0]
