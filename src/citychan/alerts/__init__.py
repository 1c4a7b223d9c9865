"""Danger warnings: levels, event catalogue, templates, the Warning value and its lifecycle,
the warning rules, short text and cell-broadcast check, CAP 1.2 output.

Pure library: no CLI, no store, no network. ``citychan warn`` builds on it. Only stdlib and
citychan modules are imported here, so importing this package stays cheap.
"""

from __future__ import annotations

from citychan.alerts.area import Area, cap_area, make_area, preset_area
from citychan.alerts.builders import from_flags, from_message, from_template, revise
from citychan.alerts.cap import (
    CapIndexEntry,
    cap_index_atom,
    cap_index_entry,
    cap_sender,
    to_cap_xml,
)
from citychan.alerts.catalogue import EVENTS, Event, find_event, get_event
from citychan.alerts.levels import (
    LEVELS,
    CapStatus,
    Guard,
    Level,
    LevelInfo,
    MsgType,
    ResponseType,
    level_info,
    parse_level,
)
from citychan.alerts.notice import warning_to_message
from citychan.alerts.rules import check_warning
from citychan.alerts.shorttext import (
    CellBroadcastCount,
    cell_broadcast_count,
    cell_broadcast_text,
    short_text,
)
from citychan.alerts.templates import (
    Template,
    load_template,
    resolve_template,
    template_aliases,
    template_names,
)
from citychan.alerts.timeutil import cap_time, parse_when
from citychan.alerts.warning import (
    Change,
    Reference,
    Warning,
    WarningText,
    allclear,
    as_exercise,
    as_test,
    changes,
    guard_accepts,
    guard_phrase,
    mark,
    news_line,
    relabel,
    update,
)

__all__ = [
    "EVENTS",
    "LEVELS",
    "Area",
    "CapIndexEntry",
    "Change",
    "CellBroadcastCount",
    "Event",
    "Guard",
    "Level",
    "LevelInfo",
    "MsgType",
    "Reference",
    "ResponseType",
    "CapStatus",
    "Template",
    "Warning",
    "WarningText",
    "allclear",
    "as_exercise",
    "as_test",
    "cap_area",
    "cap_index_atom",
    "cap_sender",
    "preset_area",
    "cap_index_entry",
    "cap_time",
    "cell_broadcast_count",
    "cell_broadcast_text",
    "changes",
    "check_warning",
    "find_event",
    "from_flags",
    "from_message",
    "from_template",
    "get_event",
    "guard_accepts",
    "guard_phrase",
    "level_info",
    "load_template",
    "make_area",
    "mark",
    "news_line",
    "parse_level",
    "parse_when",
    "relabel",
    "resolve_template",
    "revise",
    "short_text",
    "template_aliases",
    "template_names",
    "to_cap_xml",
    "update",
    "warning_to_message",
]
