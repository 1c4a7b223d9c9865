"""Warning levels of the German civil-protection scale (BBK/MoWaS) and the CAP 1.2
vocabularies they map to.

Sorbian (hsb) wording that no native speaker has checked yet is listed in ``review``: the
rules turn that into a warning finding instead of pretending the text is certain.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from citychan.errors import UsageError, did_you_mean
from citychan.i18n import N_
from citychan.kinds import CapStatus, Level, MsgType

__all__ = ["CapStatus", "Level", "MsgType"]  # re-exported: the warning domain speaks of them


class Guard(StrEnum):
    """What the CLI asks before sending a warning of this level."""

    NONE = "none"
    CONFIRM = "confirm"  # a yes/no prompt
    TYPE_EVENT = "type-event"  # the duty officer types the event name


class CapSeverity(StrEnum):
    """CAP severity."""

    EXTREME = "Extreme"
    SEVERE = "Severe"
    MODERATE = "Moderate"
    MINOR = "Minor"
    UNKNOWN = "Unknown"


class Urgency(StrEnum):
    """CAP urgency."""

    IMMEDIATE = "Immediate"
    EXPECTED = "Expected"
    FUTURE = "Future"
    PAST = "Past"
    UNKNOWN = "Unknown"


class Certainty(StrEnum):
    """CAP certainty."""

    OBSERVED = "Observed"
    LIKELY = "Likely"
    POSSIBLE = "Possible"
    UNLIKELY = "Unlikely"
    UNKNOWN = "Unknown"


class Category(StrEnum):
    """CAP category."""

    GEO = "Geo"
    MET = "Met"
    SAFETY = "Safety"
    SECURITY = "Security"
    RESCUE = "Rescue"
    FIRE = "Fire"
    HEALTH = "Health"
    ENV = "Env"
    TRANSPORT = "Transport"
    INFRA = "Infra"
    CBRNE = "CBRNE"
    OTHER = "Other"


class ResponseType(StrEnum):
    """CAP responseType."""

    SHELTER = "Shelter"
    EVACUATE = "Evacuate"
    PREPARE = "Prepare"
    EXECUTE = "Execute"
    AVOID = "Avoid"
    MONITOR = "Monitor"
    ASSESS = "Assess"
    ALL_CLEAR = "AllClear"
    NONE = "None"


@dataclass(frozen=True)
class LevelInfo:
    """Everything a level means: labels, CAP scale and the guard before sending."""

    level: Level
    labels: Mapping[str, str]  # language -> label the headline starts with
    severity: CapSeverity
    urgency: Urgency
    certainty: Certainty
    guard: Guard
    review: frozenset[str] = field(default_factory=frozenset)  # languages not yet checked

    def label(self, lang: str) -> str:
        """The label in ``lang``, falling back to German (the legally binding text)."""
        return self.labels.get(lang) or self.labels["de"]


# hsb labels are drafts ("strach" = danger); flagged until a native speaker confirms them.
LEVELS: dict[Level, LevelInfo] = {
    Level.LOW: LevelInfo(
        Level.LOW, {"de": "Gefahreninformation", "hsb": "Informacija wo strachu"},
        CapSeverity.MINOR, Urgency.EXPECTED, Certainty.LIKELY, Guard.NONE, frozenset({"hsb"})),
    Level.MEDIUM: LevelInfo(
        Level.MEDIUM, {"de": "Gefahr", "hsb": "Strach"},
        CapSeverity.SEVERE, Urgency.IMMEDIATE, Certainty.LIKELY, Guard.CONFIRM, frozenset({"hsb"})),
    Level.HIGH: LevelInfo(
        Level.HIGH, {"de": "Extreme Gefahr", "hsb": "Ekstremny strach"},
        CapSeverity.EXTREME, Urgency.IMMEDIATE, Certainty.OBSERVED, Guard.TYPE_EVENT,
        frozenset({"hsb"})),
}

# The all-clear replaces the level label at the start of the headline.
ALLCLEAR_LABELS: Mapping[str, str] = {"de": "Entwarnung", "hsb": "Wotwarnowanje"}
ALLCLEAR_REVIEW = frozenset({"hsb"})

# ÜBUNG/TEST stay German in every language: an invented Sorbian word would be worse than
# the German one everybody in Lusatia recognises.
STATUS_PREFIX: Mapping[CapStatus, str] = {CapStatus.EXERCISE: "ÜBUNG", CapStatus.TEST: "TEST"}


# German names of the levels, as a duty officer says them at 03:00.
LEVEL_WORDS: Mapping[str, Level] = {
    **{lvl.value: lvl for lvl in Level},
    "niedrig": Level.LOW, "mittel": Level.MEDIUM, "hoch": Level.HIGH,
}
LEVEL_HINT = N_("use --level low, medium or high (niedrig, mittel, hoch)")


def parse_level(text: str) -> Level:
    """``low|medium|high`` or ``niedrig|mittel|hoch`` (any case), or a UsageError naming
    the choices."""
    key = text.strip().casefold()
    level = LEVEL_WORDS.get(key)
    if level is None:
        raise UsageError(N_("unknown warning level {level}.{guess}").format(
            level=repr(text), guess=did_you_mean(key, tuple(LEVEL_WORDS))), hint=LEVEL_HINT)
    return level


def level_info(level: Level | str) -> LevelInfo:
    """Labels, CAP severity/urgency/certainty and the guard of a level."""
    return LEVELS[parse_level(level) if isinstance(level, str) else level]


def allclear_label(lang: str) -> str:
    """"Entwarnung" in ``lang`` (German when there is no translation)."""
    return ALLCLEAR_LABELS.get(lang) or ALLCLEAR_LABELS["de"]


def all_labels(lang: str) -> dict[str, Level | None]:
    """Every headline label in ``lang`` (all-clear maps to None), longest first."""
    out: dict[str, Level | None] = {info.label(lang): lvl for lvl, info in LEVELS.items()}
    out[allclear_label(lang)] = None
    return dict(sorted(out.items(), key=lambda kv: -len(kv[0])))
