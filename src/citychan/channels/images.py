"""Pictures as the WhatsApp gateways take them: a JPEG of at most 5 MB, upright, opaque.

WAHA documents JPEG for images (``file.mimetype`` ``image/jpeg``); a PNG with transparency
shows black where it was clear, and a phone photo whose EXIF says "rotated" shows on its side
where the gateway ignores the tag. So every image is drawn anew with Pillow: turned as its
EXIF orientation says, transparency laid on white, encoded as JPEG, and made smaller (lower
quality, then fewer pixels) until it fits WhatsApp's 5 MB. The metadata is not carried over,
so a photo's GPS position does not go out with it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from citychan.channels.base import ChannelError
from citychan.i18n import N_

if TYPE_CHECKING:
    from PIL.Image import Image as PilImage

MAX_BYTES = 5 * 1024 * 1024  # WhatsApp's limit for an image
JPEG_MIME = "image/jpeg"
_QUALITIES = (85, 75, 65)  # tried in turn before the picture is made smaller
_SHRINK = 0.75  # each further try keeps this share of width and height
_MIN_SIDE = 320  # smaller than this a notice's picture is no longer worth sending


def jpeg_name(path: Path) -> str:
    """The file name the picture travels under: the original's stem with ``.jpg``."""
    return f"{path.stem or 'image'}.jpg"


def as_jpeg(path: Path, *, max_bytes: int = MAX_BYTES) -> bytes:
    """``path`` as an upright, opaque JPEG of at most ``max_bytes``.

    Raises ChannelError (nothing was sent) when Pillow cannot read the file or the picture
    does not fit even at its lowest quality and smallest size."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(path) as opened:
            upright = ImageOps.exif_transpose(opened)
            picture = _opaque(upright)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        said = str(exc).replace(str(path), path.name)
        raise ChannelError(N_("{name}: not an image Pillow can read ({said}); nothing was "
                              "sent").format(name=path.name, said=said)) from None
    size = 0
    while True:
        for quality in _QUALITIES:
            data = _encode(picture, quality)
            if len(data) <= max_bytes:
                return data
            size = len(data)
        smaller = (round(picture.width * _SHRINK), round(picture.height * _SHRINK))
        if min(smaller) < _MIN_SIDE:
            break
        picture = picture.resize(smaller, Image.Resampling.LANCZOS)
    raise ChannelError(
        N_("{name}: still {size} as a JPEG of {width}x{height} pixels, over the {size2} "
           "WhatsApp takes; nothing was sent. Use a smaller or simpler picture.").format(
            name=path.name, size=_size(size), width=picture.width, height=picture.height,
            size2=_size(max_bytes))
    )


def _size(n: int) -> str:
    return f"{n / 1048576:.1f} MB" if n >= 1048576 else f"{n / 1024:.0f} KB"


def _opaque(picture: PilImage) -> PilImage:
    """An RGB copy; where the picture is (partly) transparent it is laid on white."""
    from PIL import Image

    transparent = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
    if not transparent:
        return picture.convert("RGB")
    rgba = picture.convert("RGBA")
    white = Image.new("RGB", rgba.size, (255, 255, 255))
    white.paste(rgba, mask=rgba.getchannel("A"))
    return white


def _encode(picture: PilImage, quality: int) -> bytes:
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()
