"""The code in a terminal: two module rows per text line with half-block characters,
drawn dark-on-light with explicit colours so it scans on dark terminal themes too."""

from __future__ import annotations

from citychan.qr.encode import QUIET_ZONE, Symbol

# Index: (top dark, bottom dark). The glyph's ink is the dark module colour.
_BLOCKS = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}
_ON = "\x1b[30;107m"  # black ink on bright white
_OFF = "\x1b[0m"


def render_terminal(symbol: Symbol, colour: bool = True) -> str:
    """Text lines of the code with its quiet zone; ``colour`` adds ANSI black-on-white."""
    n = symbol.modules + 2 * QUIET_ZONE

    def dark(x: int, y: int) -> bool:
        sx, sy = x - QUIET_ZONE, y - QUIET_ZONE
        return 0 <= sx < symbol.modules and 0 <= sy < symbol.modules and symbol.dark[sy][sx]

    lines = []
    for y in range(0, n, 2):
        text = "".join(_BLOCKS[(dark(x, y), y + 1 < n and dark(x, y + 1))] for x in range(n))
        lines.append(f"{_ON}{text}{_OFF}" if colour else text)
    return "\n".join(lines) + "\n"
