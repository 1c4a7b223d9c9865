"""Input the qr command must refuse with one clear line and exit 2 (never a traceback, never
a half-written file), and the edge cases that must still work."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.qr import URL, decode_png, decode_svg, make_logo, run, write_config


def refused(config: str, *args: str) -> str:
    """Run qr expecting a usage error; returns the one 'Error:' line."""
    r = run("--config", config, *args)
    assert r.exit_code == 2, (r.exit_code, r.stdout, r.stderr, r.exception)
    assert r.stdout == "" and "Traceback" not in r.stderr
    first, *rest = r.stderr.splitlines()
    assert first.startswith("Error: ")
    assert all(line.startswith("Hint: ") for line in rest) and len(rest) <= 1
    return first


def no_outputs(folder: Path) -> bool:
    return not any(p.suffix in {".png", ".svg", ".pdf"} for p in folder.iterdir()
                   if p.name != "logo.png")


# --- size limits ------------------------------------------------------------------------------

@pytest.mark.parametrize("out", ["c.png", "c.svg", "c.pdf"])
def test_size_above_one_metre_is_refused(config: str, isolated: Path, out: str) -> None:
    first = refused(config, "--out", out, "--size", "5m", "--plain")
    assert "--size 5.00 m is too large" in first and "at most 1.00 m" in first
    assert no_outputs(isolated)


def test_png_is_limited_in_pixels_and_svg_takes_the_same_size(config: str,
                                                                isolated: Path) -> None:
    first = refused(config, "--out", "c.png", "--size", "60cm")
    assert "makes a PNG of" in first and "over the 6,000 allowed" in first
    assert no_outputs(isolated)
    r = run("--config", config, "--out", "c.svg", "--size", "1m")  # vector: the limit is 1 m
    assert r.exit_code == 0, r.stderr
    assert decode_svg((isolated / "c.svg").read_text(), dpi=20) == [URL]


def test_png_just_under_the_pixel_limit_is_written(config: str, isolated: Path) -> None:
    r = run("--config", config, "--out", "c.png", "--size", "35cm")
    assert r.exit_code == 0, r.stderr
    from PIL import Image

    with Image.open(isolated / "c.png") as img:
        assert 5000 < img.width <= 6000  # 35 cm of code plus its quiet zone
    assert decode_png((isolated / "c.png").read_bytes()) == [URL]


# --- URLs -------------------------------------------------------------------------------------

@pytest.mark.parametrize("url, what", [
    ("https://t.me/x\nhttps://evil.example", "U+000A"),
    ("https://t.me/x y", "a space"),
    ("https://t.me/x\ty", "U+0009"),
    ("https://t.me/bautzen\u200b", "U+200B"),  # zero-width space, invisible when pasted
    ("https://t.me/\u202ebautzen", "U+202E"),  # right-to-left override
])
def test_url_with_whitespace_or_control_characters_is_refused(config: str, isolated: Path,
                                                               url: str, what: str) -> None:
    first = refused(config, "--url", url, "--out", "c.png")
    assert "contains " in first and what in first
    assert no_outputs(isolated)


def test_url_without_a_host_is_refused(config: str) -> None:
    assert "has no host name" in refused(config, "--url", "https://", "--out", "c.png")
    assert "not a valid URL" in refused(config, "--url", "https://[::1/x", "--out", "c.png")


def test_url_in_the_config_with_a_line_break_is_refused(isolated: Path) -> None:
    path = write_config(isolated)
    text = path.read_text(encoding="utf-8").replace(f'url = "{URL}"', f'url = "{URL}\\nx"')
    path.write_text(text, encoding="utf-8")
    first = refused(str(path), "--out", "c.png")
    assert "[subscribe] url" in first and "U+000A" in first


def test_surrounding_spaces_are_trimmed_not_refused(config: str, isolated: Path) -> None:
    r = run("--config", config, "--url", "  https://t.me/bautzen_info ", "--out", "c.png")
    assert r.exit_code == 0, r.stderr
    assert decode_png((isolated / "c.png").read_bytes()) == ["https://t.me/bautzen_info"]


@pytest.mark.parametrize("share", ["nan", "inf", "-inf%", "NaN%"])
def test_logo_size_that_is_not_a_number_is_refused(config: str, isolated: Path,
                                                    share: str) -> None:
    logo = make_logo(isolated / "logo.png")
    first = refused(config, "--out", "c.png", "--logo", str(logo), "--logo-size", share)
    assert f"--logo-size '{share}': give a share of the code, e.g. 10%" in first
    assert no_outputs(isolated)


# --- messages that agree with themselves ------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (["--size", "19.99mm"], "--size 1.999 cm is too small: a printed code needs at least 2.00 cm"),
    (["--size", "1001mm"], "--size 1.001 m is too large: a code is at most 1.00 m wide"),
    (["--fg", "#777777"], "has contrast 4.48:1, below the 4.5:1 a printed code needs"),
    (["--logo", "LOGO", "--logo-size", "15.1%"], "--logo-size 15.1%: a logo may cover at most 15%"),
    (["--size", "-3cm"], "--size '-3cm': must be greater than zero"),
    (["--size", "0cm"], "--size '0cm': must be greater than zero"),
])
def test_limits_are_reported_with_enough_precision(config: str, isolated: Path,
                                                   args: list[str], message: str) -> None:
    logo = str(make_logo(isolated / "logo.png"))
    first = refused(config, "--out", "c.svg", *[logo if a == "LOGO" else a for a in args])
    assert message in first
    assert no_outputs(isolated)


@pytest.mark.parametrize("out", ["c", "c."])
def test_out_without_extension_says_which_extensions(config: str, isolated: Path,
                                                     out: str) -> None:
    first = refused(config, "--out", out)
    assert f"--out {out}: the file name needs an extension: .png or .svg" in first
    assert "'.'" not in first


@pytest.mark.parametrize("args", [["--out", "c.png"], ["--show"]])
def test_empty_url_option_is_refused_not_replaced_by_the_config(config: str, isolated: Path,
                                                                 args: list[str]) -> None:
    first = refused(config, "--url", "", *args)
    assert "--url is empty" in first
    assert no_outputs(isolated)


# --- characters the poster font cannot print ----------------------------------------------------

def test_characters_the_font_lacks_are_named_in_a_warning(isolated: Path) -> None:
    path = write_config(isolated)
    text = path.read_text(encoding="utf-8").replace('hsb = "Budyšin"', 'hsb = "Budyšin 包岑"')
    path.write_text(text, encoding="utf-8")
    r = run("--config", str(path), "--out", "p.pdf", "--url", "https://例え.jp/kanal")
    assert r.exit_code == 0, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("Warning: the poster font has no '包' (U+5305) '岑' (U+5C91) "
                               "in [city] names: they print as empty boxes")
    assert "'例' (U+4F8B)" in lines[1] and "in the URL" in lines[1]


def test_default_poster_has_no_missing_character_warning(config: str) -> None:
    r = run("--config", config, "--out", "p.pdf", "--paper", "a5")
    assert r.exit_code == 0 and r.stderr == ""
