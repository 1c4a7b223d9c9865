"""citychan qr as a library: every format decodes back to the exact URL with a real
decoder, the printed size is what was asked (never smaller), and the guardrails hold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from citychan.config import load_config
from citychan.errors import InputError, UsageError
from citychan.qr.encode import (
    DPI,
    MAX_LOGO_SHARE,
    QUIET_ZONE,
    encode,
    logo_box,
    plan,
)
from citychan.qr.terminal import render_terminal
from citychan.qr.units import parse_colour, parse_length
from tests.support.qr import (
    LINKS,
    URL,
    decode_pdf,
    decode_png,
    decode_svg,
    make,
    make_logo,
    pdf_text_and_size,
    rasterise_svg,
    render_pdf,
    write_config,
)

MM_PER_PT = 25.4 / 72


@pytest.fixture
def cfg(isolated: Path):
    return load_config(write_config(isolated))


# --- sizes ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, mm", [("5cm", 50.0), ("50mm", 50.0), ("2in", 50.8),
                                      ("2m", 2000.0), ("4,5 cm", 45.0)])
def test_lengths_in_every_unit(text: str, mm: float) -> None:
    assert parse_length(text, "--size") == pytest.approx(mm)


@pytest.mark.parametrize("text", ["5", "5 furlongs", "cm", "-3cm", "0mm"])
def test_length_without_a_valid_unit_is_refused(text: str) -> None:
    with pytest.raises(UsageError, match="--size"):
        parse_length(text, "--size")


@pytest.mark.parametrize("size_mm", [20.0, 33.3, 50.0, 77.7, 200.0])
def test_module_size_is_rounded_up_to_whole_300dpi_dots(size_mm: float) -> None:
    g = plan(33, size_mm)
    assert g.symbol_mm >= size_mm  # never smaller than asked …
    one_dot_less = (g.dots_per_module - 1) * 25.4 / DPI * 33
    assert one_dot_less < size_mm  # … and not bigger than it has to be


def test_too_small_size_is_refused() -> None:
    with pytest.raises(UsageError, match="too small"):
        plan(33, 19.0)


# --- PNG --------------------------------------------------------------------------------------

def test_png_decodes_and_records_300_dpi_with_whole_pixels_per_module(cfg, isolated) -> None:
    from PIL import Image

    result = make(cfg, "code.png", size="5cm")
    with Image.open(isolated / "code.png") as img:
        assert decode_png((isolated / "code.png").read_bytes()) == [URL]
        assert img.info["dpi"] == pytest.approx((300, 300), abs=0.01)
        total = result.modules + 2 * QUIET_ZONE
        assert img.width == img.height == result.pixels
        assert img.width % total == 0  # an integer number of pixels per module
        printed_mm = img.width / 300 * 25.4 * result.modules / total
    assert 50.0 <= printed_mm < 50.0 + result.modules * 25.4 / 300
    assert result.error_level == "M"


def test_png_quiet_zone_is_four_light_modules(cfg, isolated) -> None:
    from PIL import Image

    result = make(cfg, "code.png", size="3cm")
    img = Image.open(isolated / "code.png").convert("L")
    border = QUIET_ZONE * img.width // (result.modules + 2 * QUIET_ZONE)
    strips = [img.crop((0, 0, img.width, border)), img.crop((0, 0, border, img.height)),
              img.crop((0, img.height - border, img.width, img.height)),
              img.crop((img.width - border, 0, img.width, img.height))]
    assert all(s.getextrema() == (255, 255) for s in strips)
    # and the symbol starts right after it: the finder pattern's corner is dark
    assert img.getpixel((border, border)) == 0


def test_png_in_custom_colours_keeps_them(cfg, isolated) -> None:
    from PIL import Image

    make(cfg, "c.png", fg="#003366", bg="#fffbe6")
    img = Image.open(isolated / "c.png").convert("RGB")
    assert set(c for _, c in img.getcolors()) == {(0x00, 0x33, 0x66), (0xFF, 0xFB, 0xE6)}
    assert decode_png((isolated / "c.png").read_bytes()) == [URL]


# --- SVG --------------------------------------------------------------------------------------

def test_svg_has_exact_physical_size_viewbox_and_light_background(cfg, isolated) -> None:
    result = make(cfg, "code.svg", size="4cm")
    svg = (isolated / "code.svg").read_text()
    total = result.modules + 2 * QUIET_ZONE
    width = re.search(r'<svg[^>]* width="([\d.]+)mm" height="([\d.]+)mm"', svg)
    assert width and float(width.group(1)) == pytest.approx(result.printed_with_quiet_zone_mm)
    assert float(width.group(1)) == float(width.group(2))
    assert f'viewBox="0 0 {total} {total}"' in svg
    assert re.search(rf'<rect width="{total}" height="{total}" fill="#ffffff"/>', svg)
    assert result.printed_mm >= 40.0
    img = rasterise_svg(svg, dpi=300)  # a real renderer gives it the asked physical size
    assert img.width == pytest.approx(result.printed_with_quiet_zone_mm / 25.4 * 300, abs=1)
    assert decode_svg(svg) == [URL]


# --- PDF --------------------------------------------------------------------------------------

def test_plain_pdf_is_a_page_the_size_of_the_code_in_vectors(cfg, isolated) -> None:
    result = make(cfg, "code.pdf", poster=False, size="6cm")
    _, (w, h) = pdf_text_and_size(isolated / "code.pdf")
    assert w * MM_PER_PT == pytest.approx(result.printed_with_quiet_zone_mm, abs=0.01)
    assert h == w
    raw = (isolated / "code.pdf").read_bytes()
    assert b"/Subtype /Image" not in raw  # the modules are rectangles, not a bitmap
    assert decode_pdf(isolated / "code.pdf") == [URL]


def test_poster_a4_has_both_languages_url_and_every_channel_code(cfg, isolated) -> None:
    result = make(cfg, "poster.pdf")
    text, (w, h) = pdf_text_and_size(isolated / "poster.pdf")
    assert (round(w * MM_PER_PT), round(h * MM_PER_PT)) == (210, 297)
    assert result.poster and result.paper == "a4"
    for words in ("Stadt Bautzen", "Město Budyšin", "Aktuelles und Warnungen",
                  "šmóratko", URL, "Telegram", "Mastodon", "„Abonnieren“"):
        assert words in text, words
    assert "1" in text and "3" in text
    found = decode_pdf(isolated / "poster.pdf")
    assert found == sorted([URL, *LINKS.values()])
    assert result.other_codes == ["Telegram", "Mastodon", "RSS-Feed"]
    raw = (isolated / "poster.pdf").read_bytes()
    assert b"/FontFile2" in raw  # the font with the Sorbian letters travels with the file
    assert b"/Subtype /Image" not in raw  # no logo: the codes are pure vectors


@pytest.mark.parametrize("paper", ["a5", "a6"])
def test_smaller_posters_fit_and_scan(cfg, isolated, paper: str) -> None:
    result = make(cfg, f"{paper}.pdf", paper=paper)
    text, (w, _) = pdf_text_and_size(isolated / f"{paper}.pdf")
    assert round(w * MM_PER_PT) == {"a5": 148, "a6": 105}[paper]
    assert "Budyšin" in text
    assert URL in decode_pdf(isolated / f"{paper}.pdf", dpi=300)
    assert result.printed_mm >= 20.0


def test_poster_without_other_links_has_only_the_main_code(isolated) -> None:
    cfg = load_config(write_config(isolated, links={}))
    result = make(cfg, "p.pdf")
    assert decode_pdf(isolated / "p.pdf") == [URL]
    assert result.other_codes == []
    assert "Kein WhatsApp" not in pdf_text_and_size(isolated / "p.pdf")[0]


def test_poster_leaves_out_non_https_links_with_a_warning(isolated) -> None:
    cfg = load_config(write_config(isolated, links={"web": "http://bautzen.de/x",
                                                    "telegram": LINKS["telegram"]}))
    result = make(cfg, "p.pdf")
    assert result.other_codes == ["Telegram"]
    assert any("web" in w and "not https" in w for w in result.warnings)


def test_poster_with_explicit_size_that_cannot_fit_is_refused(cfg) -> None:
    with pytest.raises(UsageError, match="does not fit on A6"):
        make(cfg, "p.pdf", paper="a6", size="15cm")


def test_unknown_language_is_left_out_with_a_warning(isolated) -> None:
    cfg = load_config(write_config(isolated, links={}, languages=("de", "hsb", "dsb")))
    result = make(cfg, "p.pdf")
    assert any("'dsb'" in w for w in result.warnings)
    assert "Budyšin" in pdf_text_and_size(isolated / "p.pdf")[0]


# --- logo and the smallest size, in every format ----------------------------------------------

@pytest.mark.parametrize("out", ["logo.png", "logo.svg", "logo.pdf", "poster.pdf"])
def test_logo_raises_error_correction_and_still_decodes(cfg, isolated, out: str) -> None:
    logo = make_logo(isolated / "wappen.png")
    result = make(cfg, out, logo=logo, poster=out == "poster.pdf", size="4cm")
    assert result.error_level == "H"
    path = isolated / out
    if out.endswith(".png"):
        found = decode_png(path.read_bytes())
    elif out.endswith(".svg"):
        svg = path.read_text()
        assert "data:image/png;base64," in svg
        found = decode_svg(svg)
    else:
        assert b"/Subtype /Image" in path.read_bytes()
        found = decode_pdf(path, dpi=300)
    assert URL in found


@pytest.mark.parametrize("out", ["min.png", "min.svg", "min.pdf"])
@pytest.mark.parametrize("with_logo", [False, True])
def test_smallest_allowed_size_decodes(cfg, isolated, out: str, with_logo: bool) -> None:
    logo = make_logo(isolated / "w.png") if with_logo else None
    result = make(cfg, out, size="2cm", logo=logo, poster=False)
    assert 20.0 <= result.printed_mm < 20.0 + result.modules * 25.4 / DPI
    path = isolated / out
    if out.endswith(".png"):
        assert decode_png(path.read_bytes()) == [URL]
    elif out.endswith(".svg"):
        assert decode_svg(path.read_text()) == [URL]
    else:
        assert decode_pdf(path, dpi=300) == [URL]


def test_logo_box_stays_within_fifteen_percent_and_centred() -> None:
    for modules in (21, 33, 41, 57, 77):
        x, y, side = logo_box(modules, MAX_LOGO_SHARE)
        assert side * side / (modules * modules) <= MAX_LOGO_SHARE
        assert x == y and x + side + x == modules


def test_logo_area_above_fifteen_percent_is_refused(cfg, isolated) -> None:
    logo = make_logo(isolated / "w.png")
    with pytest.raises(UsageError, match="at most 15%"):
        make(cfg, "c.png", logo=logo, logo_size="20%")
    assert not (isolated / "c.png").exists()


def test_unreadable_logo_is_an_input_error(cfg, isolated) -> None:
    bad = isolated / "logo.png"
    bad.write_bytes(b"not a picture at all")
    with pytest.raises(InputError, match="logo.png: not an image"):
        make(cfg, "c.png", logo=bad)
    with pytest.raises(InputError, match="not found"):
        make(cfg, "c.png", logo=isolated / "missing.png")


# --- guardrails -------------------------------------------------------------------------------

def test_low_contrast_is_refused(cfg, isolated) -> None:
    with pytest.raises(UsageError, match=r"contrast 2\.\d:1"):
        make(cfg, "c.png", fg="#999999", bg="#ffffff")
    assert not (isolated / "c.png").exists()


def test_light_on_dark_is_refused(cfg) -> None:
    with pytest.raises(UsageError, match="light-on-dark"):
        make(cfg, "c.png", fg="#ffffff", bg="#000000")


def test_dark_blue_on_cream_is_accepted(cfg) -> None:
    assert make(cfg, None, fg="navy", bg="#fffbe6").url == URL


def test_http_url_is_refused(cfg) -> None:
    with pytest.raises(UsageError, match="only https"):
        make(cfg, "c.png", url="http://whatsapp.com/channel/abc")


def test_unknown_extension_and_png_poster_are_refused(cfg) -> None:
    with pytest.raises(UsageError, match="unknown extension '.jpg'"):
        make(cfg, "c.jpg")
    with pytest.raises(UsageError, match="a poster is a PDF"):
        make(cfg, "c.png", poster=True)


def test_colour_parsing() -> None:
    assert parse_colour("#abc", "--fg").hex == "#aabbcc"
    assert parse_colour("black", "--fg").hex == "#000000"
    with pytest.raises(UsageError, match="not a colour"):
        parse_colour("bluish", "--fg")


def test_distance_rule_warns_only_when_too_small(cfg) -> None:
    small = make(cfg, None, size="5cm", distance="2m")
    assert len(small.warnings) == 1 and "20.00 cm" in small.warnings[0]
    assert make(cfg, None, size="20cm", distance="2m").warnings == []


def test_url_option_overrides_config(cfg, isolated) -> None:
    make(cfg, "t.png", url="https://t.me/bautzen_info")
    assert decode_png((isolated / "t.png").read_bytes()) == ["https://t.me/bautzen_info"]


# --- terminal ---------------------------------------------------------------------------------

def terminal_to_image(text: str):
    """Read the half-block characters back into pixels, as a phone camera would see them."""
    from PIL import Image

    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in text.splitlines()]
    width, height = len(lines[0]), 2 * len(lines)
    img = Image.new("L", (width, height), 255)
    for row, line in enumerate(lines):
        for x, ch in enumerate(line):
            if ch in "▀█":
                img.putpixel((x, 2 * row), 0)
            if ch in "▄█":
                img.putpixel((x, 2 * row + 1), 0)
    return img.resize((width * 8, height * 8))


@pytest.mark.parametrize("colour", [False, True])
def test_terminal_code_scans(colour: bool) -> None:
    from tests.support.qr import decode_image

    text = render_terminal(encode(URL), colour=colour)
    assert ("\x1b[" in text) is colour
    assert decode_image(terminal_to_image(text)) == [URL]


def test_poster_renders_the_sorbian_letters_not_boxes(cfg, isolated) -> None:
    """The Sorbian title must come out as ink, not as the font's empty .notdef glyphs."""
    make(cfg, "poster.pdf", paper="a4")
    text, _ = pdf_text_and_size(isolated / "poster.pdf")
    assert "Aktualnosće a warnowanja na šmóratko" in text
    img = render_pdf(isolated / "poster.pdf", dpi=100)
    assert img.convert("L").getextrema()[0] < 50


def test_explicit_poster_size_is_never_shrunk(cfg) -> None:
    fits = make(cfg, "p.pdf", size="8.5cm")
    assert fits.printed_mm >= 85.0
    assert fits.other_codes == ["Telegram", "Mastodon", "RSS-Feed"] and fits.warnings == []
    big = make(cfg, "p.pdf", size="12cm")  # the row gives way, the asked size does not
    assert big.printed_mm >= 120.0
    assert big.other_codes == [] and "do not fit on A4" in big.warnings[0]


def test_a6_flyer_gives_the_other_codes_row_up_with_a_warning(cfg, isolated) -> None:
    result = make(cfg, "a6.pdf", paper="a6")
    assert result.other_codes == []
    assert result.warnings == ["the codes for Telegram, Mastodon, RSS-Feed do not fit on A6 "
                               "beside the main code; left out (use --paper a5 or larger)"]
    assert result.printed_mm >= 42.0  # the row's space went to the main code
    assert decode_pdf(isolated / "a6.pdf", dpi=300) == [URL]


def test_pdf_cross_reference_table_points_at_every_object(cfg, isolated) -> None:
    """Print-shop RIPs are less forgiving than viewers: the xref offsets must be exact."""
    make(cfg, "p.pdf", logo=make_logo(isolated / "w.png"))
    raw = (isolated / "p.pdf").read_bytes()
    start = int(raw.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    assert raw[start:].startswith(b"xref\n0 ")
    lines = raw[start:].split(b"\n")
    count = int(lines[1].split()[1])
    for num, entry in enumerate(lines[3:3 + count - 1], start=1):
        offset = int(entry[:10])
        assert raw[offset:].startswith(f"{num} 0 obj\n".encode()), num
