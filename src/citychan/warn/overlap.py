"""Whether two warnings' areas may cover the same place, for the open-incident check.

Coarse on purpose: a second incident for the same event and place splits what citizens
read into two warnings, while a refusal costs the duty officer one ``--new``. So any of
these counts as overlapping: a geocode in common (the same ARS), CAP shapes whose bounding
boxes meet, or a place name that contains the other as whole words ("Spreeufer" in
"Bautzen-Seidau, Spreeufer"; "Seidau, Ufer 1" and "Seidau, Ufer 2" do not)."""

from __future__ import annotations

import math
import re

from citychan.alerts.area import Area

Box = tuple[float, float, float, float]  # south, west, north, east
_KM_PER_DEGREE = 111.32


def areas_overlap(a: Area, b: Area) -> bool:
    if set(a.geocodes) & set(b.geocodes):
        return True
    if any(_meet(x, y) for x in _boxes(a) for y in _boxes(b)):
        return True
    return any(_contains(x, y) or _contains(y, x)
               for x in _names(a) for y in _names(b))


def _names(area: Area) -> set[str]:
    return {" ".join(d.casefold().split()) for d in area.desc.values() if d.strip()}


def _contains(outer: str, inner: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(inner)}(?!\w)", outer) is not None


def _boxes(area: Area) -> list[Box]:
    boxes = []
    for polygon in area.polygons:
        points = [_point(p) for p in polygon.split()]
        lats, lons = [p[0] for p in points], [p[1] for p in points]
        boxes.append((min(lats), min(lons), max(lats), max(lons)))
    for circle in area.circles:
        centre, radius = circle.split()
        lat, lon = _point(centre)
        dlat = float(radius) / _KM_PER_DEGREE
        dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
        boxes.append((lat - dlat, lon - dlon, lat + dlat, lon + dlon))
    return boxes


def _point(text: str) -> tuple[float, float]:
    lat, lon = text.split(",")
    return float(lat), float(lon)


def _meet(x: Box, y: Box) -> bool:
    return x[0] <= y[2] and y[0] <= x[2] and x[1] <= y[3] and y[1] <= x[3]
