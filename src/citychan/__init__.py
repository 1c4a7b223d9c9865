"""citychan: publish a city's notices and danger warnings to every channel its people use.

The public API for channel plugin authors lives in :mod:`citychan.channels.base` and is
re-exported here lazily so that ``import citychan`` stays cheap.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = [
    "CannotTell",
    "Capabilities",
    "Channel",
    "ChannelError",
    "Dialect",
    "Post",
    "Receipt",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name in __all__ and name != "__version__":
        from citychan.channels import base

        return getattr(base, name)
    raise AttributeError(f"module 'citychan' has no attribute {name!r}")
