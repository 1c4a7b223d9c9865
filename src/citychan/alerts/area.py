"""The area of a warning: a human description per language, optionally CAP polygons,
circles and geocodes. Shapes are checked here so a bad coordinate never reaches a CAP file."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from citychan.hygiene import clean_controls


@dataclass(frozen=True)
class Area:
    """Where a warning applies: what people call the place, plus optional CAP shapes."""

    desc: Mapping[str, str] = field(default_factory=dict)  # language -> areaDesc
    polygons: tuple[str, ...] = ()  # "lat,lon lat,lon …", closed ring
    circles: tuple[str, ...] = ()  # "lat,lon radius_km"
    geocodes: tuple[tuple[str, str], ...] = ()  # (valueName, value), e.g. ("ARS", "146250020020")

    def description(self, lang: str) -> str:
        """The areaDesc in ``lang``, else the first one given ('' when none)."""
        return self.desc.get(lang) or next(iter(self.desc.values()), "")


# WGS 84 decimal degrees in ASCII digits. float() alone would take "inf", "nan", "5_1",
# "1e3" and Arabic-Indic digits, and the CAP file would carry them verbatim.
_DECIMAL = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def _number(text: str, what: str) -> float:
    if not _DECIMAL.fullmatch(text):
        raise ValueError(f"{what} {text!r} is not a decimal number like 51.18")
    return float(text)


def _point(text: str) -> tuple[float, float]:
    lat_s, sep, lon_s = text.partition(",")
    if not sep:
        raise ValueError(f"point {text!r} is not 'lat,lon'")
    lat, lon = _number(lat_s, "latitude"), _number(lon_s, "longitude")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"point {text!r} is outside -90..90, -180..180")
    return lat, lon


def parse_polygon(text: str) -> str:
    """Check a CAP polygon: at least 4 points, first equals last. Returns it normalised."""
    points = text.split()
    try:
        parsed = [_point(p) for p in points]
    except ValueError as exc:
        raise ValueError(f"polygon: {exc}") from None
    if len(parsed) < 4:
        raise ValueError(f"polygon needs at least 4 points (a closed ring), got {len(parsed)}")
    if parsed[0] != parsed[-1]:
        raise ValueError("polygon must be closed: repeat the first point at the end")
    return " ".join(points)


def parse_circle(text: str) -> str:
    """Check a CAP circle ``lat,lon radius_km``. Returns it normalised."""
    parts = text.split()
    if len(parts) != 2:
        raise ValueError(f"circle {text!r} is not 'lat,lon radius_km'")
    try:
        _point(parts[0])
        radius = _number(parts[1], "radius")
    except ValueError as exc:
        raise ValueError(f"circle: {exc}") from None
    if radius < 0:  # 0 is a point, as CAP allows
        raise ValueError(f"circle radius must not be negative, got {parts[1]}")
    return " ".join(parts)


def parse_geocodes(value: Any) -> tuple[tuple[str, str], ...]:
    """``{ARS: "146250020020"}``, ``["ARS=1462…"]`` or ``"ARS=1462…"`` -> pairs."""
    if value is None:
        return ()
    if isinstance(value, Mapping):
        return tuple((clean_controls(str(k)).strip(), clean_controls(str(v)).strip())
                     for k, v in value.items())
    items = [value] if isinstance(value, str) else list(value)
    out: list[tuple[str, str]] = []
    for item in items:
        name, sep, code = clean_controls(str(item)).partition("=")
        if not sep or not name.strip() or not code.strip():
            raise ValueError(f"geocode {item!r} is not 'valueName=value'")
        out.append((name.strip(), code.strip()))
    return tuple(out)


def shapes(value: Any, parse: Any) -> tuple[str, ...]:
    """One shape or a list of shapes, each checked by ``parse``."""
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    return tuple(parse(str(v)) for v in items)


def make_area(desc: str | Mapping[str, str], *, polygon: Any = None, circle: Any = None,
              geocode: Any = None, langs: tuple[str, ...] = ("de",)) -> Area:
    """An Area from CLI/front-matter values; raises ValueError naming the bad shape."""
    descs = dict(desc) if isinstance(desc, Mapping) else {lang: desc for lang in langs}
    texts = {k: clean_controls(str(v)).strip() for k, v in descs.items()}
    return Area(desc={k: v for k, v in texts.items() if v},
                polygons=shapes(polygon, parse_polygon), circles=shapes(circle, parse_circle),
                geocodes=parse_geocodes(geocode))
