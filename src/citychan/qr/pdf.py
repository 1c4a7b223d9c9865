"""A small PDF writer, just enough for a print-ready page: vector rectangles (the QR stays
vector), text in an embedded TrueType font, one raster image (the logo)."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

from citychan.qr.encode import QUIET_ZONE, Geometry, Symbol
from citychan.qr.fonts import TrueTypeFont
from citychan.qr.logo import Logo
from citychan.qr.units import PT_PER_MM, Rgb


def _num(v: float) -> str:
    text = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


class PdfDoc:
    """Numbered objects, serialised with a correct cross-reference table."""

    def __init__(self) -> None:
        self._objects: list[bytes | None] = []

    def reserve(self) -> int:
        self._objects.append(None)
        return len(self._objects)

    def put(self, num: int, body: str | bytes) -> int:
        self._objects[num - 1] = body.encode("latin-1") if isinstance(body, str) else body
        return num

    def add(self, body: str | bytes) -> int:
        return self.put(self.reserve(), body)

    def stream(self, entries: str, data: bytes, compress: bool = True) -> int:
        if compress:
            data = zlib.compress(data, 6)
            entries += " /Filter /FlateDecode"
        head = f"<< {entries} /Length {len(data)} >>\nstream\n".encode("latin-1")
        return self.add(head + data + b"\nendstream")

    def serialise(self, root: int, title: str) -> bytes:
        info = self.add(f"<< /Title {_text_string(title)} /Producer (citychan) >>")
        out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for i, body in enumerate(self._objects, start=1):
            assert body is not None, f"object {i} reserved but never written"
            offsets.append(len(out))
            out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
        xref = len(out)
        out += f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode()
        out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
        out += (f"trailer\n<< /Size {len(offsets) + 1} /Root {root} 0 R /Info {info} 0 R >>\n"
                f"startxref\n{xref}\n%%EOF\n").encode()
        return bytes(out)


def _text_string(text: str) -> str:
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


@dataclass
class _FontUse:
    font: TrueTypeFont
    name: str
    used: dict[int, str] = field(default_factory=dict)  # glyph id -> character


class Canvas:
    """One page; coordinates in millimetres from the top-left corner, like a layout tool."""

    def __init__(self, width_mm: float, height_mm: float) -> None:
        self.width_mm = width_mm
        self.height_mm = height_mm
        self._ops: list[str] = []
        self._fonts: dict[str, _FontUse] = {}
        self._images: list[tuple[str, Logo]] = []

    def _pt(self, x_mm: float, y_mm: float) -> tuple[str, str]:
        return _num(x_mm * PT_PER_MM), _num((self.height_mm - y_mm) * PT_PER_MM)

    def rect(self, x: float, y: float, w: float, h: float, colour: Rgb) -> None:
        px, py = self._pt(x, y + h)
        self._ops.append(f"{_rgb(colour)} rg {px} {py} {_num(w * PT_PER_MM)} "
                         f"{_num(h * PT_PER_MM)} re f")

    def circle(self, cx: float, cy: float, r: float, colour: Rgb) -> None:
        k = 0.5523 * r  # cubic Bézier control distance for a quarter circle
        pts = [(cx + r, cy), (cx + r, cy + k, cx + k, cy + r, cx, cy + r),
               (cx - k, cy + r, cx - r, cy + k, cx - r, cy),
               (cx - r, cy - k, cx - k, cy - r, cx, cy - r),
               (cx + k, cy - r, cx + r, cy - k, cx + r, cy)]
        ops = [f"{_rgb(colour)} rg", " ".join(self._pt(*pts[0])) + " m"]
        for seg in pts[1:]:
            coords = [" ".join(self._pt(seg[i], seg[i + 1])) for i in (0, 2, 4)]
            ops.append(" ".join(coords) + " c")
        self._ops.append(" ".join(ops) + " f")

    def text(self, x: float, baseline: float, font: TrueTypeFont, size: float, text: str,
             colour: Rgb) -> None:
        """Draw ``text`` with its baseline at ``baseline`` mm from the top."""
        use = self._font_use(font)
        gids = font.glyphs(text)
        for gid, ch in zip(gids, text, strict=True):
            use.used.setdefault(gid, ch)
        px, py = self._pt(x, baseline)
        hexed = "".join(f"{g:04X}" for g in gids)
        self._ops.append(f"BT {_rgb(colour)} rg /{use.name} {_num(size)} Tf {px} {py} Td "
                         f"<{hexed}> Tj ET")

    def image(self, logo: Logo, x: float, y: float, w: float, h: float) -> None:
        name = f"Im{len(self._images) + 1}"
        self._images.append((name, logo))
        px, py = self._pt(x, y + h)
        self._ops.append(f"q {_num(w * PT_PER_MM)} 0 0 {_num(h * PT_PER_MM)} {px} {py} cm "
                         f"/{name} Do Q")

    def qr(self, symbol: Symbol, x: float, y: float, geometry: Geometry, fg: Rgb, bg: Rgb,
           logo: Logo | None = None, box: tuple[int, int, int] | None = None) -> None:
        """The code with its quiet zone, top-left at (x, y): one filled vector path."""
        m = geometry.module_mm
        self.rect(x, y, geometry.total_mm, geometry.total_mm, bg)
        ox, oy = self._pt(x + QUIET_ZONE * m, y + QUIET_ZONE * m)
        scale = _num(m * PT_PER_MM)
        # Module units with y pointing down: the runs are written as small integers.
        body = " ".join(f"{rx} {ry} {w} 1 re" for rx, ry, w in symbol.runs())
        self._ops.append(f"q {scale} 0 0 -{scale} {ox} {oy} cm {_rgb(fg)} rg {body} f Q")
        if logo is not None and box is not None:
            bx, by, side = box
            inner = (side - 1) * m  # half a module of margin on each side
            fit = inner / max(logo.width, logo.height)
            w, h = logo.width * fit, logo.height * fit
            left = x + (QUIET_ZONE + bx + 0.5) * m + (inner - w) / 2
            top = y + (QUIET_ZONE + by + 0.5) * m + (inner - h) / 2
            self.image(logo, left, top, w, h)

    def _font_use(self, font: TrueTypeFont) -> _FontUse:
        key = str(font.path)
        if key not in self._fonts:
            self._fonts[key] = _FontUse(font, f"F{len(self._fonts) + 1}")
        return self._fonts[key]

    def finish(self, title: str) -> bytes:
        """The complete one-page PDF document."""
        doc = PdfDoc()
        catalog, pages, page = doc.reserve(), doc.reserve(), doc.reserve()
        fonts = " ".join(f"/{u.name} {_embed_font(doc, u)} 0 R" for u in self._fonts.values())
        images = " ".join(f"/{name} {_embed_image(doc, logo)} 0 R" for name, logo in self._images)
        content = doc.stream("", "\n".join(self._ops).encode("latin-1"))
        w, h = _num(self.width_mm * PT_PER_MM), _num(self.height_mm * PT_PER_MM)
        doc.put(catalog, f"<< /Type /Catalog /Pages {pages} 0 R >>")
        doc.put(pages, f"<< /Type /Pages /Kids [{page} 0 R] /Count 1 >>")
        doc.put(page, f"<< /Type /Page /Parent {pages} 0 R /MediaBox [0 0 {w} {h}] "
                      f"/Resources << /Font << {fonts} >> /XObject << {images} >> >> "
                      f"/Contents {content} 0 R >>")
        return doc.serialise(catalog, title)


def _rgb(c: Rgb) -> str:
    return " ".join(_num(v / 255) for v in c.tuple)


def _embed_font(doc: PdfDoc, use: _FontUse) -> int:
    f = use.font
    file_ = doc.stream(f"/Length1 {len(f.data)}", f.data)
    bbox = " ".join(str(f.scale(v)) for v in f.bbox)
    descriptor = doc.add(
        f"<< /Type /FontDescriptor /FontName /{f.postscript_name} /Flags 32 /FontBBox [{bbox}] "
        f"/ItalicAngle 0 /Ascent {f.scale(f.ascent)} /Descent {f.scale(f.descent)} "
        f"/CapHeight {f.scale(f.cap_height)} /StemV 80 /FontFile2 {file_} 0 R >>")
    last = len(f.advances) - 1
    widths = " ".join(f"{g} [{f.scale(f.advances[min(g, last)])}]" for g in sorted(use.used))
    cid = doc.add(
        f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{f.postscript_name} "
        f"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        f"/FontDescriptor {descriptor} 0 R /W [{widths}] /CIDToGIDMap /Identity >>")
    to_unicode = doc.stream("", _to_unicode(use.used).encode("ascii"))
    return doc.add(f"<< /Type /Font /Subtype /Type0 /BaseFont /{f.postscript_name} "
                   f"/Encoding /Identity-H /DescendantFonts [{cid} 0 R] "
                   f"/ToUnicode {to_unicode} 0 R >>")


def _to_unicode(used: dict[int, str]) -> str:
    """So that copying text from the poster (and searching it) yields real letters."""
    lines = ["/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
             "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
             "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
             "1 begincodespacerange", "<0000> <FFFF>", "endcodespacerange"]
    items = sorted(used.items())
    for i in range(0, len(items), 100):
        chunk = items[i:i + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{g:04X}> <{ch.encode('utf-16-be').hex().upper()}>" for g, ch in chunk]
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines)


def _embed_image(doc: PdfDoc, logo: Logo) -> int:
    img = logo.fitted(min(1200, max(logo.width, logo.height)))
    rgb, alpha = img.convert("RGB").tobytes(), img.getchannel("A").tobytes()
    dims = f"/Width {img.width} /Height {img.height} /BitsPerComponent 8"
    mask = doc.stream(f"/Type /XObject /Subtype /Image {dims} /ColorSpace /DeviceGray", alpha)
    return doc.stream(f"/Type /XObject /Subtype /Image {dims} /ColorSpace /DeviceRGB "
                      f"/SMask {mask} 0 R", rgb)


def render_plain_pdf(symbol: Symbol, geometry: Geometry, fg: Rgb, bg: Rgb,
                     logo: Logo | None = None, box: tuple[int, int, int] | None = None) -> bytes:
    """A page exactly the size of the code with its quiet zone, for placing in a layout."""
    canvas = Canvas(geometry.total_mm, geometry.total_mm)
    canvas.qr(symbol, 0, 0, geometry, fg, bg, logo, box)
    return canvas.finish(f"QR code: {symbol.data}")
