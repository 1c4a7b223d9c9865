"""Real pictures for the image tests, made with Pillow: a PNG with a transparent half, a phone
photo stored on its side with the EXIF orientation that turns it upright, and noise that does
not compress."""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image

BLUE = (20, 60, 200)
RED = (220, 20, 20)
GREEN = (20, 160, 40)
WHITE = (255, 255, 255)
ORIENTATION = 0x0112  # the EXIF tag
ROTATE_90_CW = 6  # "the 0th row is the visual right-hand side": turn 90 degrees clockwise


def png_with_alpha(path: Path) -> Path:
    """200x100: the left half fully transparent (black underneath), the right half blue."""
    picture = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    picture.paste(Image.new("RGBA", (100, 100), (*BLUE, 255)), (100, 0))
    picture.save(path, "PNG")
    return path


def sideways_photo(path: Path) -> Path:
    """Stored 300x200, left half red and right half green, tagged Orientation 6: a viewer
    shows it 200x300 with red on top and green below."""
    picture = Image.new("RGB", (300, 200), GREEN)
    picture.paste(Image.new("RGB", (150, 200), RED), (0, 0))
    exif = Image.Exif()
    exif[ORIENTATION] = ROTATE_90_CW
    picture.save(path, "JPEG", quality=95, exif=exif.tobytes())
    return path


def noise(path: Path, side: int, seed: int = 10) -> Path:
    """A square of random pixels: JPEG cannot make it small, so size limits bite."""
    rng = random.Random(seed)
    picture = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    picture.save(path, "PNG")
    return path


def decoded(data: bytes) -> Image.Image:
    """The received bytes as a picture (loaded: the caller need not close anything)."""
    with Image.open(io.BytesIO(data)) as picture:
        picture.load()
        fmt = picture.format
        out = picture.copy()
    out.format = fmt  # copy() drops it
    return out
