"""From config and message to the list of targets: which channels get the message, in which
languages, rendered how, and what the rules say about each. No network, no store writes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from citychan.channels.base import (
    Capabilities,
    Channel,
    ChannelConfigError,
    ChannelContext,
    ChannelError,
    Dialect,
    Rendered,
)
from citychan.channels.http import make_client
from citychan.channels.registry import BUILTINS, load_type
from citychan.config import ChannelConfig, Config
from citychan.errors import ConfigError, UsageError, did_you_mean
from citychan.findings import Finding, has_errors, warning
from citychan.notices.message import Message
from citychan.notices.rules import length_findings, message_findings, policy_findings

OFFLINE_TYPES = frozenset({"outbox", "feed"})


@dataclass(frozen=True)
class Target:
    name: str
    type: str
    capabilities: Capabilities
    langs: tuple[str, ...]
    rendered: Rendered
    summary_used: bool = False


@dataclass(frozen=True)
class Skip:
    name: str
    reason: str


@dataclass
class Plan:
    message: Message
    targets: list[Target] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)


class _OfflineEnv(dict[str, str]):
    """Secrets for channels built only to read their capabilities: never sent anywhere."""

    def get(self, key: str, default: Any = None) -> str:  # type: ignore[override]
        return "offline-placeholder"


def _offline_http() -> Any:
    import httpx

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("offline: check/preview/dry-run never use the network")

    return httpx.Client(transport=httpx.MockTransport(refuse))


def select(
    config: Config, message: Message, only: list[str] | tuple[str, ...] = ()
) -> list[ChannelConfig]:
    """The enabled channels this post goes to: --channel names, else the message's, else all."""
    wanted = list(dict.fromkeys(only or message.channels))  # a name given twice posts once
    for name in wanted:
        if name not in config.channels:
            raise UsageError(
                f"unknown channel '{name}'.{did_you_mean(name, list(config.channels))}",
                hint=f"configured: {', '.join(config.channels) or 'none'}",
            )
    chosen = [config.channels[n] for n in wanted] if wanted else config.enabled_channels()
    chosen = [c for c in chosen if c.enabled or c.name in only]
    if not chosen:
        raise ConfigError(
            f"{config.source}: no enabled channel to post to",
            hint="add a [channels.NAME] table, or enable one",
        )
    return chosen


class Channels(dict[str, Channel]):
    """The channels of one command by name, and the HTTP client they share. Whoever opens
    them closes them (``with open_channels(...) as channels:``), which closes the client
    and its connections."""

    def __init__(self, http: Any = None) -> None:
        super().__init__()
        self._http = http  # the client open_channels made, None if injected or not needed

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> Channels:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_channels(
    config: Config,
    chosen: list[ChannelConfig],
    *,
    offline: bool,
    env: Mapping[str, str],
    http: Any = None,
) -> Channels:
    """Build channel clients sharing one HTTP client (``http``, else one made here and
    closed with the result). ``offline``: for check/preview/dry-run, with no network and no
    real secrets, only to read capabilities."""
    needs_http = any(c.type not in OFFLINE_TYPES for c in chosen)
    own = None
    if needs_http and (offline or http is None):
        own = _offline_http() if offline else make_client(config.publish.timeout)
    ctx = ChannelContext(  # a dry run passes the real environment: a missing secret shows
        env=(env or _OfflineEnv()) if offline else env,
        http=own if own is not None else http,
        base_dir=config.base_dir,
        timeout=config.publish.timeout,
    )
    out = Channels(own)
    try:
        for cc in chosen:
            out[cc.name] = _open_one(config, cc, ctx)
    except BaseException:
        out.close()
        raise
    return out


def _open_one(config: Config, cc: ChannelConfig, ctx: ChannelContext) -> Channel:
    cls = load_type(cc.type)
    if cls is None:  # a plugin that fails to import; the warning above says why
        return BrokenPlugin(cc.name, cc.type, ImportError("could not be imported"))
    try:
        return cls.from_config(cc.name, cc.options, ctx)
    except ChannelConfigError as exc:
        raise ConfigError(f"{config.source}: {exc}") from None
    except Exception as exc:  # a plugin's bug must not keep the notice from the others
        if cc.type in BUILTINS:
            raise
        return BrokenPlugin(cc.name, cc.type, exc)


class BrokenPlugin:
    """Stands in for a plugin channel that raised while starting: it fails its delivery
    (known, nothing sent) and every other channel still gets the notice."""

    capabilities = Capabilities(dialect=Dialect.PLAIN)

    def __init__(self, name: str, type_name: str, exc: BaseException) -> None:
        self.name = name
        self.reason = (f"channel plugin '{type_name}' failed to start: "
                       f"{type(exc).__name__}: {exc}")

    def preflight(self) -> list[str]:
        return [self.reason]

    def send(self, post: Any) -> Any:
        raise ChannelError(self.reason)


def capabilities_of(channels: dict[str, Any], cc: ChannelConfig) -> Capabilities:
    """The channel's capabilities; a plugin whose property raises becomes a BrokenPlugin."""
    try:
        return channels[cc.name].capabilities
    except Exception as exc:
        if cc.type in BUILTINS:
            raise
        channels[cc.name] = BrokenPlugin(cc.name, cc.type, exc)
        return BrokenPlugin.capabilities


def secrets_of(config: Config, env: Mapping[str, str]) -> list[str]:
    """Every secret value the config points at, to mask them wherever text is shown or stored."""
    values = []
    for cc in config.channels.values():
        for key, value in cc.options.items():
            if key.endswith("_env") and isinstance(value, str) and env.get(value):
                values.append(env[value])
    return [v for v in values if len(v) >= 4]


def channel_langs(cc: ChannelConfig, message: Message) -> tuple[str, ...]:
    wanted = cc.languages or message.langs
    return tuple(lang for lang in wanted if lang in message.langs)


def plan(
    config: Config,
    message: Message,
    channels: Mapping[str, Channel],
    chosen: list[ChannelConfig],
    *,
    now: datetime | None,
    sent_today: int = 0,
    force: bool = False,
) -> Plan:
    """Render the message for each chosen channel and collect every finding. Without `now`
    (a check of the file alone) the hour-bound rules, quiet hours and daily cap, are left out."""
    from citychan.links import clean_url
    from citychan.render import measure_text, render, render_summary

    result = Plan(message, findings=message_findings(message, config.city))
    if now is not None:
        result.findings += policy_findings(
            message.kind, now, config.info_rules, sent_today, force)

    def url_map(url: str) -> str:
        return clean_url(url)[0]

    for cc in chosen:
        if message.kind not in cc.kinds:
            result.skipped.append(Skip(cc.name, f"takes only {', '.join(cc.kinds)} messages"))
            continue
        langs = channel_langs(cc, message)
        if not langs:
            result.skipped.append(
                Skip(cc.name, f"no text in its languages ({', '.join(cc.languages or ())})")
            )
            continue
        caps = capabilities_of(channels, cc)  # type: ignore[arg-type]
        rendered = render(message, Dialect(caps.dialect), langs, url_map=url_map)
        with_image = message.image is not None
        problems = length_findings(cc.name, rendered, caps, measure_text, with_image=with_image)
        summary_used = False
        # a warning's summary is its short text, complete without a link (source, hazard,
        # place, action, time); a warning is never held back because one channel is small
        is_warning = message.kind == "warning"
        if problems and any(d.summary for d in message.docs) and (message.link or is_warning):
            tries = [(langs, "sends the summary and the link")]
            if is_warning and len(langs) > 1:
                tries.append((langs[:1], f"sends the {langs[0]} short text only: both "
                               "languages do not fit"))
            for try_langs, what in tries:
                short = render_summary(message, Dialect(caps.dialect), try_langs,
                                       url_map=url_map)
                if not length_findings(cc.name, short, caps, measure_text,
                                       with_image=with_image):
                    rendered, problems, summary_used, langs = short, [], True, try_langs
                    result.findings.append(
                        warning("CC102", f"too long for this channel: {what}", channel=cc.name)
                    )
                    break
        result.findings += problems
        result.targets.append(Target(cc.name, cc.type, caps, langs, rendered, summary_used))
    if chosen and not result.targets:  # "sent" to nobody must not look like success
        from citychan.findings import error

        result.findings.append(error(
            "CC104", "no channel takes this message: "
            + "; ".join(f"{s.name}: {s.reason}" for s in result.skipped),
            hint="check the channels' languages and kinds, or the message's lang"))
    return result
