"""The QR symbol itself and its printed geometry: which modules are dark, how big one module
is on paper, where a logo may sit. Pure data; every output format draws from this."""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from citychan.errors import UsageError
from citychan.i18n import N_
from citychan.links import clean_url
from citychan.qr.units import MM_PER_INCH, apart, format_mm

QUIET_ZONE = 4  # modules of light margin on every side (ISO/IEC 18004 minimum)
DPI = 300  # print resolution the module grid snaps to, in every format
MIN_SIZE_MM = 20.0  # below 2 cm phones struggle at arm's length
# 1 m is read from 10 m away (distance / 10), as far as a sign on a wall is read; a banner
# beyond that is the print shop's job, scaling the SVG or PDF (vector, any size).
MAX_SIZE_MM = 1000.0
MAX_LOGO_SHARE = 0.15  # of the symbol area; level H restores up to ~30 % damage
DEFAULT_LOGO_SHARE = 0.10


def check_url(url: str | None, where: str) -> str:
    """A subscription URL must be https (a poster lives for years; http can be hijacked),
    name a host, and hold no spaces or control characters: a pasted line break would put
    a second, different link into the code."""
    if not url:
        raise UsageError(N_("no URL to encode: set [subscribe] url in the config or pass --url"))
    url = url.strip()
    problem = _bad_character(url) or _url_problem(url)
    if problem:
        hint = ("copy the link again, or write a space as %20" if "character" in problem
                else "a WhatsApp Channel invite looks like https://whatsapp.com/channel/…")
        raise UsageError(N_("{where} {shown}: {problem}").format(
                             where=where, shown=_shown(url), problem=problem), hint=hint)
    return clean_url(url)[0]  # no utm_* in a code either: a notice's links have none


def check_link(url: str, where: str) -> str:
    """A join link for the poster's row of other codes: https as in check_url, or a
    mailto: address."""
    url = url.strip()
    if not url.lower().startswith("mailto:"):
        return check_url(url, where)
    problem = _bad_character(url) or (None if "@" in url else "has no e-mail address")
    if problem:
        raise UsageError(N_("{where} {shown}: {problem}").format(
                             where=where, shown=_shown(url), problem=problem))
    return url


def _shown(url: str, limit: int = 80) -> str:
    """The URL quoted for a one-line message; a very long one is shortened visibly."""
    return repr(url if len(url) <= limit else url[:limit - 1] + "…")


def _bad_character(url: str) -> str | None:
    bad = next((ch for ch in url if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf")),
               None)
    if bad is None:
        return None
    what = "a space" if bad == " " else f"the invisible character U+{ord(bad):04X}"
    return f"contains {what}; a link has no spaces or control characters"


def _url_problem(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed '[' of an IPv6 address
        return "is not a valid URL"
    if parts.scheme.lower() != "https":
        return "only https:// URLs are encoded"
    return None if host else "has no host name after https://"


@dataclass(frozen=True)
class Symbol:
    """The module matrix without quiet zone; ``dark[y][x]``."""

    data: str
    level: str  # "M" or "H"
    version: int
    dark: tuple[tuple[bool, ...], ...]

    @property
    def modules(self) -> int:
        return len(self.dark)

    def runs(self) -> list[tuple[int, int, int]]:
        """Horizontal runs of dark modules as (x, y, length): few shapes, no seams."""
        out = []
        for y, row in enumerate(self.dark):
            x = 0
            while x < len(row):
                if row[x]:
                    start = x
                    while x < len(row) and row[x]:
                        x += 1
                    out.append((start, y, x - start))
                else:
                    x += 1
        return out

    def without(self, box: tuple[int, int, int] | None) -> Symbol:
        """The symbol with a square (x, y, side) cleared to light, where a logo goes."""
        if box is None:
            return self
        bx, by, side = box
        dark = tuple(
            tuple(False if (bx <= x < bx + side and by <= y < by + side) else v
                  for x, v in enumerate(row))
            for y, row in enumerate(self.dark))
        return Symbol(self.data, self.level, self.version, dark)


def encode(data: str, level: str = "M") -> Symbol:
    """Encode ``data`` at error-correction ``level`` (M default, H under a logo)."""
    import qrcode
    from qrcode import constants

    levels = {"L": constants.ERROR_CORRECT_L, "M": constants.ERROR_CORRECT_M,
              "Q": constants.ERROR_CORRECT_Q, "H": constants.ERROR_CORRECT_H}
    code = qrcode.QRCode(error_correction=levels[level], border=0)
    code.add_data(data)
    try:
        code.make(fit=True)
    except Exception as exc:  # qrcode raises DataOverflowError for > version 40
        raise UsageError(N_("URL too long for a QR code ({n_data:,} characters)").format(
                             n_data=len(data))) from exc
    return Symbol(data, level, int(code.version), tuple(tuple(r) for r in code.get_matrix()))


@dataclass(frozen=True)
class Geometry:
    """Printed size: the module size snaps to whole dots of a 300 DPI grid and is rounded
    up, so the code is never smaller than asked."""

    modules: int
    dots_per_module: int

    @property
    def module_mm(self) -> float:
        return self.dots_per_module * MM_PER_INCH / DPI

    @property
    def symbol_mm(self) -> float:
        return self.modules * self.module_mm

    @property
    def total_modules(self) -> int:
        return self.modules + 2 * QUIET_ZONE

    @property
    def total_mm(self) -> float:
        return self.total_modules * self.module_mm

    @property
    def total_px(self) -> int:
        return self.total_modules * self.dots_per_module


def plan(modules: int, size_mm: float, option: str = "--size") -> Geometry:
    """The smallest 300-DPI module size whose symbol is at least ``size_mm`` wide."""
    if size_mm < MIN_SIZE_MM - 1e-9:
        raise UsageError(N_("{option} {apart} is too small: a printed code needs at least "
                            "{format_mm} to scan reliably").format(
                             option=option, apart=apart(size_mm, MIN_SIZE_MM, format_mm, 2),
                             format_mm=format_mm(MIN_SIZE_MM)))
    if size_mm > MAX_SIZE_MM + 1e-9:
        raise UsageError(N_("{option} {apart} is too large: a code is at most {format_mm} "
                            "wide (readable from 10 m away)").format(
                             option=option, apart=apart(size_mm, MAX_SIZE_MM, format_mm, 2),
                             format_mm=format_mm(MAX_SIZE_MM)),
                         hint=N_("for a banner, let the print shop scale the SVG or PDF"))
    dots = math.ceil(size_mm / MM_PER_INCH * DPI / modules - 1e-9)
    return Geometry(modules, max(dots, 1))


def distance_warning(geometry: Geometry, distance_mm: float | None) -> str | None:
    """The distance/10 rule of thumb: a code read from 2 m away should be 20 cm wide."""
    if distance_mm is None:
        return None
    needed = distance_mm / 10
    if geometry.symbol_mm + 1e-9 >= needed:
        return None
    this_one = apart(geometry.symbol_mm, needed, format_mm, 2)
    return (f"a code read from {format_mm(distance_mm)} should be at least {format_mm(needed)} "
            f"wide (distance / 10); this one is {this_one}")


def logo_box(modules: int, share: float) -> tuple[int, int, int]:
    """The centred square (x, y, side) in whole modules that a logo may cover. Its side has
    the symbol's parity so it sits exactly in the middle, and its area stays within
    ``share`` of the symbol."""
    if share > MAX_LOGO_SHARE + 1e-9:
        shown = apart(share, MAX_LOGO_SHARE, lambda v, d: f"{v:.{d}%}", 0)
        raise UsageError(N_("--logo-size {shown}: a logo may cover at most "
                            "{max_logo_share:.0%} of the code, or phones cannot read it").format(
                             shown=shown, max_logo_share=MAX_LOGO_SHARE))
    side = int(math.sqrt(share) * modules)
    if side % 2 != modules % 2:
        side -= 1
    if side < 3:
        raise UsageError(N_("--logo-size {share:.0%} leaves no room for a logo").format(
                             share=share))
    start = (modules - side) // 2
    return (start, start, side)
