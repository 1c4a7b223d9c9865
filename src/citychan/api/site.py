"""`citychan site rebuild`: every page of the website written again from the entries in the
store, for a machine whose feed folder is new (or lacks the other machines' entry pages) and
after an upgrade that changed the pages' layout; then uploaded where the feed uploads.

The rebuild holds the store's write lock only for its last short step (the front page and
the feeds), so posts and danger warnings from this and every other machine go on meanwhile
(channels/feed.py, ``FeedChannel.rebuild``)."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from citychan.channels.base import ChannelError
from citychan.channels.feed import FeedChannel
from citychan.config import ChannelConfig, Config
from citychan.delivery.clients import open_channels
from citychan.errors import CitychanError, ExitCode, UsageError, did_you_mean
from citychan.i18n import N_


class SiteError(CitychanError):
    """The folder or the store could not be written or read: nothing is half done (each
    file goes into place whole), and the rebuild can simply run again."""

    exit_code = ExitCode.USAGE


@dataclass(frozen=True)
class Rebuilt:
    """One feed channel's rebuild: what it wrote, where, how long it took, and the upload."""

    channel: str
    folder: str
    entry_pages: int
    month_pages: int
    other_files: int  # the front page, feed.xml, feed.json, pictures
    seconds: float
    upload: str | None = None  # where the pages go (no secret), None: not uploaded
    uploaded: int = 0  # files sent (the others the server had already)
    upload_error: str | None = None  # the upload failed: the files stay written, owed

    @property
    def ok(self) -> bool:
        return self.upload_error is None

    def as_dict(self) -> dict[str, Any]:
        return {"channel": self.channel, "folder": self.folder,
                "entry_pages": self.entry_pages, "month_pages": self.month_pages,
                "other_files": self.other_files, "seconds": round(self.seconds, 2),
                "upload": self.upload, "uploaded": self.uploaded,
                "upload_error": self.upload_error}


@dataclass(frozen=True)
class SiteReport:
    feeds: tuple[Rebuilt, ...]

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.OK if all(r.ok for r in self.feeds) else ExitCode.DELIVERY

    def as_dict(self) -> dict[str, Any]:
        return {"feeds": [r.as_dict() for r in self.feeds]}


def feed_channels(config: Config, channel: str | None = None) -> list[ChannelConfig]:
    """The feed channels to rebuild: the one named, else every enabled one (UsageError if
    there is none, or the name is not a feed channel)."""
    feeds = {c.name: c for c in config.channels.values() if c.type == "feed"}
    if channel is not None:
        if channel not in feeds:
            if channel in config.channels:
                raise UsageError(N_("channel '{name}' is not a website feed (type = \"feed\")")
                                 .format(name=channel),
                                 hint=N_("'citychan channels' lists the channels"))
            raise UsageError(N_("no channel '{name}' in {config}").format(
                name=channel, config=config.source) + did_you_mean(channel, list(feeds)),
                hint=N_("'citychan channels' lists the channels"))
        return [feeds[channel]]
    chosen = [c for c in config.enabled_channels() if c.type == "feed"]
    if not chosen:
        raise UsageError(N_("no website feed in {config}: nothing to rebuild").format(
            config=config.source), hint=N_("a [channels.NAME] table with type = \"feed\" "
                                           "makes one"))
    return chosen


def rebuild(config: Config, *, channel: str | None = None, upload: bool = True,
            env: Mapping[str, str] | None = None) -> SiteReport:
    """Write every page of each feed channel (or the one named) again from the store, and
    upload what changed where the channel uploads (unless ``upload`` is False). A failed
    upload is reported in the result (exit 4): the files stay written, and the rest is
    owed to the server (``citychan retry`` or the next post sends it)."""
    env = os.environ if env is None else env
    chosen = feed_channels(config, channel)
    if not config.store.exists():  # a store gone or on a share not mounted: an empty site
        raise UsageError(N_("no store at {store}: nothing to rebuild the site from").format(
            store=config.store.describe()), hint=N_(
            "the pages are written from the store's entries; check [store] in {config}, "
            "or post a notice first").format(config=config.source))
    done: list[Rebuilt] = []
    with open_channels(config, chosen, offline=False, env=env) as channels:
        for cc in chosen:
            feed = channels[cc.name]
            if not isinstance(feed, FeedChannel):  # a plugin registered under "feed"
                raise UsageError(N_("channel '{name}' is not citychan's website feed").format(
                    name=cc.name))
            done.append(_rebuild_one(feed, upload))
    return SiteReport(tuple(done))


def _rebuild_one(feed: FeedChannel, upload: bool) -> Rebuilt:
    start = time.perf_counter()
    try:
        written = feed.rebuild()
    except ChannelError as exc:
        raise SiteError(exc.message, hint=N_("nothing is half written; run the rebuild "
                                             "again once this is fixed")) from None
    except OSError as exc:
        raise SiteError(N_("cannot write the feed in {path}: {why}").format(
            path=feed.path, why=exc.strerror or exc),
            hint=N_("check the folder's permissions and free disk space")) from None
    seconds = time.perf_counter() - start
    entry_pages = sum(1 for p in written if _under(feed.path, p, "meldung"))
    month_pages = sum(1 for p in written if _under(feed.path, p, "archiv"))
    result = Rebuilt(feed.name, str(feed.path.resolve()), entry_pages, month_pages,
                     len(written) - entry_pages - month_pages, seconds)
    if not upload or feed.upload is None:
        return result
    target = feed.upload.display
    try:
        sent = feed.publish(written)
    except ChannelError as exc:
        return replace(result, upload=target, upload_error=exc.message)
    except OSError as exc:
        return replace(result, upload=target, upload_error=str(exc.strerror or exc))
    return replace(result, upload=target, uploaded=sent)


def _under(folder: Path, path: Path, sub: str) -> bool:
    return path.parent == folder / sub
