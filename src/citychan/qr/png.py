"""PNG output: whole pixels per module at 300 DPI, the resolution recorded in the file."""

from __future__ import annotations

import io

from citychan.errors import UsageError
from citychan.i18n import N_
from citychan.qr.encode import DPI, QUIET_ZONE, Geometry, Symbol
from citychan.qr.logo import Logo
from citychan.qr.units import MM_PER_INCH, Rgb, format_mm

# A PNG is for documents and the web. 6000 px a side is about 50 cm with the quiet zone at
# 300 DPI (wider than an A2 poster) and keeps the image, drawn in memory, near 100 MB even
# in RGB under a logo; larger prints belong in SVG or PDF, which are vector and any size.
MAX_PNG_PX = 6000


def check_png_size(geometry: Geometry, option: str = "--size") -> None:
    """Refuse a PNG too big to draw and open comfortably, before any pixel is drawn."""
    if geometry.total_px <= MAX_PNG_PX:
        return
    largest = MAX_PNG_PX // geometry.total_modules * geometry.modules * MM_PER_INCH / DPI
    raise UsageError(N_("{option}: a {format_mm} code makes a PNG of {total_px:,} × "
                        "{total_px:,} pixels, over the {max_png_px:,} allowed; as a PNG "
                        "this code is at most {format_mm2} wide").format(
                         option=option, format_mm=format_mm(geometry.symbol_mm),
                         total_px=geometry.total_px, max_png_px=MAX_PNG_PX,
                         format_mm2=format_mm(largest)),
                     hint=N_("use --out code.svg or code.pdf for large prints: vector, any size"))


def render_png(symbol: Symbol, geometry: Geometry, fg: Rgb, bg: Rgb,
               logo: Logo | None = None, box: tuple[int, int, int] | None = None) -> bytes:
    """The code as PNG bytes; with a logo, ``symbol`` must already be cleared under ``box``."""
    from PIL import Image

    n = geometry.total_modules
    # Draw at one pixel per module (palette: 0 = fg, 1 = bg), then scale by an integer
    # factor with nearest-neighbour: module edges stay crisp and exactly on the pixel grid.
    small = Image.new("P", (n, n), 1)
    small.putpalette([*fg.tuple, *bg.tuple])
    pixels = small.load()
    assert pixels is not None  # a new image always has pixel access
    for y, row in enumerate(symbol.dark):
        for x, dark in enumerate(row):
            if dark:
                pixels[x + QUIET_ZONE, y + QUIET_ZONE] = 0
    scale = geometry.dots_per_module
    img = small.resize((n * scale, n * scale), Image.Resampling.NEAREST)
    if logo is not None and box is not None:
        img = img.convert("RGB")
        _paste_logo(img, logo, box, scale)
    buf = io.BytesIO()
    img.save(buf, format="PNG", dpi=(DPI, DPI), optimize=False)
    return buf.getvalue()


def _paste_logo(img: object, logo: Logo, box: tuple[int, int, int], scale: int) -> None:
    bx, by, side = box
    margin = max(1, scale // 2)  # keep the logo off the surrounding modules
    inner = side * scale - 2 * margin
    fitted = logo.fitted(inner)
    left = (bx + QUIET_ZONE) * scale + margin + (inner - fitted.width) // 2
    top = (by + QUIET_ZONE) * scale + margin + (inner - fitted.height) // 2
    img.paste(fitted, (left, top), fitted)  # type: ignore[attr-defined]
