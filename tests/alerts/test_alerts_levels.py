"""Levels (BBK/MoWaS scale), event catalogue and templates as data."""

from __future__ import annotations

import string

import pytest

from citychan.alerts import EVENTS, LEVELS, Guard, Level, get_event, level_info, parse_level
from citychan.alerts.levels import Category, ResponseType, all_labels
from citychan.alerts.templates import PLACEHOLDERS, load_template, template_names
from citychan.errors import UsageError


def test_levels_map_to_labels_cap_scale_and_guard() -> None:
    got = {lvl.value: (i.label("de"), i.severity.value, i.urgency.value, i.certainty.value,
                       i.guard) for lvl, i in LEVELS.items()}
    assert got == {
        "low": ("Gefahreninformation", "Minor", "Expected", "Likely", Guard.NONE),
        "medium": ("Gefahr", "Severe", "Immediate", "Likely", Guard.CONFIRM),
        "high": ("Extreme Gefahr", "Extreme", "Immediate", "Observed", Guard.TYPE_EVENT),
    }


def test_sorbian_labels_are_flagged_for_review_and_german_ones_are_not() -> None:
    for info in LEVELS.values():
        assert "hsb" in info.review and "de" not in info.review
        assert info.label("hsb") and info.label("en") == info.label("de")


def test_parse_level() -> None:
    assert parse_level(" HIGH ") is Level.HIGH
    assert level_info("low").label("de") == "Gefahreninformation"
    with pytest.raises(UsageError) as exc:
        parse_level("extreme")
    assert exc.value.hint == "use --level low, medium or high (niedrig, mittel, hoch)"


@pytest.mark.parametrize(("word", "level"), [
    ("niedrig", Level.LOW), ("Mittel", Level.MEDIUM), (" HOCH ", Level.HIGH),
    ("low", Level.LOW), ("medium", Level.MEDIUM), ("high", Level.HIGH)])
def test_german_level_words_are_read_beside_the_english_ones(word: str, level: Level) -> None:
    assert parse_level(word) is level


def test_a_mistyped_german_level_gets_a_suggestion() -> None:
    with pytest.raises(UsageError, match="unknown warning level 'hcoh'. Did you mean 'hoch'"):
        parse_level("hcoh")


def test_labels_are_matched_longest_first() -> None:
    # "Extreme Gefahr" must be tried before "Gefahr"
    assert list(all_labels("de"))[:1] == ["Gefahreninformation"]
    assert list(all_labels("de")).index("Extreme Gefahr") < list(all_labels("de")).index("Gefahr")


def test_catalogue_events_have_names_category_and_response() -> None:
    for required in ("unwetter", "hochwasser", "grossbrand", "bombe", "trinkwasser",
                     "stromausfall", "gefahrstoff"):
        event = EVENTS[required]
        assert event.names["de"] and event.names["hsb"]
        assert isinstance(event.category, Category)
        assert isinstance(event.response_type, ResponseType)
        assert "hsb" in event.review
    assert get_event("Großbrand mit Rauchentwicklung").code == "grossbrand"
    assert get_event("wulka woda").code == "hochwasser"
    assert EVENTS["gefahrstoff"].category is Category.CBRNE
    assert EVENTS["bombe"].response_type is ResponseType.EVACUATE
    with pytest.raises(UsageError, match="Did you mean 'sturm'"):
        get_event("strum")


def test_templates_cover_the_required_events_in_de_and_hsb() -> None:
    assert set(template_names()) >= {"unwetter", "hochwasser", "grossbrand", "bombe",
                                     "trinkwasser", "stromausfall", "gefahrstoff"}
    for name in template_names():
        tpl = load_template(name)
        assert tpl.event in EVENTS
        assert set(tpl.texts) == {"de", "hsb"}
        assert not tpl.texts["de"].needs_review and tpl.texts["hsb"].needs_review
        for text in tpl.texts.values():
            for part in (text.headline, text.description, text.instruction):
                used = {f for _, f, _, _ in string.Formatter().parse(part) if f}
                assert used <= set(PLACEHOLDERS), (name, used)
            # the place once, in the headline: never again as "Betroffen ist: X." in the text
            assert "{area}" in text.headline
            assert "{area}" not in text.description + text.instruction
            assert "Betroffen" not in text.description
            assert "{details}" in text.description
            assert "–" not in text.headline  # keeps German cell broadcasts in GSM-7
