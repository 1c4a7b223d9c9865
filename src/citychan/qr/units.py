"""Physical lengths and colours: parsing what a person types (``5cm``, ``#1a1a1a``) and the
contrast arithmetic that decides whether a phone can read a printed code."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from citychan.errors import UsageError
from citychan.i18n import N_

MM_PER_INCH = 25.4
PT_PER_MM = 72 / MM_PER_INCH
_UNITS_MM = {"mm": 1.0, "cm": 10.0, "m": 1000.0, "in": MM_PER_INCH}
_LENGTH = re.compile(r"^\s*([-+]?\d+(?:[.,]\d+)?)\s*(mm|cm|m|in)\s*$", re.IGNORECASE)


def parse_length(text: str, option: str) -> float:
    """``'5cm'``, ``'50 mm'``, ``'2in'``, ``'2m'`` → millimetres. A unit is required."""
    match = _LENGTH.match(text)
    if not match:
        raise UsageError(N_("{option} {text!r}: give a length with a unit, e.g. 5cm, "
                            "50mm, 2in, 2m").format(option=option, text=text))
    value = float(match.group(1).replace(",", "."))
    if value <= 0:
        raise UsageError(N_("{option} {text!r}: must be greater than zero").format(
                             option=option, text=text))
    return value * _UNITS_MM[match.group(2).lower()]


def format_mm(mm: float, digits: int = 2) -> str:
    """A length as a person reads it on a ruler: ``'5.08 cm'``, ``'2.00 m'``."""
    if mm >= 1000:
        return f"{mm / 1000:.{digits}f} m"
    return f"{mm / 10:.{digits}f} cm"


def apart(value: float, limit: float, render: Callable[[float, int], str],
          digits: int) -> str:
    """``value`` as ``render`` writes it with ``digits`` decimals, or with more if it would
    otherwise read the same as the ``limit`` it is compared with: 19.99 mm is "1.999 cm is
    too small", not "2.00 cm is too small … at least 2.00 cm"."""
    for places in range(digits, 11):
        text = render(value, places)
        if text != render(limit, places):
            return text
    return text


@dataclass(frozen=True)
class Rgb:
    r: int
    g: int
    b: int

    @property
    def hex(self) -> str:
        return f"#{self.r:02x}{self.g:02x}{self.b:02x}"

    @property
    def tuple(self) -> tuple[int, int, int]:
        return (self.r, self.g, self.b)

    def luminance(self) -> float:
        """WCAG 2 relative luminance (0 black … 1 white)."""

        def channel(c: int) -> float:
            s = c / 255
            return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(self.r) + 0.7152 * channel(self.g) + 0.0722 * channel(self.b)


_NAMED = {"black": "#000000", "white": "#ffffff", "navy": "#000080", "darkblue": "#00008b",
          "darkgreen": "#006400", "darkred": "#8b0000", "gray": "#808080", "grey": "#808080",
          "red": "#ff0000", "blue": "#0000ff", "green": "#008000", "yellow": "#ffff00"}
_HEX = re.compile(r"^#?([0-9a-f]{3}|[0-9a-f]{6})$", re.IGNORECASE)


def parse_colour(text: str, option: str) -> Rgb:
    """``'#1a2b3c'``, ``'1a2b3c'``, ``'#abc'`` or a few plain names → Rgb."""
    value = _NAMED.get(text.strip().lower(), text.strip())
    match = _HEX.match(value)
    if not match:
        raise UsageError(N_("{option} {text!r}: not a colour; use hex like '#1a1a1a' or "
                            "'black'").format(option=option, text=text))
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return Rgb(int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))


def contrast_ratio(a: Rgb, b: Rgb) -> float:
    """WCAG contrast ratio, 1 (none) … 21 (black on white)."""
    hi, lo = sorted((a.luminance(), b.luminance()), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


MIN_CONTRAST = 4.5


def check_colours(fg: Rgb, bg: Rgb) -> None:
    """Refuse colour pairs that phones read badly: inverted (light modules on a dark
    ground, which many scanner apps do not try) or below 4.5:1 contrast."""
    if fg.luminance() > bg.luminance():
        raise UsageError(
            N_("--fg {hex} is lighter than --bg {hex2}: light-on-dark codes are refused "
               "because many phone scanners cannot read them").format(hex=fg.hex, hex2=bg.hex),
            hint=N_("use a dark --fg on a light --bg"),
        )
    ratio = contrast_ratio(fg, bg)
    if ratio < MIN_CONTRAST:
        raise UsageError(
            N_("--fg {hex} on --bg {hex2} has contrast {apart}:1, below the "
               "{min_contrast}:1 a printed code needs").format(
                hex=fg.hex, hex2=bg.hex,
                apart=apart(ratio, MIN_CONTRAST, lambda v, d: f'{v:.{d}f}', 1),
                min_contrast=MIN_CONTRAST),
            hint=N_("pick a darker --fg or a lighter --bg"),
        )
