"""Every file a warning's CAP 1.2 document is written to, and only here:

- the archive beside the store and ``--cap-out``: checked before anything is confirmed or
  sent, staged as temporary files and made visible together once the message is recorded;
- after delivery, beside every outbox and feed channel the warning went out to (the feed
  keeps them under ``cap/``, where its entries link them), and the feed's CAP index
  ``alerts.xml``; ``citychan retry`` writes them again when it resends such a delivery.

The store keeps each document once, with its CAP message (``IncidentStore.cap_of``)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from citychan.alerts import CapIndexEntry, Warning, cap_index_atom
from citychan.channels.base import Channel, ChannelError, Post
from citychan.channels.feed import FeedChannel
from citychan.channels.outbox import OutboxChannel
from citychan.channels.upload import upload_changed
from citychan.config import Config
from citychan.delivery.publisher import Result
from citychan.errors import StoreError, UsageError
from citychan.fsutil import atomic_write, locked
from citychan.i18n import N_
from citychan.store.db import Store
from citychan.store.deliveries import DeliveryStore, Status
from citychan.store.incidents import IncidentStore

_SUFFIX = ".cap.xml"


def cap_file_name(w: Warning) -> str:
    return f"{w.identifier}{_SUFFIX}"


def identifier_of(name: str) -> str:
    """The CAP message identifier a CAP file name stands for."""
    return name.removesuffix(_SUFFIX)


def cap_targets(
    w: Warning, config: Config, cap_out: Path | str | None, *, archive: bool
) -> list[Path]:
    """Where the CAP document goes: the archive beside the store and ``--cap-out`` (a folder
    when it exists as one or ends with '/', created if needed; else a file). A target that
    cannot be written is a usage error before anything is confirmed or sent."""
    name = cap_file_name(w)
    out = [config.store_path.parent / "cap" / name] if archive else []
    if cap_out is not None:
        text = str(cap_out)
        folder = text.endswith(("/", os.sep)) or Path(text).is_dir()
        out.append(Path(text) / name if folder else Path(text))
    for target in out:
        _check_writable(target)
    return out


def _check_writable(target: Path) -> None:
    if target.is_dir():
        raise UsageError(N_("{target}: is a folder, not a CAP file").format(target=target))
    parent = target.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(
            f"{target}: cannot write the CAP document here ({parent} is not a writable folder)",
            hint="give --cap-out a writable file or folder (a folder ends with '/')",
        )


def write_cap(cap: bytes, targets: list[Path]) -> list[str]:
    """The CAP document to every target (a dry run: only --cap-out)."""
    return commit(stage(cap, targets))


def stage(cap: bytes, targets: list[Path]) -> list[tuple[Path, Path]]:
    """Temporary files beside each target (nothing visible yet); all or none."""
    staged: list[tuple[Path, Path]] = []
    for target in targets:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            staged.append((Path(tmp), target))
            with os.fdopen(fd, "wb") as f:
                f.write(cap)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)
        except OSError as exc:
            discard(staged)
            raise UsageError(
                f"{target}: cannot write the CAP document ({exc.strerror}); nothing was sent"
            ) from None
    return staged


def commit(staged: list[tuple[Path, Path]]) -> list[str]:
    for tmp, target in staged:
        os.replace(tmp, target)
    return [str(target) for _, target in staged]


def discard(staged: list[tuple[Path, Path]]) -> None:
    for tmp, _ in staged:
        tmp.unlink(missing_ok=True)


def beside_channels(
    store: Store, channels: Mapping[str, Channel], results: list[Result], cap: bytes,
    name: str, message_id: str,
) -> list[Result]:
    """After delivery: the CAP document beside every outbox and feed the warning went out to
    (and the feed's CAP index). Where it cannot be written, that delivery is failed, as a
    channel's own write would be: `citychan retry` sends it again and writes it then."""
    out = []
    for result in results:
        channel = channels.get(result.channel)
        if result.status is Status.SENT and channel is not None:
            result = _beside(store, channel, cap, name, message_id, result)
        out.append(result)
    return out


def after_resend(store: Store, channel: Channel, post: Post, result: Result) -> Result:
    """`citychan retry` resent a post: a warning's CAP document is written again beside the
    channel's files, from the CAP message the store keeps."""
    if post.cap_file is None or _folder(channel) is None:
        return result
    cap = IncidentStore(store).cap_of(identifier_of(post.cap_file))
    if cap is None:
        return result
    return _beside(store, channel, cap.encode("utf-8"), post.cap_file, post.message_id, result)


def _folder(channel: Any) -> Path | None:
    """Where a channel that publishes files keeps its CAP documents (None: it does not)."""
    if isinstance(channel, FeedChannel):
        return channel.cap_folder
    if isinstance(channel, OutboxChannel):
        return channel.path
    return None


def _beside(
    store: Store, channel: Channel, cap: bytes, name: str, message_id: str, result: Result
) -> Result:
    folder = _folder(channel)
    if folder is None:
        return result
    try:
        # the channel's own lock: the CAP index is made from the feed's entries, which
        # another run may be changing this moment
        with locked(getattr(channel, "path", folder)):
            atomic_write(folder / name, cap)
            if isinstance(channel, FeedChannel):
                index = write_cap_index(channel, message_id, IncidentStore(store).cap_of)
                if channel.upload is not None:  # the entry's CAP link must not break
                    upload_changed(channel.path, [folder / name, *index], channel.upload)
    except OSError as exc:
        error = f"cannot write the CAP document {folder / name}: {exc.strerror}"
    except ChannelError as exc:  # written here, not uploaded: `citychan retry` sends it
        error = exc.message
    else:
        return result
    if result.delivery_id is not None:
        DeliveryStore(store).finish(result.delivery_id, Status.FAILED, error=error)
    return replace(result, status=Status.FAILED, error=error)


def write_cap_index(feed: FeedChannel, message_id: str,
                    cap_of: Callable[[str], str | None] | None = None) -> list[Path]:
    """The Atom feed of CAP alerts beside the feed: one entry per warning message among the
    feed's newest entries, linking its CAP file and carrying the document inline (read from
    the feed's ``cap/`` folder, else as the store keeps it, ``cap_of``: another machine's
    warning has no file here; one found nowhere leaves the link alone). The caller holds
    the feed's lock. Returns the file written (none without a warning)."""
    entries = feed.latest()
    caps = [e for e in entries if e.get("cap")]
    if not caps:
        return []
    own = next((e for e in entries if e["id"] == feed.entry_id(message_id)), caps[0])
    items = [
        CapIndexEntry(
            identifier_of(e["cap"].rsplit("/", 1)[-1]),
            e["title"],
            datetime.fromisoformat(e["updated"]),
            e["cap"],
            _read_cap(feed, e["cap"], cap_of),
        )
        for e in caps
    ]
    atomic_write(
        feed.path / "alerts.xml",
        cap_index_atom(items, title=f"{feed.title} - Warnungen (CAP)",
                       feed_url=f"{feed.public_url}/alerts.xml",
                       updated=datetime.fromisoformat(own["updated"])),
    )
    return [feed.path / "alerts.xml"]


def _read_cap(feed: FeedChannel, url: str,
              cap_of: Callable[[str], str | None] | None = None) -> bytes | None:
    """The CAP document a feed entry links, as the feed keeps it, else as the store does
    (by its identifier), or None."""
    name = Path(url.rsplit("/", 1)[-1]).name
    if not name:
        return None
    try:
        return (feed.cap_folder / name).read_bytes()
    except OSError:
        pass
    try:
        kept = cap_of(identifier_of(name)) if cap_of is not None else None
    except StoreError:
        return None
    return kept.encode("utf-8") if kept is not None else None
