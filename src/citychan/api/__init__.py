"""The facade the command line calls: plain arguments in, typed results out, CitychanError on
failure. One module per command group, so that each command imports only what it needs
(a post never pays for the warning domain):

- :mod:`citychan.api.check`     check FILE...
- :mod:`citychan.api.notices`   preview, post, log
- :mod:`citychan.api.warnings`  warn (new, update, allclear), incidents
- :mod:`citychan.api.incidents` incidents: every incident with its state
- :mod:`citychan.api.channels`  channel types, pre-flight tests, retry
- :mod:`citychan.api.qr`        the subscription code and poster
- :mod:`citychan.api.review`    review: drafts a second operator approves or rejects
- :mod:`citychan.api.setup`     init (a starter config), config (which file is in effect)
- :mod:`citychan.api.templates` templates, new: notice and warning templates
"""

from __future__ import annotations

from pathlib import Path

from citychan.channels.registry import PluginWarning
from citychan.config import Config, load_config

__all__ = ["Config", "PluginWarning", "load"]


def load(config_path: str | Path | None, *, lenient_channels: bool = False) -> Config:
    """The config: ``--config``, $CITYCHAN_CONFIG, ./citychan.toml, the user's, or the default.
    ``lenient_channels``: a broken channel table is kept, to fail alone (danger warnings)."""
    return load_config(config_path, lenient_channels=lenient_channels)
