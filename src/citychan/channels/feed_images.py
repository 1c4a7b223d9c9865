"""A notice's picture on the website: scaled copies made with Pillow in ``bilder/`` of the
feed folder (``<anchor>-640.jpg``, ``<anchor>-1280.jpg``; never larger than the original),
upright as the EXIF orientation says, transparency laid on white, without the metadata (a
phone photo's GPS position stays here). The entry page offers them as one ``srcset``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from citychan.channels.base import ChannelError
from citychan.channels.images import _encode, _opaque
from citychan.fsutil import atomic_write
from citychan.i18n import N_

WIDTHS = (640, 1280)
QUALITY = 82


def scaled_copies(source: Path, folder: Path, anchor: str) -> list[dict[str, Any]]:
    """Write the copies; returns ``{"file", "width", "height", "bytes"}`` for each, smallest
    first (``file`` relative to ``folder``). ChannelError when Pillow cannot read it."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(source) as opened:
            picture = _opaque(ImageOps.exif_transpose(opened))
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        said = str(exc).replace(str(source), source.name)
        raise ChannelError(N_("{name}: not an image Pillow can read ({why}); the feed was not "
                              "written").format(name=source.name, why=said)) from None
    widths = sorted({*(w for w in WIDTHS if w < picture.width), min(picture.width, WIDTHS[-1])})
    out = []
    for width in widths:
        height = max(1, round(picture.height * width / picture.width))
        scaled = picture if width == picture.width else picture.resize(
            (width, height), Image.Resampling.LANCZOS)
        data = _encode(scaled, QUALITY)
        rel = f"bilder/{anchor}-{width}.jpg"
        atomic_write(folder / rel, data)
        out.append({"file": rel, "width": width, "height": height, "bytes": len(data)})
    return out
