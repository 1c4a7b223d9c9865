"""The one measure of length (render.types.measure): what rules, preview and results show."""

from __future__ import annotations

from citychan.channels.base import Capabilities, Dialect, LengthUnit, Rendered
from citychan.render.types import Length, measure


def test_measure_counts_urls_and_bytes() -> None:
    """Every URL counts as the channel's URL length; bytes are UTF-8 bytes."""
    url = "https://www.bautzen.de/" + "x" * 60
    text = f"Straße: {url}"
    mastodon = Capabilities(Dialect.PLAIN, max_length=500, url_length=23)
    assert mastodon.measure(Rendered(Dialect.PLAIN, text)) == len("Straße: ") + 23
    assert Capabilities(Dialect.PLAIN).measure(Rendered(Dialect.PLAIN, "Straße")) == 6
    ntfy = Capabilities(Dialect.NTFY, length_unit=LengthUnit.BYTES)
    assert ntfy.measure(Rendered(Dialect.NTFY, "Straße Budyšin")) == len(
        "Straße Budyšin".encode()) == 16
    telegram = Capabilities(Dialect.TELEGRAM)
    html = '<b>A &amp; B</b> <a href="https://x.de/">Link</a>'
    assert telegram.measure(Rendered(Dialect.TELEGRAM, html)) == 10


def test_a_matrix_event_counts_its_body_and_its_formatted_body() -> None:
    """The whole event (matrix-org/matrix-spec client-server-api, "Size limits"): the content
    as Canonical JSON (sorted keys, no spaces, UTF-8 as is; a line break and a quote take two
    bytes) plus the fixed 4,096 bytes allowed for the homeserver's envelope."""
    event = Rendered(Dialect.MATRIX, "Straße\ngesperrt",
                     html='<p class="x"><b>Straße</b> gesperrt</p>')
    content = ('{"body":"Straße\\ngesperrt","format":"org.matrix.custom.html",'
               '"formatted_body":"<p class=\\"x\\"><b>Straße</b> gesperrt</p>",'
               '"msgtype":"m.notice"}')
    assert measure(event, LengthUnit.BYTES) == len(content.encode()) + 4096 == 4241
    plain = '{"body":"Straße","msgtype":"m.notice"}'  # no HTML part: no format either
    assert measure(Rendered(Dialect.MATRIX, "Straße"), LengthUnit.BYTES) == len(
        plain.encode()) + 4096 == 4135


def test_html_of_other_dialects_is_not_part_of_the_text() -> None:
    """E-mail and feed carry HTML in a part of their own; the limit is on the text."""
    for dialect in (Dialect.EMAIL, Dialect.FEED):
        assert measure(Rendered(dialect, "Text", html="<p>Text</p>")) == 4


def test_urls_count_fixed_after_the_telegram_markup_is_gone() -> None:
    html = '<a href="https://www.bautzen.de/a-very-long-path">https://www.bautzen.de/x</a>.'
    assert measure(Rendered(Dialect.TELEGRAM, html), url_length=23) == 23 + 1


def test_length_against_the_limit_and_the_caption_limit() -> None:
    caps = Capabilities(Dialect.WHATSAPP, max_length=4096, caption_max=1024, images=True)
    text = Rendered(Dialect.WHATSAPP, "x" * 2000)
    assert caps.length_of(text) == Length(2000, LengthUnit.CHARS, 4096, caption=False)
    assert not caps.length_of(text).over
    caption = caps.length_of(text, with_image=True)
    assert (caption.limit, caption.caption, caption.over) == (1024, True, True)
    no_images = Capabilities(Dialect.PLAIN, max_length=500, caption_max=100)
    assert no_images.length_of(text, with_image=True).limit == 500
    assert not Capabilities(Dialect.PLAIN).length_of(text).over  # no limit, never over
    assert Length(10, limit=10).over is False and Length(11, limit=10).over is True
