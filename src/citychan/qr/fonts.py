"""A TrueType font for the poster, embedded whole as a PDF Type0/Identity-H font, so that
Sorbian letters (ě ł ć ř ń ź) print correctly; the PDF standard fonts cannot show them.

The font comes from the PyPI package ``font-source-sans-pro`` (SIL OFL 1.1), so a fresh
machine with only PyPI packages has it; DejaVu Sans from the system is the fallback."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from citychan.errors import UsageError
from citychan.i18n import N_

_PACKAGE = "font_source_sans_pro"
_SYSTEM = {
    "regular": ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",),
    "bold": ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",),
}
_PACKAGE_FILES = {"regular": "SourceSansPro-Regular.ttf", "bold": "SourceSansPro-Bold.ttf"}


@dataclass(frozen=True)
class TrueTypeFont:
    path: Path
    data: bytes
    postscript_name: str
    units_per_em: int
    ascent: int
    descent: int
    cap_height: int
    bbox: tuple[int, int, int, int]
    cmap: _Cmap
    advances: tuple[int, ...]  # glyph id -> advance width in font units

    def glyphs(self, text: str) -> list[int]:
        return [self.cmap.glyph(ord(ch)) for ch in text]

    def width(self, text: str, size: float) -> float:
        """Advance width of ``text`` at ``size`` points."""
        last = len(self.advances) - 1
        units = sum(self.advances[min(g, last)] for g in self.glyphs(text))
        return units * size / self.units_per_em

    def scale(self, units: int) -> int:
        """Font units -> PDF glyph space (1/1000 em)."""
        return round(units * 1000 / self.units_per_em)

    def covers(self, text: str) -> bool:
        return all(self.cmap.glyph(ord(ch)) for ch in text if not ch.isspace())


def _package_dir() -> Path | None:
    # find_spec locates the package without executing it (its __init__ globs the folder).
    from importlib.util import find_spec

    try:
        spec = find_spec(_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "files"


def find_font(weight: str) -> Path:
    """The font file for ``weight`` ('regular' or 'bold'), or a UsageError saying what to
    install."""
    folder = _package_dir()
    candidates = [folder / _PACKAGE_FILES[weight]] if folder else []
    candidates += [Path(p) for p in _SYSTEM[weight]]
    for path in candidates:
        if path.is_file():
            return path
    raise UsageError(N_("no font for the poster's Sorbian letters was found"),
                     hint=N_("pip install font-source-sans-pro (or install fonts-dejavu-core)"))


@cache
def load_font(weight: str) -> TrueTypeFont:
    """Read and parse the font for ``weight`` once per process."""
    return parse_truetype(find_font(weight))


def parse_truetype(path: Path) -> TrueTypeFont:
    data = path.read_bytes()
    tables = _tables(data)
    head = tables["head"]
    units, = struct.unpack_from(">H", data, head + 18)
    bbox = struct.unpack_from(">hhhh", data, head + 36)
    hhea = tables["hhea"]
    ascent, descent = struct.unpack_from(">hh", data, hhea + 4)
    n_metrics, = struct.unpack_from(">H", data, hhea + 34)
    advances = struct.unpack_from(f">{2 * n_metrics}H", data, tables["hmtx"])[::2]
    cap = ascent * 7 // 10
    os2 = tables.get("OS/2")
    if os2 is not None and struct.unpack_from(">H", data, os2)[0] >= 2:
        cap, = struct.unpack_from(">h", data, os2 + 88)
    return TrueTypeFont(path, data, _postscript_name(data, tables["name"]) or path.stem,
                        units, ascent, descent, cap, bbox, _cmap(data, tables["cmap"]), advances)


def _tables(data: bytes) -> dict[str, int]:
    count, = struct.unpack_from(">H", data, 4)
    out = {}
    for i in range(count):
        tag, _checksum, offset, _length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
        out[tag.decode("latin-1")] = offset
    return out


def _cmap(data: bytes, base: int) -> _Cmap:
    """Unicode BMP mapping from the format 4 subtable (platform 3 encoding 1 or 0/3)."""
    count, = struct.unpack_from(">H", data, base + 2)
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", data, base + 4 + 8 * i)
        sub = base + offset
        if (platform, encoding) in ((3, 1), (0, 3)) and struct.unpack_from(">H", data, sub)[0] == 4:
            return _Cmap(data, sub)
    raise UsageError(N_("the poster font has no Unicode character map"))


class _Cmap:
    """A format 4 character map, looked up per character: decoding all of it up front
    costs more than the whole poster (tens of milliseconds in pure Python)."""

    def __init__(self, data: bytes, sub: int) -> None:
        segs = struct.unpack_from(">H", data, sub + 6)[0] // 2
        self._data = data
        self._ends = struct.unpack_from(f">{segs}H", data, sub + 14)
        self._starts = struct.unpack_from(f">{segs}H", data, sub + 16 + 2 * segs)
        self._deltas = struct.unpack_from(f">{segs}h", data, sub + 16 + 4 * segs)
        self._range_base = sub + 16 + 6 * segs
        self._offsets = struct.unpack_from(f">{segs}H", data, self._range_base)
        self._memo: dict[int, int] = {}

    def glyph(self, code: int) -> int:
        """Glyph id for a code point, 0 (.notdef) when the font lacks it."""
        if code in self._memo:
            return self._memo[code]
        from bisect import bisect_left

        i = bisect_left(self._ends, code)
        gid = 0
        if i < len(self._ends) and self._starts[i] <= code <= 0xFFFE:
            if self._offsets[i] == 0:
                gid = (code + self._deltas[i]) & 0xFFFF
            else:
                at = (self._range_base + 2 * i + self._offsets[i]
                      + 2 * (code - self._starts[i]))
                raw = struct.unpack_from(">H", self._data, at)[0]
                gid = (raw + self._deltas[i]) & 0xFFFF if raw else 0
        self._memo[code] = gid
        return gid


def _postscript_name(data: bytes, base: int) -> str | None:
    count, strings = struct.unpack_from(">HH", data, base + 2)
    for i in range(count):
        platform, _enc, _lang, name_id, length, offset = struct.unpack_from(
            ">HHHHHH", data, base + 6 + 12 * i)
        if name_id == 6:
            raw = data[base + strings + offset: base + strings + offset + length]
            text = raw.decode("utf-16-be" if platform in (0, 3) else "latin-1", "replace")
            return "".join(ch for ch in text if ch.isalnum() or ch in "-_") or None
    return None
