"""The channel registry: built-ins named explicitly, plugins from the ``citychan.channels``
entry-point group, both imported only when a channel of that type is actually needed."""

from __future__ import annotations

import importlib
import warnings
from dataclasses import dataclass
from typing import Any

ENTRY_POINT_GROUP = "citychan.channels"

# type name -> "module:Class". No folder scanning: what is built in is listed here.
BUILTINS: dict[str, str] = {
    "outbox": "citychan.channels.outbox:OutboxChannel",
    "feed": "citychan.channels.feed:FeedChannel",
    "whatsapp": "citychan.channels.whatsapp:WhatsAppChannel",
    "telegram": "citychan.channels.telegram:TelegramChannel",
    "mastodon": "citychan.channels.mastodon:MastodonChannel",
    "matrix": "citychan.channels.matrix:MatrixChannel",
    "ntfy": "citychan.channels.ntfy:NtfyChannel",
    "email": "citychan.channels.email:EmailChannel",
    "signal": "citychan.channels.signal:SignalChannel",
    "webhook": "citychan.channels.webhook:WebhookChannel",
}


class PluginWarning(UserWarning):
    """A plugin could not be loaded; citychan goes on without it."""


@dataclass(frozen=True)
class ChannelType:
    name: str
    target: str  # "module:Class"
    source: str  # "built-in" or "plugin <dist> <version>"


def available_types() -> dict[str, ChannelType]:
    """Every channel type: built-ins, then plugins (built-ins win name clashes)."""
    types = {name: ChannelType(name, target, "built-in") for name, target in BUILTINS.items()}
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in types:
            warnings.warn(
                f"plugin channel type '{ep.name}' clashes with a built-in and is ignored",
                PluginWarning,
                stacklevel=2,
            )
            continue
        dist = getattr(ep, "dist", None)
        source = f"plugin {dist.name} {dist.version}" if dist else "plugin"
        types[ep.name] = ChannelType(ep.name, ep.value, source)
    return types


def load_type(type_name: str, types: dict[str, ChannelType] | None = None) -> Any | None:
    """Import and return the channel class for ``type_name``; None if it is unknown.

    A plugin that fails to import is a warning, not a crash; a built-in that fails is a bug
    and raises.
    """
    if types is None:
        # a built-in needs no scan of every installed distribution's entry points
        types = {type_name: ChannelType(type_name, BUILTINS[type_name], "built-in")} \
            if type_name in BUILTINS else available_types()
    entry = types.get(type_name)
    if entry is None:
        return None
    module_name, _, attr = entry.target.partition(":")
    try:
        module = importlib.import_module(module_name)
        return getattr(module, attr) if attr else module
    except Exception as exc:
        if entry.source == "built-in":
            raise
        warnings.warn(
            f"channel plugin '{type_name}' ({entry.source}) failed to load: {exc}",
            PluginWarning,
            stacklevel=2,
        )
        return None
