"""Setup: `citychan init` (a starter config that works offline, with the city's own name,
channel link and CAP sender, and no example value that could go out) and `citychan config`
(which config file is in effect, and why)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from citychan.config import (
    BAUTZEN_ARS,
    BAUTZEN_CIRCLE,
    Config,
    ConfigReason,
    is_placeholder_url,
    load_config,
    locate_config,
    user_config_path,
)
from citychan.errors import UsageError
from citychan.fsutil import atomic_write
from citychan.i18n import N_
from citychan.qr.encode import check_url

BAUTZEN = "Bautzen"
BAUTZEN_SENDER = "warnung@bautzen.de"  # Bautzen's own domain: a real warning needs a sender
INVITE_HINT = N_("your channel's invite link: in WhatsApp open Channels, your channel, "
                 "Share channel link (https://whatsapp.com/channel/…)")


@dataclass(frozen=True)
class Starter:
    """What `citychan init` asks for; None: not given (left out, never made up)."""

    city: str | None = None
    whatsapp: str | None = None  # the WhatsApp Channel invite: [subscribe] url
    sender: str | None = None  # the CAP sender: [alerts] sender

    def checked(self) -> Starter:
        """The values as given, or a UsageError naming the option."""
        city = self.city.strip() if self.city is not None else None
        if city is not None and not city:
            raise UsageError(N_("--city is empty"), hint=N_("e.g. --city Bautzen"))
        url = self.whatsapp.strip() if self.whatsapp else self.whatsapp
        if url is not None:
            url = check_url(url, "--whatsapp")
            if is_placeholder_url(url):
                raise UsageError(N_("--whatsapp {url!r} is an example, not your channel").format(
                                     url=url),
                                 hint=INVITE_HINT)
        sender = self.sender.strip() if self.sender is not None else None
        if sender is not None and (sender.count("@") != 1 or any(
                c.isspace() or c in ",<&" for c in sender) or sender.endswith("@")):
            raise UsageError(N_("--sender {sender!r} is not an e-mail address").format(
                                 sender=sender),
                             hint=N_("the city's address for warnings, e.g. warnung@bautzen.de"))
        return Starter(city, url, sender)


def starter_config(starter: Starter | None = None) -> dict[str, Any]:
    """The starter config: Bautzen's (its geography for CAP areas, its domains, warning page
    and a CAP sender at its domain) unless another city is named; the invite link only as
    given, and another city's CAP sender too."""
    s = starter or Starter()
    bautzen = s.city is None or s.city.casefold() == BAUTZEN.casefold()
    name = BAUTZEN if bautzen else str(s.city)
    domains = (["bautzen.de", "budysin.de"] if bautzen
               else [s.sender.rpartition("@")[2]] if s.sender else [])
    city: dict[str, Any] = {"names": {"de": name}, "languages": ["de"],
                            "timezone": "Europe/Berlin", "allowed_domains": domains}
    alerts: dict[str, Any] = {"sender_name": f"Stadtverwaltung {name}", "languages": ["de"]}
    feed: dict[str, Any] = {"type": "feed", "path": "citychan-out/feed", "title": f"Stadt {name}"}
    if bautzen:
        city.update(names={"de": BAUTZEN, "hsb": "Budyšin"}, languages=["de", "hsb"],
                    ars=BAUTZEN_ARS, boundary_circle=BAUTZEN_CIRCLE)
        alerts.update(web="https://www.bautzen.de", contact="Bürgertelefon 03591 534-0",
                      languages=["de", "hsb"])
        feed.update(title="Stadt Bautzen / Město Budyšin",
                    public_url="https://www.bautzen.de/aktuelles")
    sender = s.sender or (BAUTZEN_SENDER if bautzen else None)  # from the city's own domain
    if sender:
        alerts["sender"] = sender
        if not bautzen:  # the feed's items link the city's website
            feed["public_url"] = f"https://www.{domains[0]}"
    return {
        "version": 1,
        "city": city,
        "subscribe": {"url": s.whatsapp} if s.whatsapp else {},
        "alerts": alerts,
        "rules": {"info": {"quiet_hours": "21:00-07:00", "max_per_day": 3}},
        "store": {"path": "citychan-out/citychan.db"},
        "channels": {
            "outbox": {"type": "outbox", "path": "citychan-out/outbox"},
            "feed": feed,
        },
    }


# What each table is for, written above it: the file explains itself.
_HEADER = """\
# citychan configuration, written by 'citychan init'.
# See it in effect with 'citychan config'; test the channels with 'citychan channels --test'.
# Paths are relative to this file. Secrets (tokens, passwords) never go in here: each channel
# names the environment variable that holds its secret.
"""
_COMMENTS = {
    "city": "# The city: its names per language (the first language is the main one), its time\n"
            "# zone, the domains its links may point to, and where it lies (for CAP areas).",
    "subscribe": "# The WhatsApp Channel people subscribe to: 'citychan qr' prints its code.",
    "alerts": "# Danger warnings (CAP 1.2): the sender is the city's address, required for a\n"
              "# real warning; web is the city's warning page.",
    "rules": "# House rules for information posts (warnings ignore both).",
    "store": "# Where citychan records what went out (for 'citychan log').",
    "channels": "# One table per channel. These two work offline; add telegram, mastodon, matrix,\n"
                "# ntfy, email, signal, webhook or whatsapp ('citychan channels' lists the types).",
}
_MISSING = {
    "subscribe": f'# url = "https://whatsapp.com/channel/…"   # {INVITE_HINT}\n',
    "alerts": '# sender = "warnung@…"   # required for real warnings: the city\'s address\n',
}


def config_text(data: Mapping[str, Any]) -> str:
    """The TOML of ``data``, each table with what it is for, and a commented line for what
    was not given (the invite link, the CAP sender)."""
    parts = [_HEADER, tomli_w.dumps({"version": data["version"]})]
    for key, value in data.items():
        if key == "version":
            continue
        table = tomli_w.dumps({key: value}) if value else f"[{key}]\n"
        missing = _MISSING.get(key, "")
        if missing and (("url" if key == "subscribe" else "sender") in value):
            missing = ""
        head, _, rest = table.partition("\n")
        parts.append(f"\n{_COMMENTS.get(key, '')}\n{head}\n{missing}{rest}")
    return "".join(parts)


def init(path: Path, *, force: bool = False, starter: Starter | None = None) -> Path:
    """Write the starter config to ``path``; an existing file only with ``force``."""
    checked = (starter or Starter()).checked()
    if path.exists() and not force:
        raise UsageError(N_("{path}: exists already; use --force to overwrite").format(path=path))
    try:
        atomic_write(path, config_text(starter_config(checked)))
    except OSError as exc:
        raise UsageError(N_("{path}: cannot write ({strerror})").format(
                             path=path, strerror=exc.strerror)) from None
    return path


_WHY = {
    ConfigReason.OPTION: N_("given with --config"),
    ConfigReason.ENV: N_("named by $CITYCHAN_CONFIG"),
    ConfigReason.LOCAL: N_("citychan.toml in the current folder"),
    ConfigReason.USER: N_("the user's config (no --config, no $CITYCHAN_CONFIG, no "
                          "./citychan.toml here)"),
    ConfigReason.DEFAULT: N_("no --config, no $CITYCHAN_CONFIG, no ./citychan.toml and no "
                             "user config: offline outbox and feed under ./citychan-out/"),
}


@dataclass(frozen=True)
class ConfigInfo:
    """`citychan config`: the file in effect, why, and what it sets up."""

    config: Config
    reason: ConfigReason
    user_path: Path

    @property
    def why(self) -> str:
        return _WHY[self.reason]

    @property
    def placeholder(self) -> bool:
        url = self.config.subscribe.url
        return bool(url) and is_placeholder_url(str(url))

    def as_dict(self) -> dict[str, Any]:
        c = self.config
        return {
            "path": str(c.path.resolve()) if c.path else None,
            "reason": str(self.reason),
            "why": self.why,
            "user_config": str(self.user_path),
            "city": c.city.name(),
            "languages": list(c.city.languages),
            "store": c.store_url or str(c.store_path.absolute()),  # a URL holds no password
            "templates": str(c.templates_dir.absolute()),
            "subscribe_url": c.subscribe.url,
            "subscribe_url_placeholder": self.placeholder,
            "cap_sender": c.alerts.sender or None,
            "channels": [{"name": ch.name, "type": ch.type, "enabled": ch.enabled,
                          "kinds": [str(k) for k in ch.kinds],
                          "languages": list(ch.languages or ())}
                         for ch in c.channels.values()],
        }


def config_info(explicit: str | Path | None, env: Mapping[str, str] | None = None) -> ConfigInfo:
    """Which config is in effect and why, read as every command reads it."""
    _, reason = locate_config(explicit, env)
    return ConfigInfo(load_config(explicit, env), reason, user_config_path(env))
