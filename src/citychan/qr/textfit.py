"""Fitting text into a width on the poster: word wrap, URLs broken at their slashes, and
the largest font size (down to a legible floor) at which a block of lines fits."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from citychan.qr.fonts import TrueTypeFont

MM_PER_PT = 25.4 / 72
STEP_PT = 0.5  # font sizes are tried in half-point steps


def text_mm(font: TrueTypeFont, text: str, size: float) -> float:
    """Width of ``text`` at ``size`` points, in millimetres."""
    return font.width(text, size) * MM_PER_PT


def wrap(font: TrueTypeFont, size: float, text: str, width_mm: float) -> list[str]:
    """Greedy word wrap to ``width_mm`` at ``size`` points (a word longer than the width
    stays whole on its own line)."""
    return _greedy(font, size, text.split(), width_mm, " ")


def url_pieces(url: str) -> list[str]:
    """The places a printed URL may break: after a '/' (not inside '//'), and before a '?',
    '&' or '#', so every line still reads as part of a link."""
    pieces: list[str] = []
    current = ""
    for i, ch in enumerate(url):
        if ch in "?&#" and current:
            pieces.append(current)
            current = ""
        current += ch
        if ch == "/" and url[i + 1:i + 2] != "/":
            pieces.append(current)
            current = ""
    if current:
        pieces.append(current)
    return pieces


def pack(font: TrueTypeFont, size: float, pieces: Sequence[str],
         width_mm: float) -> list[str] | None:
    """Pieces joined greedily into lines no wider than ``width_mm``; None when one piece
    alone is wider."""
    if any(text_mm(font, piece, size) > width_mm for piece in pieces):
        return None
    return _greedy(font, size, pieces, width_mm, "")


def _greedy(font: TrueTypeFont, size: float, pieces: Sequence[str], width_mm: float,
            joiner: str) -> list[str]:
    """Each line takes pieces while it fits; a piece that does not starts the next line."""
    lines: list[str] = []
    current = ""
    for piece in pieces:
        trial = f"{current}{joiner}{piece}" if current else piece
        if current and text_mm(font, trial, size) > width_mm:
            lines.append(current)
            current = piece
        else:
            current = trial
    if current:
        lines.append(current)
    return lines


Layout = Callable[[float], "list[str] | None"]


def largest_fit(layouts: Sequence[Layout], start: float, floor: float,
                max_lines: int) -> tuple[float, list[str]] | None:
    """The first layout, at the largest size from ``start`` down to ``floor`` points, that
    gives at most ``max_lines`` lines; None when nothing fits."""
    for layout in layouts:
        size = start
        while size >= floor - 1e-9:
            lines = layout(size)
            if lines is not None and len(lines) <= max_lines:
                return size, lines
            size -= STEP_PT
    return None


def fit_url(font: TrueTypeFont, url: str, width_mm: float, start: float, floor: float,
            max_lines: int = 3) -> tuple[float, list[str]] | None:
    """A URL over at most ``max_lines`` lines at the largest size that fits."""
    pieces = url_pieces(url)
    return largest_fit([lambda size: pack(font, size, pieces, width_mm)], start, floor,
                       max_lines)


def fit_names(font: TrueTypeFont, names: Sequence[str], width_mm: float, start: float,
              floor: float, separator: str, max_lines: int = 4) -> tuple[float, list[str]] | None:
    """City names on one line if they fit, else one name per line, else each name
    wrapped at its spaces; each at the largest size down to ``floor``."""

    def fitting(lines: list[str], size: float) -> list[str] | None:
        return lines if all(text_mm(font, ln, size) <= width_mm for ln in lines) else None

    def one_line(size: float) -> list[str] | None:
        return fitting([separator.join(names)], size)

    def stacked(size: float) -> list[str] | None:
        return fitting(list(names), size)

    def wrapped(size: float) -> list[str] | None:
        return fitting([ln for name in names for ln in wrap(font, size, name, width_mm)], size)

    return largest_fit([one_line, stacked, wrapped], start, floor, max_lines)
