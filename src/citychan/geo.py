"""Where a warning applies, as CAP describes it: a description per language plus polygons,
circles and geocodes. A leaf (the config reads area presets and the city's boundary with
it; the warning domain builds on it). Shapes are checked here so a bad coordinate never
reaches a CAP file."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from citychan.hygiene import clean_controls

# The geocode German practice uses for an Amtlicher Regionalschlüssel (ARS) in an <area>:
# MoWaS alerts carry <geocode><valueName>SHN</valueName><value>ARS</value></geocode>.
ARS_GEOCODE = "SHN"


@dataclass(frozen=True)
class Area:
    """Where a warning applies: what people call the place, plus optional CAP shapes."""

    desc: Mapping[str, str] = field(default_factory=dict)  # language -> areaDesc
    polygons: tuple[str, ...] = ()  # "lat,lon lat,lon …", closed ring
    circles: tuple[str, ...] = ()  # "lat,lon radius_km"
    geocodes: tuple[tuple[str, str], ...] = ()  # (valueName, value), e.g. ("SHN", "146250020020")

    def description(self, lang: str) -> str:
        """The areaDesc in ``lang``, else the first one given ('' when none)."""
        return self.desc.get(lang) or next(iter(self.desc.values()), "")

    @property
    def located(self) -> bool:
        """True when a machine can place it: a polygon, a circle or a geocode."""
        return bool(self.polygons or self.circles or self.geocodes)

    @property
    def ars(self) -> tuple[str, ...]:
        """The Amtliche Regionalschlüssel among the geocodes."""
        return tuple(v for k, v in self.geocodes if k == ARS_GEOCODE)

    def placed_as(self, other: Area) -> Area:
        """This description with ``other``'s shapes and geocodes."""
        return Area(desc=self.desc, polygons=other.polygons, circles=other.circles,
                    geocodes=other.geocodes)


# WGS 84 decimal degrees in ASCII digits. float() alone would take "inf", "nan", "5_1",
# "1e3" and Arabic-Indic digits, and the CAP file would carry them verbatim.
_DECIMAL = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_ARS = re.compile(r"[0-9]{12}")


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


def parse_ars(text: str) -> str:
    """Check an Amtlicher Regionalschlüssel: 12 digits (Land, Regierungsbezirk, Kreis,
    Gemeindeverband, Gemeinde), e.g. 146250020020 for Bautzen."""
    code = text.strip()
    if not _ARS.fullmatch(code):
        raise ValueError(f"ARS {text!r} is not 12 digits like 146250020020 (Bautzen)")
    return code


def parse_geocodes(value: Any) -> tuple[tuple[str, str], ...]:
    """``{SHN: "146250020020"}``, ``["SHN=1462…"]`` or ``"SHN=1462…"`` -> pairs."""
    if value is None:
        return ()
    if isinstance(value, Mapping):
        pairs = [(clean_controls(str(k)).strip(), clean_controls(str(v)).strip())
                 for k, v in value.items()]
    else:
        items = [value] if isinstance(value, str) else list(value)
        pairs = []
        for item in items:
            name, sep, code = clean_controls(str(item)).partition("=")
            if not sep:
                raise ValueError(f"geocode {item!r} is not 'valueName=value'")
            pairs.append((name.strip(), code.strip()))
    for name, code in pairs:
        if not name or not code:  # an empty valueName or value places nothing
            raise ValueError(f"geocode '{name}={code}' needs both a valueName and a value")
    return tuple(pairs)


def shapes(value: Any, parse: Any) -> tuple[str, ...]:
    """One shape or a list of shapes, each checked by ``parse``."""
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    return tuple(parse(str(v)) for v in items)
