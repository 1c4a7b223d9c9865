"""The closed sets a post carries through every layer, parsed once at the edge: what kind of
message it is and, for a danger warning, its level on the BBK/MoWaS scale, its CAP status and
its CAP message type (the store records them; the warning domain in ``alerts`` gives them
meaning)."""

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


class CapStatus(StrEnum):
    """CAP status (System is not used by citychan)."""

    ACTUAL = "Actual"
    EXERCISE = "Exercise"
    TEST = "Test"


class MsgType(StrEnum):
    """CAP msgType (Ack and Error are not used by citychan)."""

    ALERT = "Alert"
    UPDATE = "Update"
    CANCEL = "Cancel"
