"""`citychan init`: a starter config that works offline and shows the house rules."""

from __future__ import annotations

from pathlib import Path

import tomli_w

from citychan.errors import UsageError
from citychan.fsutil import atomic_write


def starter_config() -> dict[str, object]:
    return {
        "version": 1,
        "city": {
            "names": {"de": "Bautzen", "hsb": "Budyšin"},
            "languages": ["de", "hsb"],
            "timezone": "Europe/Berlin",
            "allowed_domains": ["bautzen.de", "budysin.de"],
        },
        "subscribe": {"url": "https://whatsapp.com/channel/0029VaBautzenStadtInfo01", "links": {}},
        "alerts": {
            "sender": "warnung@bautzen.de",
            "sender_name": "Stadtverwaltung Bautzen",
            "web": "https://www.bautzen.de",
            "contact": "Bürgertelefon 03591 534-0",
            "languages": ["de", "hsb"],
        },
        "rules": {"info": {"quiet_hours": "21:00-07:00", "max_per_day": 3}},
        "store": {"path": "citychan-out/citychan.db"},
        "channels": {
            "outbox": {"type": "outbox", "path": "citychan-out/outbox"},
            "feed": {
                "type": "feed",
                "path": "citychan-out/feed",
                "title": "Stadt Bautzen / Město Budyšin",
                "public_url": "https://www.bautzen.de/aktuelles",
            },
        },
    }


def init(path: Path, *, force: bool = False) -> Path:
    """Write the starter config to ``path``; an existing file only with ``force``."""
    if path.exists() and not force:
        raise UsageError(f"{path}: exists already; use --force to overwrite")
    text = (
        "# citychan configuration. Every key is explained in config.example.toml.\n"
        + tomli_w.dumps(starter_config())
    )
    try:
        atomic_write(path, text)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write ({exc.strerror})") from None
    return path
