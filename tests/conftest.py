"""Every test runs isolated: its own HOME, config dir and working folder, no CITYCHAN_*
variables and no secrets from the real environment, and a clock that reads a working-day
morning whatever the hour of the run (quiet hours and the daily cap depend on it)."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
SHARED_DATA = REPO.parent / "shared" / "data"


class Clock:
    """Stands in for citychan.clock.now: runs at real speed from a set start."""

    def __init__(self) -> None:
        self.set(10, 0)

    def set(self, hour: int, minute: int = 0, days: int = 0) -> None:
        """Moves the clock to HH:MM local time today (plus days); it keeps running."""
        today = datetime.now(ZoneInfo("Europe/Berlin")).replace(
            hour=hour, minute=minute, second=0, microsecond=0)
        self._start, self._mono = today + timedelta(days=days), time.monotonic()

    def __call__(self, timezone: str) -> datetime:
        now = self._start + timedelta(seconds=time.monotonic() - self._mono)
        return now.astimezone(ZoneInfo(timezone))


@pytest.fixture(autouse=True)
def no_settling(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mastodon waits 5 s after an unclear answer before it looks; tests need not."""
    monkeypatch.setattr("citychan.channels.mastodon.MastodonChannel.settle", 0.0)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr("citychan.clock.now", fake)
    return fake


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    for key in list(os.environ):
        if key.startswith("CITYCHAN_") or key.endswith(("_TOKEN", "_PASSWORD", "_SECRET")):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(work)
    return work


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


NOTICE = """---
title: Sperrung der Löbauer Straße
summary: Die Löbauer Straße ist vom 3. bis 7. Dezember gesperrt.
link: https://www.bautzen.de/aktuelles/loebauer-strasse?utm_source=whatsapp&id=7
---
Die **Löbauer Straße** ist zwischen *Wallstraße* und Taucherstraße gesperrt.

- Umleitung über die [Äußere Lauenstraße](https://www.bautzen.de/umleitung?fbclid=abc)
- Busse fahren Ersatzhaltestellen an
"""

NOTICE_HSB = """---
title: Zawrjenje Lubijskeje dróhi
---
Lubijska dróha je zawrjena. Wobjězd přez Zwonkowu dróhu.
"""


@pytest.fixture
def notice(isolated: Path) -> Path:
    write(isolated / "notice.hsb.md", NOTICE_HSB)
    return write(isolated / "notice.md", NOTICE)


# a city's warning settings and an offline channel: the start of every warn test's config
ALERTS_CONFIG = """version = 1
[alerts]
sender = "warnung@bautzen.de"
sender_name = "Stadtverwaltung Bautzen"
web = "https://www.bautzen.de/warnungen"
contact = "Bürgertelefon 03591 534-0"
[channels.outbox]
type = "outbox"
"""


@pytest.fixture(scope="session")
def cap_schema():
    """The official CAP 1.2 schema, from the shared folder beside the checkout."""
    import xmlschema

    return xmlschema.XMLSchema(str(SHARED_DATA / "CAP-v1.2.xsd"))
