"""`citychan incidents`: every warning incident, those without an all-clear first, with its
state (active, updated, cleared, expired) and latest message."""

from __future__ import annotations

from typing import Any

from citychan.config import Config
from citychan.store.incidents import IncidentState
from citychan.warn.incidents import LATEST, listing

__all__ = ["LATEST", "IncidentState", "incidents"]


def incidents(config: Config, limit: int = 20) -> list[dict[str, Any]]:
    """Up to ``limit`` incidents, newest first, those without an all-clear before the
    cleared ones: id, event, level, area, state, latest message, expiry and ``overdue``
    (past expiry without an all-clear). Reads the store, never creates or changes it."""
    return listing(config, limit)
