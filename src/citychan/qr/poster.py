"""The print-ready poster: city name, a title per language, the big code, the URL as text,
three steps, and a row of smaller codes for people without WhatsApp. Laid out for A4 in
millimetres and scaled down for A5 and A6."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from citychan.errors import UsageError
from citychan.qr.encode import MIN_SIZE_MM, Geometry, Symbol
from citychan.qr.fonts import TrueTypeFont, load_font
from citychan.qr.logo import Logo
from citychan.qr.pdf import Canvas
from citychan.qr.textfit import MM_PER_PT, fit_names, fit_url, text_mm, wrap
from citychan.qr.texts import CHANNEL_WORDS, OTHERS_GENERIC, TEXTS
from citychan.qr.units import Rgb

PAPERS = {"a4": (210.0, 297.0), "a5": (148.0, 210.0), "a6": (105.0, 148.0)}
DEFAULT_CODE_MM = {"a4": 90.0, "a5": 62.0, "a6": 42.0}
INK = Rgb(0x1A, 0x1A, 0x1A)
ACCENT = Rgb(0x00, 0x4B, 0x87)  # a deep civic blue, 9:1 on white
MUTED = Rgb(0x4A, 0x4A, 0x4A)
WHITE = Rgb(0xFF, 0xFF, 0xFF)
URL_MIN_PT = 6.0  # the printed URL: smaller is not legible at arm's length
LOGO_MAX_WIDTH = 0.4  # of the text width: a wide wordmark leaves room for the city's names
NAME_SEPARATOR = "  ·  "


class PosterOverflow(UsageError):
    """The content is taller than the paper (a smaller main code may help)."""


class PosterTextOverflow(UsageError):
    """A line of text is wider than the paper even at its smallest legible size (a smaller
    main code does not help)."""


@dataclass(frozen=True)
class SmallCode:
    label: str
    url: str
    symbol: Symbol
    geometry: Geometry


@dataclass(frozen=True)
class PosterSpec:
    paper: str
    url: str
    symbol: Symbol
    geometry: Geometry
    fg: Rgb
    bg: Rgb
    city_names: dict[str, str]
    languages: tuple[str, ...]  # only those with poster texts, in configured order
    others: tuple[SmallCode, ...]
    logo: Logo | None = None
    box: tuple[int, int, int] | None = None


def is_whatsapp(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host == "whatsapp.com" or host.endswith(".whatsapp.com")


def small_code_mm(paper: str) -> float:
    return max(MIN_SIZE_MM, 22.0 * PAPERS[paper][0] / 210)


def max_small_codes(paper: str, cell_mm: float) -> int:
    """How many smaller codes fit side by side, with room for their labels."""
    width = PAPERS[paper][0]
    usable = width - 2 * 14 * width / 210
    return max(1, int(usable // (cell_mm + 8 * width / 210)))


class _Layout:
    def __init__(self, spec: PosterSpec) -> None:
        self.spec = spec
        self.w, self.h = PAPERS[spec.paper]
        self.s = self.w / 210  # scale of every A4 measure
        self.margin = 14 * self.s
        self.canvas = Canvas(self.w, self.h)
        self.bold, self.regular = load_font("bold"), load_font("regular")
        self.y = self.margin
        kind = "whatsapp" if is_whatsapp(spec.url) else "other"
        self.words = {lang: CHANNEL_WORDS[lang][kind] for lang in spec.languages}
        self.whatsapp = kind == "whatsapp"

    def pt(self, a4_size: float, floor: float = 6.5) -> float:
        return max(floor, a4_size * self.s)

    @property
    def usable(self) -> float:
        return self.w - 2 * self.margin

    def centred(self, text: str, font: TrueTypeFont, size: float, colour: Rgb) -> None:
        self.lines(wrap(font, size, text, self.usable), font, size, colour)

    def lines(self, lines: list[str], font: TrueTypeFont, size: float, colour: Rgb) -> None:
        for line in lines:
            self.y += size * MM_PER_PT  # the cap height sits below y
            x = (self.w - text_mm(font, line, size)) / 2
            self.canvas.text(x, self.y, font, size, line, colour)
            self.y += size * MM_PER_PT * 0.3

    def too_wide(self, what: str, hint: str) -> PosterTextOverflow:
        bigger = "" if self.spec.paper == "a4" else ", or use a larger --paper"
        return PosterTextOverflow(f"{what} on {self.spec.paper.upper()}", hint=hint + bigger)


def render_poster(spec: PosterSpec) -> bytes:
    """The poster as a one-page PDF; raises UsageError when the content does not fit."""
    lay = _Layout(spec)
    _header(lay)
    _titles(lay)
    _main_code(lay)
    _steps(lay)
    if spec.others:
        _others(lay)
    if lay.y > lay.h - lay.margin * 0.6:
        raise PosterOverflow(f"the poster content does not fit on {spec.paper.upper()}",
                         hint="use a smaller --size or a larger --paper")
    names = " / ".join(TEXTS[lang].city.format(name=spec.city_names.get(lang, ""))
                       for lang in spec.languages)
    return lay.canvas.finish(names)


def _header(lay: _Layout) -> None:
    """Logo and city names in one row; the logo is capped in width and the names shrink,
    then stack, then wrap, so that nothing reaches past the margins."""
    spec, c = lay.spec, lay.canvas
    names = city_lines(spec)
    logo_w, logo_h = _logo_size(lay)
    gap = 4 * lay.s if spec.logo else 0.0
    start = lay.pt(20)
    fit = fit_names(lay.bold, names, lay.usable - logo_w - gap, start, max(6.5, start * 0.7),
                    NAME_SEPARATOR)
    if fit is None:
        raise lay.too_wide("the city names do not fit in the poster header",
                           "shorten the names in [city] names")
    size, lines = fit
    line_h = size * MM_PER_PT * 1.2
    row_h = max(logo_h, size * MM_PER_PT + (len(lines) - 1) * line_h)
    text_w = max(text_mm(lay.bold, line, size) for line in lines)
    left = (lay.w - (logo_w + gap + text_w)) / 2
    if spec.logo:
        c.image(spec.logo, left, lay.y + (row_h - logo_h) / 2, logo_w, logo_h)
    baseline = lay.y + row_h / 2 - (len(lines) - 1) * line_h / 2 + size * MM_PER_PT * 0.35
    for line in lines:
        x = left + logo_w + gap if spec.logo else (lay.w - text_mm(lay.bold, line, size)) / 2
        c.text(x, baseline, lay.bold, size, line, ACCENT)
        baseline += line_h
    lay.y += row_h + 4 * lay.s
    c.rect(lay.margin, lay.y, lay.usable, 1.2 * lay.s, ACCENT)
    lay.y += 6 * lay.s


def _logo_size(lay: _Layout) -> tuple[float, float]:
    """The header logo's (width, height): 16 mm high on A4, at most 40 % of the width."""
    logo = lay.spec.logo
    if logo is None:
        return 0.0, 0.0
    height = 16 * lay.s
    width = height * logo.width / logo.height
    if width > LOGO_MAX_WIDTH * lay.usable:
        width = LOGO_MAX_WIDTH * lay.usable
        height = width * logo.height / logo.width
    return width, height


def city_lines(spec: PosterSpec) -> list[str]:
    """"Stadt Bautzen", "Město Budyšin": the header's names, one per language."""
    fallback = next(iter(spec.city_names.values()), "")
    return [TEXTS[lang].city.format(name=spec.city_names.get(lang) or fallback)
            for lang in spec.languages]


def missing_glyphs(spec: PosterSpec) -> list[str]:
    """A warning for each text from the config or --url with characters the poster font
    lacks: they would print as empty boxes (the poster's own wording is all covered)."""
    fonts = (load_font("bold"), load_font("regular"))
    texts = {"[city] names": " ".join(city_lines(spec)), "the URL": spec.url}
    texts.update({f"the {o.label} link": o.label + o.url for o in spec.others})
    out = []
    for where, text in texts.items():
        chars = sorted({ch for ch in text if not all(f.covers(ch) for f in fonts)})
        if chars:
            shown = " ".join(f"'{ch}' (U+{ord(ch):04X})" for ch in chars[:8])
            out.append(f"the poster font has no {shown} in {where}: "
                       "they print as empty boxes")
    return out


def _titles(lay: _Layout) -> None:
    for i, lang in enumerate(lay.spec.languages):
        colour = INK if i == 0 else ACCENT
        lay.centred(TEXTS[lang].title, lay.bold, lay.pt(24 if i == 0 else 20), colour)
        lay.y += 1.5 * lay.s


def _main_code(lay: _Layout) -> None:
    spec = lay.spec
    g = spec.geometry
    if g.total_mm > lay.w - 2 * lay.margin + 1e-6:
        raise PosterOverflow(f"a {g.symbol_mm / 10:.1f} cm code does not fit on "
                         f"{spec.paper.upper()}", hint="use a smaller --size or a larger --paper")
    x = (lay.w - g.total_mm) / 2
    lay.canvas.qr(spec.symbol, x, lay.y, g, spec.fg, spec.bg, spec.logo, spec.box)
    lay.y += g.total_mm
    fit = fit_url(lay.regular, spec.url, lay.usable, lay.pt(11, URL_MIN_PT), URL_MIN_PT)
    if fit is None:
        raise lay.too_wide(f"the URL ({len(spec.url)} characters) is too long to print under "
                           "the code", "use a shorter link, e.g. a redirect on the city's website")
    lay.lines(fit[1], lay.regular, fit[0], MUTED)
    lay.y += 6 * lay.s


def _steps(lay: _Layout) -> None:
    spec, c = lay.spec, lay.canvas
    gap = 6 * lay.s
    col_w = (lay.w - 2 * lay.margin - 2 * gap) / 3
    r = 5 * lay.s
    top = lay.y
    bottom = top
    for i in range(3):
        x = lay.margin + i * (col_w + gap)
        c.circle(x + r, top + r, r, ACCENT)
        num_size = lay.pt(15)
        c.text(x + r - lay.bold.width(str(i + 1), num_size) * MM_PER_PT / 2,
               top + r + num_size * MM_PER_PT * 0.35, lay.bold, num_size, str(i + 1), WHITE)
        y = top + 2 * r + 2 * lay.s
        for j, lang in enumerate(spec.languages):
            channel, follow = lay.words[lang]
            text = TEXTS[lang].steps[i].format(channel=channel, follow=follow)
            font, colour = (lay.bold, INK) if j == 0 else (lay.regular, MUTED)
            size = lay.pt(11.5 if j == 0 else 10.5)
            for line in wrap(font, size, text, col_w):
                y += size * MM_PER_PT * 1.25
                c.text(x, y, font, size, line, colour)
            y += 1.5 * lay.s
        bottom = max(bottom, y)
    lay.y = bottom + 3 * lay.s
    if lay.whatsapp and not (spec.paper == "a6" and spec.others):  # A6: room for one
        for lang in spec.languages:
            lay.centred(TEXTS[lang].note, lay.regular, lay.pt(9.5), MUTED)
    lay.y += 5 * lay.s


def _others(lay: _Layout) -> None:
    spec, c = lay.spec, lay.canvas
    c.rect(lay.margin, lay.y, lay.w - 2 * lay.margin, 0.4 * lay.s, MUTED)
    lay.y += 3 * lay.s
    for i, lang in enumerate(spec.languages):
        text = TEXTS[lang].others if lay.whatsapp else OTHERS_GENERIC[lang]
        lay.centred(text, lay.bold if i == 0 else lay.regular, lay.pt(11.5), INK)
    lay.y += 3 * lay.s
    count = len(spec.others)
    cell = max(s.geometry.total_mm for s in spec.others)
    gap = (lay.w - 2 * lay.margin - count * cell) / max(count, 1)
    label_size, url_size = lay.pt(10), lay.pt(7, 5)
    for i, small in enumerate(spec.others):
        cx = lay.margin + gap / 2 + i * (cell + gap) + cell / 2
        g = small.geometry
        c.qr(small.symbol, cx - g.total_mm / 2, lay.y, g, spec.fg, spec.bg)
        base = lay.y + cell + label_size * MM_PER_PT
        c.text(cx - lay.bold.width(small.label, label_size) * MM_PER_PT / 2, base, lay.bold,
               label_size, small.label, INK)
        short = shown_link(small.url)
        for line in _break_url(lay.regular, url_size, short, cell + gap * 0.8):
            base += url_size * MM_PER_PT * 1.3
            c.text(cx - lay.regular.width(line, url_size) * MM_PER_PT / 2, base, lay.regular,
                   url_size, line, MUTED)
    lay.y += cell + label_size * MM_PER_PT + 2 * url_size * MM_PER_PT * 1.3 + 2 * lay.s


def shown_link(url: str) -> str:
    """A link as printed under its code: without ``https://``, and an e-mail link as the
    address alone (``mailto:presse@bautzen.de?subject=…`` -> ``presse@bautzen.de``)."""
    if url[:7].lower() == "mailto:":
        return unquote(url[7:].split("?", 1)[0])
    return url.split("://", 1)[-1]


def _break_url(font: TrueTypeFont, size: float, url: str, width_mm: float) -> list[str]:
    """At most two lines, broken after a '/' where possible; longer URLs are shortened
    visibly with '…' (the code beside them carries the full link)."""
    if font.width(url, size) * MM_PER_PT <= width_mm:
        return [url]
    cut = len(url)
    while cut > 1 and font.width(url[:cut], size) * MM_PER_PT > width_mm:
        cut -= 1
    slash = url.rfind("/", 0, cut)
    first_end = slash + 1 if slash > 0 else cut
    rest = url[first_end:]
    while len(rest) > 1 and font.width(rest, size) * MM_PER_PT > width_mm:
        rest = rest[:-2] + "…"
    return [url[:first_end], rest] if rest else [url[:first_end]]
