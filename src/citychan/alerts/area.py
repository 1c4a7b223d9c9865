"""The area of a warning: a human description per language, optionally CAP polygons,
circles and geocodes (the value and its checks live in :mod:`citychan.geo`), and the
geography a CAP file gives it: a preset's, or the city's for an area named in words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from citychan.geo import (
    ARS_GEOCODE,
    Area,
    parse_ars,
    parse_circle,
    parse_geocodes,
    parse_polygon,
    shapes,
)
from citychan.hygiene import clean_controls

__all__ = ["ARS_GEOCODE", "Area", "make_area", "parse_ars", "parse_circle", "parse_geocodes",
           "parse_polygon", "shapes"]


def make_area(desc: str | Mapping[str, str], *, polygon: Any = None, circle: Any = None,
              geocode: Any = None, langs: tuple[str, ...] = ("de",)) -> Area:
    """An Area from CLI/front-matter values; raises ValueError naming the bad shape."""
    descs = dict(desc) if isinstance(desc, Mapping) else {lang: desc for lang in langs}
    texts = {k: clean_controls(str(v)).strip() for k, v in descs.items()}
    return Area(desc={k: v for k, v in texts.items() if v},
                polygons=shapes(polygon, parse_polygon), circles=shapes(circle, parse_circle),
                geocodes=parse_geocodes(geocode))


def preset_area(text: str | None, presets: Mapping[str, Area]) -> Area | None:
    """The ``[alerts.areas.NAME]`` preset ``text`` names (case-insensitive), or None."""
    if not text:
        return None
    key = text.strip().casefold()
    return next((a for name, a in presets.items() if name.casefold() == key), None)


def cap_area(area: Area, city: Area) -> Area:
    """The area as the CAP file gives it: its own shapes and geocodes, or, for a place
    named only in words, the city's geography (``[city]`` ars and boundary) with the
    area's own description."""
    return area if area.located else area.placed_as(city)
