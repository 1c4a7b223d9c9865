"""The poster's row of smaller codes for the other channels: a bad link is named and left
out without losing the poster, the warnings give hints that help, and the main code is
always visibly the biggest one (measured on the rendered page with the decoder)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.qr import LINKS, URL, decode_pdf, make, qr_config, render_pdf, run, write_config

HUGE = "https://www.bautzen.de/" + "a" * 3000


def code_widths(path: Path) -> dict[str, float]:
    """Each decoded code's width in pixels on the page rendered at 150 DPI."""
    import zxingcpp

    img = render_pdf(path, dpi=150).convert("L")
    out = {}
    for found in zxingcpp.read_barcodes(img):
        pos = found.position
        out[found.text] = abs(pos.top_right.x - pos.top_left.x)
    return out


# --- bad links --------------------------------------------------------------------------------

def test_bad_links_are_named_and_left_out_while_the_poster_is_made(isolated: Path) -> None:
    links = {"telegram": LINKS["telegram"], "archiv": HUGE, "kaputt": "https://",
             "leer": "https://t.me/x y", "email": "mailto:stadt.bautzen.de"}
    result = make(qr_config(isolated, links=links), "p.pdf")
    assert result.other_codes == ["Telegram"]
    warnings = "\n".join(result.warnings)
    assert "[subscribe.links] archiv: URL too long for a QR code (3,023 characters)" in warnings
    assert "[subscribe.links] kaputt 'https://': has no host name" in warnings
    assert "[subscribe.links] leer 'https://t.me/x y': contains a space" in warnings
    assert "[subscribe.links] email 'mailto:stadt.bautzen.de': has no e-mail address" in warnings
    assert all(w.endswith("left off the poster") for w in result.warnings)
    assert decode_pdf(isolated / "p.pdf") == sorted([URL, LINKS["telegram"]])


def test_bad_link_warning_goes_to_stderr_on_one_line(isolated: Path) -> None:
    path = write_config(isolated, links={"archiv": HUGE, "telegram": LINKS["telegram"]})
    r = run("--config", str(path), "--out", "p.pdf")
    assert r.exit_code == 0, r.stderr
    assert r.stderr.startswith("Warning: [subscribe.links] archiv: URL too long")
    assert len(r.stderr.splitlines()) == 1 and len(r.stderr) < 200
    assert "Also on the poster: Telegram" in r.stdout


# --- hints when the row gives way -------------------------------------------------------------

def test_row_left_out_on_a4_does_not_suggest_a_larger_paper(isolated: Path) -> None:
    cfg = qr_config(isolated, languages=("de", "hsb", "en"))
    result = make(cfg, "p.pdf", paper="a4")
    assert result.other_codes == []
    assert result.warnings == ["the codes for Telegram, Mastodon, RSS-Feed do not fit on A4 "
                               "beside the main code; left out (A4 is the largest paper; "
                               "fewer [city] languages make room)"]
    big = make(qr_config(isolated), "p.pdf", size="12cm")
    assert big.warnings[0].endswith("(A4 is the largest paper; a smaller --size makes room)")


def test_row_left_out_on_a5_suggests_a4(isolated: Path) -> None:
    result = make(qr_config(isolated, languages=("de", "hsb", "en")), "p.pdf", paper="a5")
    assert result.other_codes == []
    assert result.warnings[0].endswith("left out (use --paper a4)")


# --- the main code is the biggest -------------------------------------------------------------

def test_smallest_main_code_leaves_the_row_out_rather_than_match_its_size(isolated) -> None:
    result = make(qr_config(isolated), "p.pdf", size="2cm")
    assert result.other_codes == []
    assert result.warnings == ["the codes for Telegram, Mastodon, RSS-Feed would be as large "
                               "as the 2.24 cm main code; left out (a --size of 2.50 cm or "
                               "more keeps them)"]
    assert decode_pdf(isolated / "p.pdf", dpi=300) == [URL]


@pytest.mark.parametrize("paper, size", [("a4", "2.5cm"), ("a4", None), ("a5", None),
                                         ("a5", "3cm")])
def test_main_code_is_visibly_larger_than_the_side_codes(isolated, paper, size) -> None:
    result = make(qr_config(isolated), "p.pdf", paper=paper, size=size)
    assert result.other_codes
    widths = code_widths(isolated / "p.pdf")
    sides = [widths[url] for url in LINKS.values() if url in widths]
    assert sides and URL in widths
    assert all(side < 0.9 * widths[URL] for side in sides), (widths, result.printed_mm)
