"""Channel clients built from the config: the real ones for a post, or offline ones (no
network, placeholder secrets) that check, preview and a dry run use to read capabilities. A
plugin that fails to start stands in as a :class:`BrokenPlugin` that fails only its own
delivery; for a danger warning (``alone=True``) so does a built-in channel whose secret is
missing or whose table is broken (:class:`BrokenChannel`): a warning never waits on one
channel's config."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from citychan.channels.base import (
    Capabilities,
    Channel,
    ChannelConfigError,
    ChannelContext,
    ChannelError,
    Dialect,
    declared,
)
from citychan.channels.http import make_client
from citychan.channels.registry import BUILTINS, load_type
from citychan.config import ChannelConfig, Config
from citychan.errors import ConfigError
from citychan.store.feed_entries import StoredFeeds
from citychan.store.limits import StoredLimits


class _OfflineEnv(dict[str, str]):
    """Secrets for channels built only to read their capabilities: never sent anywhere."""

    def get(self, key: str, default: Any = None) -> str:
        return "offline-placeholder"


def _offline_http() -> Any:
    import httpx

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("offline: check/preview/dry-run never use the network")

    return httpx.Client(transport=httpx.MockTransport(refuse))


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
    cached_limits: bool = True,
    alone: bool = False,
) -> Channels:
    """Build channel clients sharing one HTTP client (``http``, else one made here and
    closed with the result). ``offline``: for check/preview/dry-run, with no network and no
    real secrets, only to read capabilities. ``cached_limits``: the channels read the limits
    their servers gave before (Mastodon's) from the store, so that preview, dry run and post
    plan alike; `check`, which judges the file alone, leaves the store out. ``alone``: a
    channel that cannot start (a missing secret, a broken table) fails alone as a
    :class:`BrokenChannel` instead of stopping the command with a ConfigError."""
    needs_http = any(_network(c) for c in chosen if c.problem is None)
    own = None
    if needs_http and (offline or http is None):
        own = _offline_http() if offline else make_client(config.publish.timeout)
    ctx = ChannelContext(  # a dry run passes the real environment: a missing secret shows
        env=(env or _OfflineEnv()) if offline else env,
        http=own if own is not None else http,
        base_dir=config.base_dir,
        timeout=config.publish.timeout,
        limits=StoredLimits(config.store) if cached_limits else None,
        # the website feed's entries: in the store, where every machine finds them
        feeds=None if offline else StoredFeeds(config.store),
    )
    out = Channels(own)
    try:
        for cc in chosen:
            out[cc.name] = _open_one(config, cc, ctx, alone)
    except BaseException:
        out.close()
        raise
    return out


def _open_one(config: Config, cc: ChannelConfig, ctx: ChannelContext, alone: bool) -> Channel:
    if cc.problem is not None:  # its table was refused when the config was read
        if not alone:
            raise ConfigError(cc.problem)
        return BrokenChannel(cc.name, cc.problem)
    cls = load_type(cc.type)
    if cls is None:  # a plugin that fails to import; the warning above says why
        return BrokenPlugin(cc.name, cc.type, ImportError("could not be imported"))
    try:
        return cls.from_config(cc.name, cc.options, ctx)
    except ChannelConfigError as exc:
        # the channel's message as it was made (an N_ message says itself in German)
        said = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
        problem = f"{config.source}: " + said
        if alone:
            return BrokenChannel(cc.name, problem, declared(cls, cc.options))
        raise ConfigError(problem) from None
    except Exception as exc:  # a plugin's bug must not keep the notice from the others
        if cc.type in BUILTINS:
            raise
        return BrokenPlugin(cc.name, cc.type, exc)


class BrokenChannel:
    """Stands in for a channel that cannot start: it fails its delivery (known, nothing
    sent, recorded with ``reason``) and every other channel still gets the message. It
    renders as its type would (``capabilities``), so that `citychan retry`, once the config
    is fixed, sends the text the others got."""

    capabilities = Capabilities(dialect=Dialect.PLAIN)

    def __init__(self, name: str, reason: str, capabilities: Capabilities | None = None) -> None:
        self.name = name
        self.reason = reason
        if capabilities is not None:
            self.capabilities = capabilities

    def __repr__(self) -> str:
        return f"BrokenChannel(name={self.name!r})"

    def preflight(self) -> list[str]:
        return [self.reason]

    def send(self, post: Any) -> Any:
        raise ChannelError(self.reason)


class BrokenPlugin(BrokenChannel):
    """A plugin channel that raised while starting (or reading its capabilities)."""

    def __init__(self, name: str, type_name: str, exc: BaseException) -> None:
        super().__init__(name, f"channel plugin '{type_name}' failed to start: "
                               f"{type(exc).__name__}: {exc}")


def capabilities_of(channels: dict[str, Any], cc: ChannelConfig) -> Capabilities:
    """The channel's capabilities; a plugin whose property raises becomes a BrokenPlugin."""
    try:
        return channels[cc.name].capabilities
    except Exception as exc:
        if cc.type in BUILTINS:
            raise
        channels[cc.name] = BrokenPlugin(cc.name, cc.type, exc)
        return BrokenPlugin.capabilities


def broken_reasons(channels: Mapping[str, Any]) -> dict[str, str]:
    """The channels that cannot start, by name, and why (what their delivery records)."""
    return {name: ch.reason for name, ch in channels.items() if isinstance(ch, BrokenChannel)}


def _network(cc: ChannelConfig) -> bool:
    """Whether the channel type talks to a server; a type that cannot say is assumed to."""
    cls = load_type(cc.type)
    caps = declared(cls, cc.options) if cls is not None else None
    return caps is None or caps.network
