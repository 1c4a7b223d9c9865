"""``citychan qr`` as a library call: options in, files out, a result to report."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from citychan.config import Config
from citychan.errors import UsageError
from citychan.fsutil import atomic_write
from citychan.i18n import N_
from citychan.links import clean_url
from citychan.qr.encode import (
    DEFAULT_LOGO_SHARE,
    DPI,
    MIN_SIZE_MM,
    QUIET_ZONE,
    Geometry,
    Symbol,
    check_url,
    distance_warning,
    encode,
    logo_box,
    plan,
)
from citychan.qr.logo import load_logo
from citychan.qr.pdf import render_plain_pdf
from citychan.qr.png import check_png_size, render_png
from citychan.qr.poster import (
    DEFAULT_CODE_MM,
    PAPERS,
    PosterOverflow,
    PosterSpec,
    missing_glyphs,
    render_poster,
)
from citychan.qr.row import SIDE_SHARE, one_row, other_codes, row_left_out
from citychan.qr.svg import render_svg
from citychan.qr.texts import TEXTS
from citychan.qr.units import Rgb, check_colours, parse_colour, parse_length

FORMATS = ("png", "svg", "pdf")
PLAIN_DEFAULT_MM = 50.0


@dataclass(frozen=True)
class QrOptions:
    """What the user asked for, as typed (lengths and colours are parsed here)."""

    out: Path | None = None
    url: str | None = None
    poster: bool | None = None  # None: a poster for .pdf, the bare code otherwise
    paper: str = "a4"
    size: str | None = None
    distance: str | None = None
    logo: Path | None = None
    logo_size: str = f"{DEFAULT_LOGO_SHARE:.0%}"
    fg: str = "#000000"
    bg: str = "#ffffff"


@dataclass(frozen=True)
class QrResult:
    url: str
    path: str | None
    format: str | None
    poster: bool
    paper: str | None
    modules: int
    version: int
    error_level: str
    quiet_zone_modules: int
    module_mm: float
    printed_mm: float  # the code itself
    printed_with_quiet_zone_mm: float
    dpi: int
    pixels: int | None  # PNG width = height
    logo: str | None
    other_codes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("module_mm", "printed_mm", "printed_with_quiet_zone_mm"):
            data[key] = round(data[key], 3)
        return data


def output_format(out: Path) -> str:
    ext = out.suffix.lower().lstrip(".")
    if not ext:
        raise UsageError(N_("--out {out}: the file name needs an extension: .png or .svg "
                            "for the code, .pdf for the poster").format(out=out))
    if ext not in FORMATS:
        raise UsageError(N_("--out {out}: unknown extension '.{ext}': qr writes PNG, SVG "
                            "or PDF").format(out=out, ext=ext),
                         hint=N_("use code.png (a picture of the code), code.svg (the code for "
                                 "print shops) or poster.pdf (the poster)"))
    return ext


def symbol_for(options: QrOptions, config: Config) -> Symbol:
    """The main code's symbol, for --show without writing a file."""
    if options.url is not None and not options.url.strip():
        raise UsageError(N_("--url is empty: give the https:// link to encode"),
                         hint=N_("or leave --url out to use [subscribe] url from the config"))
    url = check_url(options.url, "--url") if options.url else check_url(
        config.subscribe.url, f"{config.source}: [subscribe] url")
    return encode(url, "H" if options.logo else "M")


def make_qr(options: QrOptions, config: Config) -> QrResult:
    """Validate everything first, then render and write ``options.out`` atomically."""
    job = _prepare(options, config)
    warnings: list[str] = []
    data, others, geometry = _render(job, config, warnings)
    if options.out is not None and data is not None:
        _write(options.out, data)
    distance = distance_warning(geometry, job.distance_mm)  # on the size actually printed
    removed = clean_url((options.url or config.subscribe.url or "").strip())[1]
    if removed:
        warnings.insert(0, f"tracking parameters left out of the code ({', '.join(removed)}):"
                           f" {job.symbol.data}")
    symbol = job.symbol
    return QrResult(
        url=symbol.data, path=str(options.out) if options.out else None, format=job.fmt,
        poster=job.poster, paper=job.paper if job.poster else None, modules=symbol.modules,
        version=symbol.version, error_level=symbol.level, quiet_zone_modules=QUIET_ZONE,
        module_mm=geometry.module_mm, printed_mm=geometry.symbol_mm,
        printed_with_quiet_zone_mm=geometry.total_mm, dpi=DPI,
        pixels=geometry.total_px if job.fmt == "png" else None,
        logo=str(options.logo) if options.logo else None, other_codes=others,
        warnings=([distance] if distance else []) + warnings)


@dataclass(frozen=True)
class _Job:
    fmt: str | None
    poster: bool
    paper: str
    fg: Rgb
    bg: Rgb
    symbol: Symbol
    geometry: Geometry
    size_given: bool
    distance_mm: float | None
    logo: Any
    box: tuple[int, int, int] | None


def _prepare(options: QrOptions, config: Config) -> _Job:
    """Every check that can refuse the request, before anything is rendered."""
    fmt = output_format(options.out) if options.out else None
    poster = options.poster if options.poster is not None else fmt == "pdf"
    if poster and fmt != "pdf":
        raise UsageError(N_("a poster is a PDF"), hint=N_("use --out poster.pdf, or --plain"))
    paper = options.paper.lower()
    if paper not in PAPERS:
        raise UsageError(N_("--paper {paper!r}: use a4, a5 or a6").format(paper=options.paper))
    fg, bg = parse_colour(options.fg, "--fg"), parse_colour(options.bg, "--bg")
    check_colours(fg, bg)
    size_mm = (parse_length(options.size, "--size") if options.size
               else DEFAULT_CODE_MM[paper] if poster else PLAIN_DEFAULT_MM)
    distance_mm = parse_length(options.distance, "--distance") if options.distance else None
    share = _parse_share(options.logo_size) if options.logo else DEFAULT_LOGO_SHARE
    symbol = symbol_for(options, config)
    geometry = plan(symbol.modules, size_mm)
    if fmt == "png":
        check_png_size(geometry)
    box = logo_box(symbol.modules, share) if options.logo else None
    logo = load_logo(options.logo) if options.logo else None
    return _Job(fmt, poster, paper, fg, bg, symbol, geometry, options.size is not None,
                distance_mm, logo, box)


def _render(job: _Job, config: Config,
            warnings: list[str]) -> tuple[bytes | None, list[str], Geometry]:
    drawn, args = job.symbol.without(job.box), (job.fg, job.bg, job.logo, job.box)
    if job.fmt == "png":
        return render_png(drawn, job.geometry, *args), [], job.geometry
    if job.fmt == "svg":
        return render_svg(drawn, job.geometry, *args).encode("utf-8"), [], job.geometry
    if job.fmt == "pdf" and not job.poster:
        return render_plain_pdf(drawn, job.geometry, *args), [], job.geometry
    if job.fmt == "pdf":
        return _poster(config, job.paper, drawn, job.geometry, *args, warnings,
                       shrink=not job.size_given)
    return None, [], job.geometry


def _parse_share(text: str) -> float:
    raw = text.strip().rstrip("%").strip()
    try:
        value = float(raw.replace(",", "."))
        if not math.isfinite(value):  # 'nan', 'inf'
            raise ValueError(raw)
    except ValueError:
        raise UsageError(N_("--logo-size {text!r}: give a share of the code, e.g. 10%").format(
                             text=text)) from None
    share = value / 100 if text.strip().endswith("%") or value > 1 else value
    if share <= 0:
        raise UsageError(N_("--logo-size {text!r}: must be greater than zero").format(text=text))
    return share


def _poster(config: Config, paper: str, symbol: Symbol, geometry: Geometry, fg: Rgb, bg: Rgb,
            logo: Any, box: tuple[int, int, int] | None, warnings: list[str],
            shrink: bool) -> tuple[bytes, list[str], Geometry]:
    """Render the poster. Without an explicit --size the main code may shrink to 3/4 of its
    default to make room; if the row of other channels' codes still does not fit, that row
    is left out (with a warning) rather than making the main code smaller than the others."""
    languages = tuple(_poster_languages(config, warnings)) or ("de",)
    candidates = other_codes(config, paper, symbol.data, geometry.symbol_mm, warnings)
    others = one_row(candidates, paper, warnings)
    spec = PosterSpec(paper=paper, url=symbol.data, symbol=symbol, geometry=geometry, fg=fg,
                      bg=bg, city_names=dict(config.city.names), languages=languages,
                      others=tuple(others), logo=logo, box=box)
    warnings += missing_glyphs(spec)
    if not others and shrink:  # no row below: its space goes to the main code
        return _fit(replace(spec, geometry=plan(symbol.modules, geometry.symbol_mm * 1.4)), 0.0)
    try:
        return _fit(spec, 0.75 if shrink else 1.0)
    except PosterOverflow:
        if not others:
            raise
    warnings[:] = [w for w in warnings if not w.startswith("only ")]  # superseded
    warnings.append(row_left_out([c.label for c in candidates], paper, size_given=not shrink,
                                 languages=len(languages)))
    if not shrink:
        return _fit(replace(spec, others=()), 1.0)
    # The row's space goes to the main code: start bigger and shrink until it fits.
    bigger = plan(symbol.modules, geometry.symbol_mm * 1.5)
    return _fit(replace(spec, others=(), geometry=bigger), 0.0)


def _fit(spec: Any, floor: float) -> tuple[bytes, list[str], Geometry]:
    """Render, shrinking the main code one 300-DPI dot per module at a time down to
    ``floor`` × its size (never below the minimum printable size, nor so far that the
    smaller codes beside it would look as big) until it fits."""
    sides = [o.geometry.symbol_mm / SIDE_SHARE for o in spec.others]
    limit = max(MIN_SIZE_MM, spec.geometry.symbol_mm * floor, *sides)
    while True:
        try:
            return render_poster(spec), [o.label for o in spec.others], spec.geometry
        except PosterOverflow:
            g = spec.geometry
            smaller = Geometry(g.modules, g.dots_per_module - 1)
            if smaller.dots_per_module < 1 or smaller.symbol_mm < limit - 1e-9:
                raise
            spec = replace(spec, geometry=smaller)


def _poster_languages(config: Config, warnings: list[str]) -> list[str]:
    known = [lang for lang in config.city.languages if lang in TEXTS]
    warnings += [f"no poster wording for language '{lang}'; left out"
                 for lang in config.city.languages if lang not in TEXTS]
    return known


def _write(path: Path, data: bytes) -> None:
    if path.is_dir():
        raise UsageError(N_("--out {path}: is a directory; give a file name like "
                            "poster.pdf").format(path=path))
    try:
        atomic_write(path, data)
    except OSError as exc:
        raise UsageError(N_("--out {path}: cannot write ({strerror})").format(
                             path=path, strerror=exc.strerror)) from None
