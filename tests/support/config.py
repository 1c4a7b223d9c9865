"""One way to write a test's citychan.toml: tables as dicts, written with tomli_w.

    make_config(channels={"outbox": OUTBOX, "ntfy": {"type": "ntfy", "base_url": url,
                                                      "topic": "bautzen"}},
                alerts=ALERTS_TABLE, rules={"info": {"max_per_day": 2}})

A test that means to write broken or unusual TOML writes the text itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import tomli_w

Table = dict[str, Any]

# what every real warning needs in [alerts]: the CAP sender (no default) and the warning
# page each CAP <info> links (Google's CAP profile requires <web>)
CAP_ISSUER: Table = {
    "sender": "warnung@bautzen.de",
    "web": "https://www.bautzen.de/warnungen",
}
# a city's warning settings: the [alerts] of every warn test
ALERTS_TABLE: Table = {
    **CAP_ISSUER,
    "sender_name": "Stadtverwaltung Bautzen",
    "contact": "Bürgertelefon 03591 534-0",
}
# [city] of a city that is not the built-in Bautzen, with its geography (CAP areas named in
# words are placed by it): Görlitz, ARS 146260110110
CITY_TABLE: Table = {
    "names": {"de": "Görlitz", "hsb": "Zhorjelc"},
    "ars": "146260110110",
    "boundary_circle": "51.1528,14.9872 6",
}
OUTBOX: Table = {"type": "outbox"}
FEED: Table = {"type": "feed"}


def config_text(*, channels: dict[str, Table] | None = None, version: int | None = 1,
                **sections: Table) -> str:
    """The TOML of a config: ``version``, the ``sections`` ([city], [alerts], [rules], [store],
    [publish], [subscribe], …) in the order given, then [channels.<name>] in the order given."""
    data: Table = {} if version is None else {"version": version}
    data.update(sections)
    if channels is not None:
        data["channels"] = channels
    return tomli_w.dumps(data)


def write_config(path: Path, *, channels: dict[str, Table] | None = None,
                 version: int | None = 1, **sections: Table) -> Path:
    """Write ``config_text(...)`` to ``path`` (folders made as needed); return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config_text(channels=channels, version=version, **sections),
                    encoding="utf-8")
    return path


class MakeConfig(Protocol):
    """The ``make_config`` fixture: ``write_config`` into the test's working folder."""

    def __call__(self, *, name: str = "citychan.toml", channels: dict[str, Table] | None = None,
                 version: int | None = 1, **sections: Table) -> Path: ...


# the whole config of a warn test that needs nothing else: [alerts] and an outbox
ALERTS_CONFIG = config_text(alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})
