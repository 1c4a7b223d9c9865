"""citychan qr on the command line: exit codes, stdout and stderr kept apart, JSON for
scripts, and one clear line for every kind of bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.support.config import MakeConfig
from tests.support.qr import URL, decode_image, decode_pdf, decode_png, make_logo, run


def test_poster_for_a_new_user(config: str, isolated: Path) -> None:
    r = run("--config", config, "--out", "poster.pdf", "--poster")
    assert r.exit_code == 0, r.stderr
    assert r.stderr == ""
    assert r.stdout.startswith("Wrote poster.pdf: poster (A4)")
    assert URL in r.stdout and "Telegram, Mastodon, RSS-Feed" in r.stdout
    assert URL in decode_pdf(isolated / "poster.pdf")


def test_json_envelope_says_what_was_written(config: str, isolated: Path) -> None:
    r = run("--config", config, "--out", "code.png", "--size", "5cm", "--output", "json")
    assert r.exit_code == 0 and r.stderr == ""
    env = json.loads(r.stdout)
    assert (env["citychan"], env["command"], env["ok"], env["exit_code"]) == (1, "qr", True, 0)
    res = env["result"]
    assert res["path"] == "code.png" and res["format"] == "png"
    assert res["error_level"] == "M" and res["quiet_zone_modules"] == 4
    assert res["printed_mm"] >= 50.0 and res["module_mm"] > 0
    assert res["modules"] == 33 and res["dpi"] == 300 and res["warnings"] == []
    assert decode_png((isolated / "code.png").read_bytes()) == [URL]


def test_distance_warning_goes_to_stderr_and_json_stays_clean(config: str) -> None:
    r = run("--config", config, "--out", "c.svg", "--size", "5cm", "--distance", "2m",
            "--output", "json")
    assert r.exit_code == 0
    env = json.loads(r.stdout)  # stdout is nothing but the envelope
    assert len(env["result"]["warnings"]) == 1
    assert r.stderr.startswith("Warning: a code read from 2.00 m should be at least 20.00 cm")


def test_show_prints_a_scannable_code(config: str) -> None:
    from PIL import Image

    r = run("--config", config, "--show")
    assert r.exit_code == 0 and r.stderr == ""
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in r.stdout.splitlines()]
    img = Image.new("L", (len(lines[0]), 2 * len(lines)), 255)
    for y, line in enumerate(lines):
        for x, ch in enumerate(line):
            if ch in "▀█":
                img.putpixel((x, 2 * y), 0)
            if ch in "▄█":
                img.putpixel((x, 2 * y + 1), 0)
    assert decode_image(img.resize((img.width * 8, img.height * 8))) == [URL]


def test_logo_in_a_pdf_poster(config: str, isolated: Path) -> None:
    logo = make_logo(isolated / "wappen.png")
    r = run("--config", config, "--out", "p.pdf", "--logo", str(logo), "--paper", "a5",
            "--output", "json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["result"]["error_level"] == "H"
    assert URL in decode_pdf(isolated / "p.pdf", dpi=300)


@pytest.mark.parametrize("args, message", [
    (["--url", "http://whatsapp.com/channel/x", "--out", "c.png"], "only https:// URLs"),
    (["--out", "c.gif"], "unknown extension '.gif'"),
    (["--out", "c.png", "--size", "1cm"], "too small"),
    (["--out", "c.png", "--size", "big"], "give a length with a unit"),
    (["--out", "c.png", "--fg", "#aaaaaa"], "contrast"),
    (["--out", "c.png", "--fg", "#ffffff", "--bg", "#000080"], "light-on-dark"),
    (["--out", "c.png", "--logo", "LOGO", "--logo-size", "30%"], "at most 15%"),
    (["--out", "c.png", "--logo", "BROKEN"], "not an image"),
    (["--out", "c.png", "--logo", "nowhere.png"], "logo file not found"),
    (["--out", "c.png", "--poster"], "a poster is a PDF"),
    (["--out", "p.pdf", "--paper", "a3"], "use a4, a5 or a6"),
    (["--out", "p.pdf", "--paper", "a6", "--size", "15cm"], "does not fit on A6"),
])
def test_bad_input_is_one_line_and_exit_2(config: str, isolated: Path, args: list[str],
                                          message: str) -> None:
    logo = make_logo(isolated / "logo.png")
    broken = isolated / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    args = [str(logo) if a == "LOGO" else str(broken) if a == "BROKEN" else a for a in args]
    r = run("--config", config, *args)
    assert r.exit_code == 2, r.stdout + r.stderr
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    first, *rest = r.stderr.splitlines()
    assert first.startswith("Error: ") and message in first, first
    assert all(line.startswith("Hint: ") for line in rest) and len(rest) <= 1
    assert not any(p.suffix in {".png", ".gif", ".pdf"} and p.stem in {"c", "p"}
                   for p in isolated.iterdir())


def test_missing_subscribe_url_is_a_clear_error(make_config: MakeConfig) -> None:
    path = make_config(name="bare.toml")
    r = run("--config", str(path), "--out", "c.png")
    assert r.exit_code == 2
    assert r.stderr.startswith("Error: no URL to encode: set [subscribe] url")


def test_through_the_real_citychan_app(config: str, isolated: Path) -> None:
    from citychan.cli import app

    r = CliRunner().invoke(app, ["qr", "--config", config, "--out", "c.svg", "--output", "json"])
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["result"]["format"] == "svg"
    assert (isolated / "c.svg").read_text().startswith("<?xml")
