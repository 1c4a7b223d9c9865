"""The closed sets a post carries through every layer, parsed once at the edge: what kind of
message it is and, for a danger warning, its level on the BBK/MoWaS scale."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    INFO = "info"
    WARNING = "warning"


class Level(StrEnum):
    """``--level``: the BBK/MoWaS scale."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
