"""Pictures for WhatsApp as Pillow makes them: upright, opaque, JPEG, within 5 MB - checked
by decoding what comes out, from real PNG and JPEG files."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from citychan.channels.base import ChannelError
from citychan.channels.images import MAX_BYTES, as_jpeg, jpeg_name
from tests.support.pictures import (
    BLUE,
    GREEN,
    ORIENTATION,
    RED,
    WHITE,
    decoded,
    noise,
    png_with_alpha,
    sideways_photo,
)


def near(got, want, tolerance=4):
    return all(abs(a - b) <= tolerance for a, b in zip(got, want, strict=True))


def test_png_transparency_is_flattened_on_white(tmp_path):
    got = decoded(as_jpeg(png_with_alpha(tmp_path / "plan.png")))
    assert (got.format, got.mode, got.size) == ("JPEG", "RGB", (200, 100))
    assert near(got.getpixel((50, 50)), WHITE)  # was transparent (black underneath)
    assert near(got.getpixel((150, 50)), BLUE)


def test_exif_orientation_is_applied_and_the_tag_dropped(tmp_path):
    got = decoded(as_jpeg(sideways_photo(tmp_path / "foto.jpg")))
    assert got.size == (200, 300)  # stored 300x200 on its side
    assert near(got.getpixel((100, 50)), RED) and near(got.getpixel((100, 250)), GREEN)
    assert ORIENTATION not in got.getexif()  # no viewer turns it a second time


def test_photo_metadata_does_not_go_out(tmp_path):
    path = tmp_path / "gps.jpg"
    exif = Image.Exif()
    exif[0x010F] = "Kamera Rathaus"  # Make
    Image.new("RGB", (64, 64), RED).save(path, "JPEG", exif=exif.tobytes())
    assert dict(decoded(as_jpeg(path)).getexif()) == {}


def test_big_picture_is_reencoded_and_scaled_until_it_fits(tmp_path):
    path = noise(tmp_path / "laerm.png", 1200)
    data = as_jpeg(path, max_bytes=300_000)
    got = decoded(data)
    assert len(data) <= 300_000
    assert got.format == "JPEG" and got.size[0] == got.size[1] < 1200


def test_picture_that_cannot_fit_is_refused_with_a_clear_error(tmp_path):
    path = noise(tmp_path / "laerm.png", 1200)
    with pytest.raises(ChannelError) as info:
        as_jpeg(path, max_bytes=20_000)
    message = info.value.message
    assert message.startswith("laerm.png: still ") and "over the 20 KB WhatsApp takes" in message
    assert "nothing was sent" in message and info.value.outcome_known


def test_not_an_image_is_refused_naming_the_file_only(tmp_path):
    path = tmp_path / "sperrung.jpg"
    path.write_bytes(b"\xff\xd8JPEG")
    with pytest.raises(ChannelError) as info:
        as_jpeg(path)
    assert info.value.message.startswith("sperrung.jpg: not an image Pillow can read")
    assert str(tmp_path) not in info.value.message


def test_everyday_photo_stays_within_whatsapps_limit_untouched_in_size(tmp_path):
    path = noise(tmp_path / "foto.png", 1000)
    got = decoded(as_jpeg(path))
    assert got.size == (1000, 1000) and MAX_BYTES == 5 * 1024 * 1024


def test_jpeg_name_keeps_the_stem():
    assert jpeg_name(Path("bilder/plan.png")) == "plan.jpg"
