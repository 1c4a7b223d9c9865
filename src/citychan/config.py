"""citychan.toml -> frozen dataclasses. Versioned, strict: unknown keys and wrong types fail
loudly with the file, table and key named. With no file at all, the embedded default applies:
built-in ``outbox`` and ``feed`` channels under ``./citychan-out/``."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Any

from citychan import clock
from citychan.channels.base import url_problem
from citychan.channels.registry import BUILTINS, ChannelType, available_types, load_type
from citychan.errors import ConfigError, did_you_mean
from citychan.geo import (
    ARS_GEOCODE,
    Area,
    parse_ars,
    parse_circle,
    parse_geocodes,
    parse_polygon,
    shapes,
)
from citychan.i18n import N_
from citychan.kinds import Kind
from citychan.masking import mask_userinfo
from citychan.store.backend import Location, check_url, without_password

CONFIG_VERSION = 1
CONFIG_NAME = "citychan.toml"
DEFAULT_OUT = "citychan-out"
TEMPLATES_DIR = "templates"  # [paths] templates: the city's own templates, beside the config
KINDS = tuple(Kind)
# Bautzen's Amtlicher Regionalschlüssel (Land 14 Sachsen, Kreis 625 Landkreis Bautzen,
# Gemeinde 020) and a circle around the town centre that covers the municipality.
BAUTZEN_ARS = "146250020020"
BAUTZEN_CIRCLE = "51.1814,14.4239 7"
BAUTZEN_WEBSITE = "https://www.bautzen.de"


@dataclass(frozen=True)
class CityConfig:
    """The city. Without names of its own it is Bautzen, its geography included."""

    names: Mapping[str, str] = field(default_factory=lambda: {"de": "Bautzen", "hsb": "Budyšin"})
    languages: tuple[str, ...] = ("de", "hsb")
    timezone: str = "Europe/Berlin"
    allowed_domains: tuple[str, ...] = ()
    website: str | None = BAUTZEN_WEBSITE  # the CAP <web> when [alerts] web is not set
    ars: str | None = BAUTZEN_ARS  # Amtlicher Regionalschlüssel, 12 digits
    boundary_polygons: tuple[str, ...] = ()
    boundary_circles: tuple[str, ...] = (BAUTZEN_CIRCLE,)

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def name(self, lang: str | None = None) -> str:
        return self.names.get(lang or self.default_language) or next(iter(self.names.values()), "")

    def geography(self) -> Area:
        """Where the city lies, for a CAP <area>: its boundary and its ARS geocode."""
        return Area(desc=dict(self.names), polygons=self.boundary_polygons,
                    circles=self.boundary_circles,
                    geocodes=((ARS_GEOCODE, self.ars),) if self.ars else ())


@dataclass(frozen=True)
class SubscribeConfig:
    url: str | None = None  # the WhatsApp Channel invite
    links: Mapping[str, str] = field(default_factory=dict)  # other channels' join links


@dataclass(frozen=True)
class AlertsConfig:
    sender: str = ""  # the CAP sender: required for real warnings, e.g. warnung@bautzen.de
    sender_name: str = ""
    web: str | None = None  # the city's warning page: every CAP <info> and post links it
    contact: str | None = None
    languages: tuple[str, ...] = ("de", "hsb")
    lifetimes: Mapping[str, str] = field(
        default_factory=lambda: {"low": "12h", "medium": "6h", "high": "3h"}
    )
    areas: Mapping[str, Area] = field(default_factory=dict)  # [alerts.areas.NAME] presets
    # the geography of an area named only in words: the city's, from [city]
    city_area: Area = field(default_factory=lambda: CityConfig().geography())
    city_web: str | None = None  # [city] website: the CAP <web> when web is not set
    templates: Path | None = None  # the city's template folder: its warning templates first

    @property
    def cap_web(self) -> str | None:
        """The CAP <web> of every <info>: the warning page, else the city's website."""
        return self.web or self.city_web


@dataclass(frozen=True)
class InfoRules:
    quiet_hours: tuple[time, time] | None = None
    max_per_day: int | None = None


@dataclass(frozen=True)
class PublishConfig:
    max_total_seconds: float = 60.0  # bound on all retries of one delivery
    timeout: float = 10.0  # one HTTP request


class OnCorrection(StrEnum):
    """What `citychan correct` does on a channel (``on_correction``)."""

    EDIT = "edit"  # in place where the channel can edit, else a follow-up
    FOLLOW_UP = "follow-up"  # a short "Korrektur: …" post
    SKIP = "skip"


@dataclass(frozen=True)
class ReviewConfig:
    """[review] (issue 15): the kinds a second operator approves before they go out. No
    [review] table: nothing is held; a table without ``required_for``: information only.
    Warnings are held only when a city names them, and ``warn --urgent`` bypasses then."""

    required_for: tuple[Kind, ...] = ()

    def holds(self, kind: Kind) -> bool:
        return kind in self.required_for


@dataclass(frozen=True)
class ChannelConfig:
    name: str
    type: str
    enabled: bool = True
    languages: tuple[str, ...] | None = None  # None: every language of the message
    kinds: tuple[Kind, ...] = KINDS
    options: Mapping[str, Any] = field(default_factory=dict)
    # issue 11 (flow): read with lenient_channels, why this table was refused (it fails alone)
    problem: str | None = None
    on_correction: OnCorrection = OnCorrection.EDIT
    withdraw_on_expiry: bool = False  # delete a notice here once its expires: has passed


@dataclass(frozen=True)
class Config:
    path: Path | None  # None: the embedded default
    base_dir: Path
    city: CityConfig
    subscribe: SubscribeConfig
    alerts: AlertsConfig
    info_rules: InfoRules
    publish: PublishConfig
    store_path: Path
    channels: Mapping[str, ChannelConfig]
    review: ReviewConfig = field(default_factory=ReviewConfig)  # issue 15 (review)
    templates_dir: Path = Path(TEMPLATES_DIR)  # [paths] templates; default beside the config
    store_url: str | None = None  # [store] url: a PostgreSQL server (never with a password)
    store_password_env: str | None = None  # the environment variable holding its password

    @property
    def store(self) -> Location:
        """Where the store is: the SQLite file, or the server (then ``store_path`` is where
        this machine keeps the fallback journal)."""
        return Location(self.store_path, self.store_url, self.store_password_env)

    @property
    def source(self) -> str:
        return str(self.path) if self.path else "embedded default"

    def enabled_channels(self) -> list[ChannelConfig]:
        return [c for c in self.channels.values() if c.enabled]

    def now(self) -> datetime:
        """The current time in the city's time zone, from the one clock tests can set."""
        return clock.now(self.city.timezone)


# --- schema -------------------------------------------------------------------------------

_TOP = {"version", "city", "subscribe", "alerts", "rules", "store", "publish", "channels",
        "review", "paths"}
_PATHS = {"templates": str}
_CITY = {"names": dict, "languages": list, "timezone": str, "allowed_domains": list,
         "website": str, "ars": str, "boundary_polygon": (str, list),
         "boundary_circle": (str, list)}
_CITY_GEOGRAPHY = ("website", "ars", "boundary_polygon", "boundary_circle")
_SUBSCRIBE = {"url": str, "links": dict}
_ALERTS = {
    "sender": str,
    "sender_name": str,
    "web": str,
    "contact": str,
    "languages": list,
    "lifetimes": dict,
    "areas": dict,
}
_AREA = {"desc": (str, dict), "polygon": (str, list), "circle": (str, list),
         "geocode": (dict, str, list), "ars": (str, list)}
# a preset's name is what the duty officer types after --area
_AREA_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_RULES_INFO = {"quiet_hours": str, "max_per_day": int}
_STORE = {"path": str, "url": str, "password_env": str}
_REVIEW = {"required_for": list}
_PUBLISH = {"max_total_seconds": (int, float), "timeout": (int, float)}
_CHANNEL_COMMON = {"type": str, "enabled": bool, "languages": list, "kinds": list,
                   "on_correction": str, "withdraw_on_expiry": bool}
# A channel's name becomes part of file names (outbox) and store rows: a simple name only, so
# that "x/../../../tmp/y" cannot write outside the outbox.
_CHANNEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, text: str, hint: str | None = None) -> ConfigError:
        # the file and table stay as they are; the text says itself in the language
        return ConfigError(f"{self.source}: {f'{where} ' if where else ''}" + text, hint=hint)

    def table(self, data: Any, where: str, schema: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(where, N_("must be a table, not {tname}").format(tname=_tname(data)))
        for key, value in data.items():
            if key not in schema:
                raise self.fail(where, N_("unknown key '{key}'.").format(
                                           key=key) + did_you_mean(key, list(schema)))
            expected = schema[key]
            if expected is not None and not _is(value, expected):
                raise self.fail(
                    where, N_("key '{key}' must be {tname_of}, not {tname}").format(
                               key=key, tname_of=_tname_of(expected), tname=_tname(value))
                )
        return data

    def strings(self, value: list[Any], where: str, key: str) -> tuple[str, ...]:
        if not all(isinstance(v, str) for v in value):
            raise self.fail(where, N_("key '{key}' must be a list of strings").format(key=key))
        return tuple(value)


def _is(value: Any, expected: type | tuple[type, ...]) -> bool:
    if isinstance(value, bool) and expected is not bool and bool not in _as_tuple(expected):
        return False
    return isinstance(value, expected)


def _as_tuple(t: type | tuple[type, ...]) -> tuple[type, ...]:
    return t if isinstance(t, tuple) else (t,)


_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    list: "a list",
    dict: "a table",
}


def _tname_of(t: type | tuple[type, ...]) -> str:
    return " or ".join(_TYPE_NAMES.get(x, x.__name__) for x in _as_tuple(t))


def _tname(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def parse_quiet_hours(text: str) -> tuple[time, time]:
    start, sep, end = text.partition("-")
    if not sep:
        raise ValueError(text)
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


# --- loading ------------------------------------------------------------------------------


class ConfigReason(StrEnum):
    """Why a config file is the one in effect: the first of these that names one wins."""

    OPTION = "--config"
    ENV = "$CITYCHAN_CONFIG"
    LOCAL = "./citychan.toml"
    USER = "user config dir"
    DEFAULT = "embedded default"


def locate_config(explicit: str | Path | None,
                  env: Mapping[str, str] | None = None) -> tuple[Path | None, ConfigReason]:
    """The config file in effect and why: --config, then $CITYCHAN_CONFIG, then
    ./citychan.toml, then the user config dir; (None, DEFAULT) when there is none."""
    env = os.environ if env is None else env
    if explicit:
        return Path(explicit), ConfigReason.OPTION
    if env.get("CITYCHAN_CONFIG"):
        return Path(env["CITYCHAN_CONFIG"]), ConfigReason.ENV
    local = Path(CONFIG_NAME)
    if local.is_file():
        return local, ConfigReason.LOCAL
    user = user_config_path(env)
    return (user, ConfigReason.USER) if user.is_file() else (None, ConfigReason.DEFAULT)


def user_config_path(env: Mapping[str, str] | None = None) -> Path:
    """Where the user's own config lives ($XDG_CONFIG_HOME or ~/.config, then citychan/)."""
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or (Path(env.get("HOME", "~")).expanduser() / ".config")
    return Path(base) / "citychan" / CONFIG_NAME


def find_config(explicit: str | Path | None, env: Mapping[str, str] | None = None) -> Path | None:
    """--config, then $CITYCHAN_CONFIG, then ./citychan.toml, then the user config dir."""
    return locate_config(explicit, env)[0]


# Invite links that are examples, not a city's channel: the one citychan's starter config
# used to write, and the usual marks of an example. A poster with one would be printed for
# years and lead nowhere.
_PLACEHOLDER_MARKS = ("0029VaBautzenStadtInfo01", "…", "...", "://example.", ".example.",
                      "<", ">", "XXXX")


def is_placeholder_url(url: str) -> bool:
    """True for an example invite link that must never go out (on a poster, in a post)."""
    return any(mark in url for mark in _PLACEHOLDER_MARKS)


def load_config(explicit: str | Path | None = None, env: Mapping[str, str] | None = None,
                *, lenient_channels: bool = False) -> Config:
    """The config. ``lenient_channels`` (danger warnings): a broken [channels.NAME] table is
    kept as a channel with its ``problem`` instead of refusing the whole config."""
    path = find_config(explicit, env)
    if path is None:
        return default_config()
    if path.is_dir():
        raise ConfigError(N_("{path}: is a directory, not a config file").format(path=path))
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(N_("{path}: config file not found").format(
                              path=path), hint=N_("run 'citychan "
                                                                    "init'")) from None
    except OSError as exc:
        raise ConfigError(N_("{path}: cannot read config ({strerror})").format(
                              path=path, strerror=exc.strerror)) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(N_("{path}: config is not UTF-8 text").format(path=path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(N_("{path}: invalid TOML: {exc}").format(path=path, exc=exc)) from None
    return parse_config(data, path=path, lenient_channels=lenient_channels)


def parse_config(data: Mapping[str, Any], path: Path | None = None, *,
                 lenient_channels: bool = False) -> Config:
    r = _Reader(str(path) if path else "config")
    for key in data:
        if key not in _TOP:
            raise r.fail("", f"unknown top-level key '{key}'.{did_you_mean(key, _TOP)}".lstrip())
    if "version" not in data:
        raise r.fail("", f"missing 'version = {CONFIG_VERSION}' at the top".lstrip())
    version = data["version"]
    if not isinstance(version, int) or isinstance(version, bool):
        raise r.fail("", "'version' must be an integer".lstrip())
    if version > CONFIG_VERSION:
        raise r.fail(
            "",
            f"config version {version} is newer than this citychan understands "
            f"({CONFIG_VERSION})".lstrip(),
            hint=N_("upgrade citychan"),
        )
    if version < 1:
        raise r.fail("", f"unsupported config version {version}".lstrip())
    base_dir = path.parent if path else Path(".")

    city = _city(r, data.get("city", {}))
    rules = data.get("rules", {})
    r.table(rules, "[rules]", {"info": dict})
    store = r.table(data.get("store", {}), "[store]", _STORE)
    channels = _channels(r, data.get("channels", {}), lenient_channels)
    store_path = Path(store.get("path", f"{DEFAULT_OUT}/citychan.db"))
    paths = r.table(data.get("paths", {}), "[paths]", _PATHS)
    templates = Path(paths.get("templates", TEMPLATES_DIR)).expanduser()
    templates = templates if templates.is_absolute() else base_dir / templates
    store_url, password_env = _store_server(r, store)
    return Config(
        path=path,
        base_dir=base_dir,
        city=city,
        subscribe=_subscribe(r, data.get("subscribe", {})),
        alerts=replace(_alerts(r, data.get("alerts", {}), city), templates=templates),
        info_rules=_info_rules(r, rules.get("info")),
        publish=_publish(r, data.get("publish", {})),
        store_path=store_path if store_path.is_absolute() else base_dir / store_path,
        channels=channels,
        review=_review(r, data.get("review")),
        templates_dir=templates,
        store_url=store_url,
        store_password_env=password_env,
    )


def _review(r: _Reader, data: Any) -> ReviewConfig:
    if data is None:
        return ReviewConfig()
    t = r.table(data, "[review]", _REVIEW)
    names = r.strings(t.get("required_for", [str(Kind.INFO)]), "[review]", "required_for")
    for name in names:
        if name not in KINDS:
            raise r.fail("[review]", N_("unknown kind '{name}' in 'required_for'").format(
                                         name=name),
                         hint=N_('info, or "info" and "warning"'))
    return ReviewConfig(required_for=tuple(Kind(n) for n in dict.fromkeys(names)))


def _store_server(r: _Reader, store: dict[str, Any]) -> tuple[str | None, str | None]:
    """[store] url and password_env: a PostgreSQL URL without a password, and the name of
    the environment variable that holds it."""
    url, env = store.get("url"), store.get("password_env")
    if url is None:
        if env is not None:
            raise r.fail("[store]", N_("key 'password_env' needs 'url' (the PostgreSQL server)"))
        return None, None
    problem = check_url(url)
    if problem is not None:
        raise r.fail("[store]", N_("url {problem}: {without_password!r}").format(
                                    problem=problem, without_password=without_password(url)),
                     hint=N_('e.g. url = "postgresql://citychan@db.bautzen.local/citychan" and '
                             'password_env = "CITYCHAN_DB_PASSWORD"'))
    if env is not None and not env.strip():
        raise r.fail("[store]", N_("key 'password_env' must name an environment variable"))
    return url, env


def _city(r: _Reader, data: Any) -> CityConfig:
    t = r.table(data, "[city]", _CITY)
    d = CityConfig()
    names = t.get("names", d.names)
    if not all(isinstance(v, str) for v in names.values()):
        raise r.fail("[city]", N_("key 'names' must map language codes to strings"))
    langs = r.strings(t["languages"], "[city]", "languages") if "languages" in t else d.languages
    if not langs:
        raise r.fail("[city]", N_("key 'languages' needs at least one language"))
    domains = r.strings(t.get("allowed_domains", []), "[city]", "allowed_domains")
    tz = t.get("timezone", d.timezone)
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(tz)
    except Exception:
        raise r.fail("[city]", N_("unknown timezone {tz!r}").format(
                                   tz=tz), hint=N_("e.g. "
                                                                   "'Europe/Berlin'")) from None
    return CityConfig(
        names=dict(names),
        languages=langs,
        timezone=tz,
        allowed_domains=tuple(x.lower() for x in domains),
        **_city_geography(r, t),
    )


def _city_geography(r: _Reader, t: Mapping[str, Any]) -> dict[str, Any]:
    """website, ars and boundary: Bautzen's while the city is Bautzen (no names, no geography
    of its own); a city with names of its own has only what it gives."""
    d = CityConfig()
    if "names" not in t and not any(k in t for k in _CITY_GEOGRAPHY):
        return {}
    website: str | None = t.get("website")
    if website and (problem := url_problem(website)):
        raise r.fail("[city]", N_("website {problem}: {mask_userinfo!r}").format(
                                   problem=problem, mask_userinfo=mask_userinfo(website)))
    try:
        return {
            "website": website,
            "ars": parse_ars(t["ars"]) if "ars" in t else None,
            "boundary_polygons": shapes(t.get("boundary_polygon"), parse_polygon),
            "boundary_circles": shapes(t.get("boundary_circle"), parse_circle),
        }
    except ValueError as exc:
        raise r.fail("[city]", str(exc), hint=N_('e.g. ars = "{ars}" and boundary_circle = '
                                                 '"{circle}" (lat,lon radius_km)').format(
                                                  ars=d.ars, circle=BAUTZEN_CIRCLE)) from None


def _subscribe(r: _Reader, data: Any) -> SubscribeConfig:
    t = r.table(data, "[subscribe]", _SUBSCRIBE)
    links = t.get("links", {})
    if not all(isinstance(v, str) for v in links.values()):
        raise r.fail("[subscribe.links]", N_("values must be URLs as strings"))
    return SubscribeConfig(url=t.get("url"), links=dict(links))


def _alerts(r: _Reader, data: Any, city: CityConfig) -> AlertsConfig:
    t = r.table(data, "[alerts]", _ALERTS)
    d = AlertsConfig()
    lifetimes = {**d.lifetimes, **t.get("lifetimes", {})}
    unknown = set(lifetimes) - {"low", "medium", "high"}
    if unknown:
        raise r.fail(
            "[alerts.lifetimes]",
            N_("unknown level '{unknown}'").format(unknown=sorted(unknown)[0]),
            hint=N_("levels are low, medium, high"),
        )
    langs = r.strings(t["languages"], "[alerts]", "languages") if "languages" in t else d.languages
    sender = t.get("sender", d.sender)
    if "sender" in t and not sender or any(c.isspace() or c in ",<&" for c in sender):
        # CAP 1.2 3.2.1: references are "sender,identifier,sent" separated by spaces
        raise r.fail("[alerts]", N_("sender {sender!r} may not be empty or contain "
                                    "spaces, commas, '<' or '&' (CAP 1.2)").format(sender=sender),
                     hint=N_('use the city\'s address, e.g. sender = "warnung@bautzen.de"; the '
                             "readable name goes in sender_name"))
    return AlertsConfig(
        sender=sender,
        sender_name=t.get("sender_name", f"Stadtverwaltung {city.name('de')}"),
        web=t.get("web"),
        contact=t.get("contact"),
        languages=langs,
        lifetimes=lifetimes,
        areas=_areas(r, t.get("areas", {}), city),
        city_area=city.geography(),
        city_web=city.website,
    )


def _areas(r: _Reader, data: Mapping[str, Any], city: CityConfig) -> dict[str, Area]:
    """[alerts.areas.NAME]: what ``--area NAME`` stands for. ``desc`` is the areaDesc (one
    text, or a table of languages); polygon, circle, geocode and ars place it."""
    out = {}
    for name, table in data.items():
        where = f"[alerts.areas.{name}]"
        if not _AREA_NAME.fullmatch(name):
            raise r.fail("[alerts.areas]", N_("area name {name!r} is not a simple name").format(
                                               name=name),
                         hint=N_("use letters, digits, '-' and '_', e.g. [alerts.areas.spreeufer]"))
        t = r.table(table, where, _AREA)
        desc = t.get("desc", name)
        descs = dict(desc) if isinstance(desc, dict) else {lang: desc for lang in city.languages}
        if not all(isinstance(v, str) and v.strip() for v in descs.values()):
            raise r.fail(where, N_("key 'desc' must be a text, or a table of language = text"))
        try:
            ars = shapes(t.get("ars"), parse_ars)
            area = Area(desc={k: v.strip() for k, v in descs.items()},
                        polygons=shapes(t.get("polygon"), parse_polygon),
                        circles=shapes(t.get("circle"), parse_circle),
                        geocodes=parse_geocodes(t.get("geocode"))
                        + tuple((ARS_GEOCODE, a) for a in ars))
        except ValueError as exc:
            raise r.fail(where, str(exc), hint=N_("polygon 'lat,lon lat,lon …' (closed "
                                                  "ring), circle 'lat,lon radius_km', "
                                                  "ars '146250020020'")) from None
        if not area.located:
            raise r.fail(where, N_("places nothing: give a polygon, circle, geocode or ars"),
                         hint=N_('e.g. circle = "51.1832,14.4262 0.8"'))
        out[name] = area
    return out


def _info_rules(r: _Reader, data: Any) -> InfoRules:
    if data is None:
        return InfoRules()
    t = r.table(data, "[rules.info]", _RULES_INFO)
    quiet = None
    if "quiet_hours" in t:
        try:
            quiet = parse_quiet_hours(t["quiet_hours"])
        except ValueError:
            raise r.fail(
                "[rules.info]", N_("quiet_hours {quiet_hours!r} is not 'HH:MM-HH:MM'").format(
                                    quiet_hours=t['quiet_hours'])
            ) from None
    cap = t.get("max_per_day")
    if cap is not None and cap < 0:
        raise r.fail("[rules.info]", N_("max_per_day must not be negative"))
    return InfoRules(quiet_hours=quiet, max_per_day=cap)


def _publish(r: _Reader, data: Any) -> PublishConfig:
    t = r.table(data, "[publish]", _PUBLISH)
    d = PublishConfig()
    values = {"max_total_seconds": float(t.get("max_total_seconds", d.max_total_seconds)),
              "timeout": float(t.get("timeout", d.timeout))}
    for key, value in values.items():
        if not 0 < value <= 3600:
            raise r.fail("[publish]", N_("{key} must be between 0 and 3600 seconds, not "
                                         "{value:g}").format(key=key, value=value))
    return PublishConfig(**values)


def _channels(r: _Reader, data: Any, lenient: bool = False) -> dict[str, ChannelConfig]:
    if not isinstance(data, dict):
        raise r.fail("[channels]", N_("must be a table of channels"))
    types: dict[str, ChannelType] | None = None  # plugins are scanned only when needed
    out: dict[str, ChannelConfig] = {}
    for name, table in data.items():
        if not _CHANNEL_NAME.fullmatch(name):
            raise r.fail("[channels]", N_("channel name {name!r} is not a simple name").format(
                                           name=name),
                         hint=N_("use letters, digits, '-' and '_' (at most 64), e.g. "
                                 "[channels.telegram-info]"))
        wanted = table.get("type") if isinstance(table, dict) else None
        if isinstance(wanted, str) and wanted not in BUILTINS and types is None:
            types = available_types()
        try:
            out[name] = _channel(r, name, table, types)
        except ConfigError as exc:
            if not lenient:
                raise
            out[name] = _broken_channel(name, table, exc)
    return out


def _broken_channel(name: str, table: Any, exc: ConfigError) -> ChannelConfig:
    """A refused table, kept so that it can fail alone: enabled and kinds as far as they can
    be read (a table that says it is off, or takes no warnings, is left out as it would be)."""
    t = table if isinstance(table, dict) else {}
    kinds = t.get("kinds")
    if not (isinstance(kinds, list) and all(k in KINDS for k in kinds)):
        kinds = list(KINDS)
    return ChannelConfig(
        name=name, type=str(t.get("type") or "?"), enabled=t.get("enabled") is not False,
        kinds=tuple(Kind(k) for k in kinds),
        problem=exc.message + (f" ({exc.hint})" if exc.hint else ""),
    )


def _channel(r: _Reader, name: str, table: Any,
             types: dict[str, ChannelType] | None) -> ChannelConfig:
    where = f"[channels.{name}]"
    if not isinstance(table, dict):
        raise r.fail(where, N_("must be a table"))
    type_name = table.get("type")
    if not isinstance(type_name, str):
        raise r.fail(where, N_("needs 'type'"), hint=N_("one of: {join}").format(
                                                     join=', '.join(sorted(BUILTINS))))
    known = types or BUILTINS
    if type_name not in known:
        raise r.fail(
            where, N_("unknown channel type '{type_name}'.").format(
                       type_name=type_name) + did_you_mean(type_name, list(known))
        )
    cls = load_type(type_name, types)
    schema: dict[str, Any] = dict(_CHANNEL_COMMON)
    if cls is None:
        # an installed plugin that fails to import (the warning says why): its channel
        # fails when posting, and every other channel still works
        schema.update({k: None for k in table if k not in _CHANNEL_COMMON})
    opt_specs = getattr(cls, "options", {})
    schema.update({k: spec.type for k, spec in opt_specs.items()})
    r.table(table, where, schema)
    for key, spec in opt_specs.items():
        if spec.required and key not in table:
            raise r.fail(where, N_("missing required key '{key}'").format(key=key))
    if type_name in BUILTINS:
        _check_addresses(r, where, table)
    names = r.strings(table.get("kinds", [str(k) for k in KINDS]), where, "kinds")
    for k in names:
        if k not in KINDS:
            raise r.fail(where, N_("unknown kind '{k}' in 'kinds'").format(
                                    k=k), hint=N_("info or warning"))
    kinds = tuple(Kind(k) for k in names)
    on_correction = table.get("on_correction", OnCorrection.EDIT)
    if on_correction not in set(OnCorrection):
        raise r.fail(where, N_("on_correction must be one of {join}, not {on_correction!r}").format(
                                join=', '.join(repr(str(o)) for o in OnCorrection),
                                on_correction=on_correction))
    langs = table.get("languages")
    options = {k: spec.default for k, spec in opt_specs.items() if spec.default is not None}
    options.update({k: v for k, v in table.items() if k not in _CHANNEL_COMMON})
    return ChannelConfig(
        name=name,
        type=type_name,
        enabled=table.get("enabled", True),
        languages=r.strings(langs, where, "languages") if langs is not None else None,
        kinds=kinds,
        options=options,
        on_correction=OnCorrection(on_correction),
        withdraw_on_expiry=table.get("withdraw_on_expiry", False),
    )


def _check_addresses(r: _Reader, where: str, table: Mapping[str, Any]) -> None:
    """A built-in channel's URLs (``url``, ``*_url``) and ``port``, checked when the config is
    read, before any command uses them; a password written into a URL is never repeated."""
    for key, value in table.items():
        if (key == "url" or key.endswith("_url")) and isinstance(value, str):
            problem = url_problem(value)
            if problem:
                raise r.fail(where, N_("{key} {problem}: {mask_userinfo!r}").format(
                                        key=key, problem=problem,
                                        mask_userinfo=mask_userinfo(value)))
        if key == "port" and isinstance(value, int) and not 1 <= value <= 65535:
            raise r.fail(where, N_("port must be between 1 and 65535, not {value}").format(
                                    value=value))


def default_config() -> Config:
    """The embedded default: offline outbox and feed under ./citychan-out/."""
    out = Path(DEFAULT_OUT)
    city = CityConfig(allowed_domains=("bautzen.de", "budysin.de"), ars=BAUTZEN_ARS,
                      boundary_circles=(BAUTZEN_CIRCLE,))
    return Config(
        path=None,
        base_dir=Path("."),
        city=city,
        subscribe=SubscribeConfig(),  # no invite of its own: `citychan qr` asks for one
        alerts=AlertsConfig(
            city_area=city.geography(),
            city_web=city.website,
            sender="warnung@bautzen.de",
            sender_name="Stadtverwaltung Bautzen",
            web="https://www.bautzen.de",
            contact="Bürgertelefon 03591 534-0",
            templates=Path(TEMPLATES_DIR),
        ),
        info_rules=InfoRules(),
        publish=PublishConfig(),
        store_path=out / "citychan.db",
        channels={
            "outbox": ChannelConfig("outbox", "outbox", options={"path": str(out / "outbox")}),
            "feed": ChannelConfig(
                "feed",
                "feed",
                options={
                    "path": str(out / "feed"),
                    "title": "Stadt Bautzen / Město Budyšin",
                    "public_url": "https://www.bautzen.de/aktuelles",
                },
            ),
        },
    )
