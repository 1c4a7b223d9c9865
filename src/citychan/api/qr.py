"""The subscription QR code and poster (`citychan qr`)."""

from __future__ import annotations

from citychan.config import Config
from citychan.qr.make import QrOptions, QrResult, make_qr, symbol_for
from citychan.qr.terminal import render_terminal

__all__ = ["QrOptions", "QrResult", "make", "terminal"]


def make(options: QrOptions, config: Config) -> QrResult:
    """Write the code or poster ``options.out`` asks for; refuses what would not scan."""
    return make_qr(options, config)


def terminal(options: QrOptions, config: Config, *, colour: bool) -> str:
    """The code drawn with block characters, to scan from the screen."""
    return render_terminal(symbol_for(options, config), colour=colour)
