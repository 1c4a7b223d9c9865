"""SVG output: exact physical size in millimetres, a viewBox in modules, a light background
and one path for all dark modules (no hairline seams between neighbours)."""

from __future__ import annotations

import base64
from xml.sax.saxutils import escape

from citychan.qr.encode import QUIET_ZONE, Geometry, Symbol
from citychan.qr.logo import Logo
from citychan.qr.units import Rgb


def render_svg(symbol: Symbol, geometry: Geometry, fg: Rgb, bg: Rgb,
               logo: Logo | None = None, box: tuple[int, int, int] | None = None) -> str:
    """The code as an SVG document; with a logo, ``symbol`` must be cleared under ``box``."""
    n = geometry.total_modules
    size = f"{geometry.total_mm:.4f}mm"
    path = "".join(f"M{x + QUIET_ZONE} {y + QUIET_ZONE}h{w}v1h-{w}z"
                   for x, y, w in symbol.runs())
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{size}" height="{size}" '
        f'viewBox="0 0 {n} {n}" shape-rendering="crispEdges">',
        f"<title>QR code: {escape(symbol.data)}</title>",
        f'<rect width="{n}" height="{n}" fill="{bg.hex}"/>',
        f'<path fill="{fg.hex}" d="{path}"/>',
    ]
    if logo is not None and box is not None:
        bx, by, side = box
        pad = 0.5
        href = "data:image/png;base64," + base64.b64encode(logo.png_bytes()).decode("ascii")
        parts.append(
            f'<image x="{bx + QUIET_ZONE + pad}" y="{by + QUIET_ZONE + pad}" '
            f'width="{side - 2 * pad}" height="{side - 2 * pad}" '
            f'preserveAspectRatio="xMidYMid meet" xlink:href="{href}"/>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
