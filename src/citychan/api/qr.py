"""The subscription QR code and poster (`citychan qr`)."""

from __future__ import annotations

from citychan.config import Config, is_placeholder_url
from citychan.errors import UsageError
from citychan.i18n import N_
from citychan.qr.make import QrOptions, QrResult, make_qr, symbol_for
from citychan.qr.terminal import render_terminal

__all__ = ["QrOptions", "QrResult", "make", "terminal"]


def make(options: QrOptions, config: Config) -> QrResult:
    """Write the code or poster ``options.out`` asks for; refuses what would not scan, and
    an example link in place of the city's channel."""
    refuse_placeholder(options, config)
    return make_qr(options, config)


def terminal(options: QrOptions, config: Config, *, colour: bool) -> str:
    """The code drawn with block characters, to scan from the screen."""
    refuse_placeholder(options, config)
    return render_terminal(symbol_for(options, config), colour=colour)


def refuse_placeholder(options: QrOptions, config: Config) -> None:
    """A poster is printed and hangs for years: one leading to an example link (what an
    old `citychan init` wrote) is refused before anything is drawn."""
    url = options.url if options.url is not None else config.subscribe.url
    if not url or not is_placeholder_url(url):
        return
    where = "--url" if options.url is not None else f"{config.source}: [subscribe] url"
    raise UsageError(N_("{where} {url!r} is an example, not your channel's invite link").format(
                         where=where, url=url.strip()),
                     hint=N_("set [subscribe] url to your channel's link (in WhatsApp: Channels, "
                             "your channel, Share channel link), or pass --url"))
