"""`citychan init`: a starter config that works offline and shows the house rules."""

from __future__ import annotations

from pathlib import Path

import tomli_w

from citychan.config import BAUTZEN_ARS, BAUTZEN_CIRCLE
from citychan.errors import UsageError
from citychan.fsutil import atomic_write


def starter_config() -> dict[str, object]:
    """The starter config of Bautzen: its geography for CAP areas, and the CAP sender and
    warning page made from the city's own domain (a real warning needs both)."""
    domains = ["bautzen.de", "budysin.de"]
    return {
        "version": 1,
        "city": {
            "names": {"de": "Bautzen", "hsb": "Budyšin"},
            "languages": ["de", "hsb"],
            "timezone": "Europe/Berlin",
            "allowed_domains": domains,
            "ars": BAUTZEN_ARS,
            "boundary_circle": BAUTZEN_CIRCLE,
        },
        "subscribe": {"url": "https://whatsapp.com/channel/0029VaBautzenStadtInfo01", "links": {}},
        "alerts": {
            "sender": f"warnung@{domains[0]}",
            "sender_name": "Stadtverwaltung Bautzen",
            "web": f"https://www.{domains[0]}",
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
