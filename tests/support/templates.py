"""What every built-in template needs to be filled: the values it requires (``bombe``: the
time the defusal starts; the police advisory: what the police report) and the levels it may
be sent at. Tests that walk all templates take their inputs from here, so a new template
with a new requirement is covered without editing each test."""

from __future__ import annotations

from typing import Any

from citychan.alerts import Level, load_template, template_names

REQUIRED: dict[str, Any] = {
    "time": "23:59",  # the next 23:59: after the test's clock, never "now"
    "details": {"de": "Falsche Spendensammler gehen von Tür zu Tür.",
                "hsb": "Wopačni zběrarjo darow chodźa wot durjow k durjam."},
}


def required(name: str, **given: Any) -> dict[str, Any]:
    """``given`` plus the values template ``name`` requires and ``given`` lacks."""
    tpl = load_template(name)
    return {**{k: REQUIRED[k] for k in tpl.requires if given.get(k) is None}, **given}


# (template, level) pairs a template may be sent at; the others are refused by design
TEMPLATE_LEVELS = [(name, level) for name in template_names()
                   for level in load_template(name).levels]


def a_level(name: str, preferred: Level = Level.HIGH) -> Level:
    """``preferred`` when the template takes it, else its highest level."""
    levels = load_template(name).levels
    return preferred if preferred in levels else levels[-1]
