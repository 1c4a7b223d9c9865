"""Which areas count as the same place for the open-incident check: a shared geocode, CAP
shapes whose boxes meet, or a place name containing the other as whole words."""

from __future__ import annotations

import pytest

from citychan.alerts import Area
from citychan.warn.overlap import areas_overlap


@pytest.mark.parametrize(("a", "b"), [
    ("Spreeufer", "Spreeufer"),
    ("Spreeufer", "Bautzen-Seidau, Spreeufer"),
    ("bautzen-seidau,  spreeufer", "Bautzen-Seidau, Spreeufer"),  # case and spaces
    ("Bautzen", "Bautzen-Seidau"),  # the town holds its districts
])
def test_names_that_contain_each_other_overlap(a: str, b: str) -> None:
    assert areas_overlap(Area({"de": a}), Area({"de": b}))
    assert areas_overlap(Area({"de": b}), Area({"de": a}))


@pytest.mark.parametrize(("a", "b"), [
    ("Seidau", "Stiebitz"),
    ("Seidau, Ufer 1", "Seidau, Ufer 2"),
    ("Ufer", "Spreeufer"),  # not a whole word of it
])
def test_other_places_do_not_overlap(a: str, b: str) -> None:
    assert not areas_overlap(Area({"de": a}), Area({"de": b}))


def test_shapes_and_geocodes_overlap_whatever_the_names() -> None:
    square = "51.17,14.41 51.19,14.41 51.19,14.43 51.17,14.43 51.17,14.41"
    near = Area({"de": "Nord"}, circles=("51.18,14.42 0.5",))
    far = Area({"de": "Süd"}, circles=("51.00,14.00 0.5",))
    assert areas_overlap(Area({"de": "Mitte"}, polygons=(square,)), near)
    assert not areas_overlap(Area({"de": "Mitte"}, polygons=(square,)), far)
    ars = (("ARS", "146250020020"),)
    assert areas_overlap(Area({"de": "A"}, geocodes=ars), Area({"de": "B"}, geocodes=ars))
