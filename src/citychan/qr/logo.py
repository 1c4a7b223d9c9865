"""The city logo: read once with Pillow, then handed to each format as pixels or PNG."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citychan.errors import InputError
from citychan.i18n import N_

MAX_LOGO_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Logo:
    path: Path
    width: int
    height: int
    rgba: bytes  # width * height * 4

    def image(self) -> Any:
        from PIL import Image

        return Image.frombytes("RGBA", (self.width, self.height), self.rgba)

    def fitted(self, box_px: int) -> Any:
        """The logo scaled to fit a ``box_px`` square, aspect ratio kept."""
        from PIL import Image

        img = self.image()
        scale = box_px / max(self.width, self.height)
        size = (max(1, round(self.width * scale)), max(1, round(self.height * scale)))
        return img.resize(size, Image.Resampling.LANCZOS)

    def png_bytes(self, max_px: int = 600) -> bytes:
        import io

        img = self.fitted(min(max_px, max(self.width, self.height)))
        buf = io.BytesIO()
        img.save(buf, format="PNG", optimize=True)
        return buf.getvalue()


def load_logo(path: Path) -> Logo:
    """Read an image file (PNG, JPEG, …) or raise InputError naming the file."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(N_("{path}: logo file not found").format(path=path)) from None
    except OSError as exc:
        raise InputError(N_("{path}: cannot read logo ({strerror})").format(
                             path=path, strerror=exc.strerror)) from None
    if size > MAX_LOGO_BYTES:
        raise InputError(N_("{path}: logo is larger than 20 MB; export a smaller PNG").format(
                             path=path))
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img.load()
            rgba = img.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise InputError(N_("{path}: not an image citychan can read").format(path=path),
                         hint=N_("use a PNG or JPEG logo")) from None
    if rgba.getbbox() is None or rgba.getchannel("A").getextrema()[1] == 0:
        raise InputError(N_("{path}: the logo is fully transparent").format(path=path))
    return Logo(path, rgba.width, rgba.height, rgba.tobytes())
