"""Publishing the feed folder: after each post, the files that changed reach the web server.

``upload = "sftp://user@host:port/path"`` (asyncssh; the key file named by the variable in
``upload_key_env``, else the SSH agent or ~/.ssh's keys; the host key checked against
``upload_known_hosts`` or ~/.ssh/known_hosts) or ``upload = "webdav+https://user@host/path"``
(webdav4; the password from the variable in ``upload_password_env``). Both clients are the
optional extra ``citychan[upload]``, imported only when a feed uploads.

Only changed files go up: ``.feed.upload.json`` beside the folder (like its lock file, so
the folder holds only what is published; inside it where the parent is read-only) keeps the
SHA-256 of what the server has, and the files still owed (a failed upload's), so that
``citychan retry`` sends exactly those. Each file goes to a temporary name beside its place
and is renamed over it, so the web server never serves half a file."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from citychan.channels.base import ChannelConfigError, ChannelError, is_loopback
from citychan.fsutil import atomic_write
from citychan.i18n import N_

TIMEOUT = 30.0  # seconds for connecting and for each request


class Protocol(StrEnum):
    SFTP = "sftp"
    WEBDAV = "webdav"


@dataclass(frozen=True)
class UploadTarget:
    """Where the folder goes. ``secret`` (key file path or WebDAV password) is never shown."""

    protocol: Protocol
    host: str
    port: int | None
    user: str | None
    path: str  # the folder on the server ("/" for the root)
    https: bool = True  # WebDAV only
    secret: str | None = field(default=None, repr=False)
    known_hosts: str | None = None  # SFTP only; None: ~/.ssh/known_hosts

    @property
    def display(self) -> str:
        """The URL as the config gives it, without any secret (it never holds one)."""
        scheme = "sftp" if self.protocol is Protocol.SFTP else (
            "webdav+https" if self.https else "webdav+http")
        user = f"{self.user}@" if self.user else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = f":{self.port}" if self.port else ""
        return f"{scheme}://{user}{host}{port}{self.path}"


def parse_upload(channel: str, url: str, options: Mapping[str, Any],
                 env: Mapping[str, str]) -> UploadTarget:
    """The ``upload`` key of ``[channels.NAME]`` and its companions, checked once."""
    where = f"[channels.{channel}] upload"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ChannelConfigError(N_("{where} is not a valid URL (a port is 1 to 65535)").format(
                                     where=where)) from None
    schemes = {"sftp": Protocol.SFTP, "webdav+https": Protocol.WEBDAV,
               "webdav+http": Protocol.WEBDAV}
    protocol = schemes.get(parts.scheme)
    if protocol is None:
        raise ChannelConfigError(
            N_("{where} must start with sftp://, webdav+https:// or webdav+http://: "
               "{scheme!r}").format(where=where, scheme=parts.scheme))
    if not parts.hostname:
        raise ChannelConfigError(N_("{where} has no host").format(where=where))
    if parts.password is not None:
        key = "upload_key_env" if protocol is Protocol.SFTP else "upload_password_env"
        raise ChannelConfigError(N_("{where} must not contain a password; name an "
                                    "environment variable in {key} instead").format(
                                     where=where, key=key))
    https = parts.scheme != "webdav+http"
    if not https and not is_loopback(parts.hostname):
        raise ChannelConfigError(N_("{where}: webdav+http:// only for loopback; use "
                                    "webdav+https://").format(where=where))
    path = "/" + unquote(parts.path).strip("/")
    secret = _secret(channel, protocol, options, env)
    known = options.get("upload_known_hosts")
    return UploadTarget(protocol, parts.hostname, port, unquote(parts.username or "") or None,
                        path, https, secret, str(known) if known else None)


def _secret(channel: str, protocol: Protocol, options: Mapping[str, Any],
            env: Mapping[str, str]) -> str | None:
    key = "upload_key_env" if protocol is Protocol.SFTP else "upload_password_env"
    name = options.get(key)
    if not name:
        if protocol is Protocol.WEBDAV:
            raise ChannelConfigError(N_("[channels.{channel}] upload to WebDAV needs "
                                        "{key} naming an environment variable that holds "
                                        "the password").format(channel=channel, key=key))
        return None  # SFTP: the SSH agent or the default keys
    value = (env.get(str(name)) or "").strip()
    if not value:
        raise ChannelConfigError(N_("No secret: set {name} or change {key} in "
                                    "[channels.{channel}]").format(
                                     name=name, key=key, channel=channel))
    return value


def upload_changed(folder: Path, written: Iterable[Path], target: UploadTarget) -> list[str]:
    """Upload those of ``written`` (and of the files a failed upload still owes) whose content
    the server does not have yet; returns their paths relative to ``folder``. Raises
    ChannelError when the upload fails: what went up is remembered, the rest is owed."""
    manifest = _read_manifest(folder, target)
    owed = dict.fromkeys([*manifest["pending"], *(_relative(folder, p) for p in written)])
    changed = [rel for rel in owed if (folder / rel).is_file()
               and manifest["uploaded"].get(rel) != _digest(folder / rel)]
    manifest["pending"] = changed
    _write_manifest(folder, manifest)
    if not changed:
        return []
    done: list[str] = []
    try:
        _run(target, folder, changed, done)
    except ChannelError:
        raise
    except Exception as exc:  # noqa: BLE001 - every client error becomes one clear line
        raise _failed(target, exc) from None
    finally:
        for rel in done:
            manifest["uploaded"][rel] = _digest(folder / rel)
        manifest["pending"] = [rel for rel in changed if rel not in done]
        _write_manifest(folder, manifest)
    return changed


def owe(folder: Path, written: Iterable[Path], target: UploadTarget) -> None:
    """Keep ``written`` as owed to the server without sending it now: the next upload (a
    post's, or ``citychan retry``) sends it with its own."""
    rels = [_relative(folder, p) for p in written]
    if not rels:
        return
    manifest = _read_manifest(folder, target)
    manifest["pending"] = list(dict.fromkeys([*manifest["pending"], *rels]))
    _write_manifest(folder, manifest)


def _run(target: UploadTarget, folder: Path, rels: Sequence[str], done: list[str]) -> None:
    if target.protocol is Protocol.SFTP:
        # asyncssh is asyncio: its own loop in its own thread, since the caller may already
        # run one in this thread (an embedding program, Playwright's sync API)
        work = asyncio.wait_for(_sftp(target, folder, rels, done), TIMEOUT * (1 + len(rels)))
        with ThreadPoolExecutor(1, thread_name_prefix="citychan-sftp") as pool:
            pool.submit(asyncio.run, work).result()
    else:
        _webdav(target, folder, rels, done)


async def _sftp(target: UploadTarget, folder: Path, rels: Sequence[str], done: list[str]) -> None:
    import asyncssh  # the optional extra, only when a feed uploads

    options: dict[str, Any] = {"known_hosts": target.known_hosts or ()}
    if target.known_hosts is None:
        options.pop("known_hosts")  # asyncssh reads ~/.ssh/known_hosts
    if target.secret:
        options["client_keys"] = [target.secret]
        options["agent_path"] = None
    async with asyncssh.connect(target.host, port=target.port or 22, username=target.user,
                                connect_timeout=TIMEOUT, **options) as conn:
        async with conn.start_sftp_client() as sftp:
            for rel in rels:
                remote = posixpath.join(target.path, rel)
                parent, name = posixpath.split(remote)
                await sftp.makedirs(parent, exist_ok=True)
                temp = posixpath.join(parent, f".{name}.citychan-upload")
                await sftp.put(str(folder / rel), temp)
                try:
                    await sftp.posix_rename(temp, remote)  # replaces in one step
                except asyncssh.SFTPOpUnsupported:
                    if await sftp.exists(remote):
                        await sftp.remove(remote)
                    await sftp.rename(temp, remote)
                done.append(rel)


def _webdav(target: UploadTarget, folder: Path, rels: Sequence[str], done: list[str]) -> None:
    from webdav4.client import Client  # the optional extra, only when a feed uploads

    scheme = "https" if target.https else "http"
    host = f"[{target.host}]" if ":" in target.host else target.host
    port = f":{target.port}" if target.port else ""
    auth = (target.user or "", target.secret or "")
    client = Client(f"{scheme}://{host}{port}/", auth=auth, timeout=TIMEOUT)
    try:
        made: set[str] = set()
        for rel in rels:
            remote = PurePosixPath(target.path, rel)
            _webdav_makedirs(client, remote.parent, made)
            temp = str(remote.parent / f".{remote.name}.citychan-upload")
            client.upload_file(str(folder / rel), temp, overwrite=True)
            client.move(temp, str(remote), overwrite=True)  # one MOVE with Overwrite: T
            done.append(rel)
    finally:
        client.http.close()


def _webdav_makedirs(client: Any, path: PurePosixPath, made: set[str]) -> None:
    """Create the collections down to ``path`` (MKCOL makes one level at a time)."""
    for level in [*reversed(path.parents), path][1:]:  # without "/"
        if str(level) not in made and not client.exists(str(level)):
            client.mkdir(str(level))
        made.add(str(level))


def _failed(target: UploadTarget, exc: BaseException) -> ChannelError:
    """One line naming the server and what went wrong; never a secret (none is in either)."""
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, TimeoutError):
        reason = "no answer in time"
    return ChannelError(N_("written locally, not uploaded to {display}: {reason}; "
                           "citychan retry uploads it again").format(
                            display=target.display, reason=reason), retryable=False)


def _relative(folder: Path, path: Path) -> str:
    return path.relative_to(folder).as_posix()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_manifest(folder: Path, target: UploadTarget) -> dict[str, Any]:
    fresh: dict[str, Any] = {"target": target.display, "uploaded": {}, "pending": []}
    try:
        data = json.loads(manifest_file(folder).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return fresh  # none yet, or damaged: everything written goes up again
    if not isinstance(data, dict) or data.get("target") != target.display:
        return fresh  # another server: it has none of our files
    return {"target": target.display, "uploaded": dict(data.get("uploaded") or {}),
            "pending": list(data.get("pending") or [])}


def _write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    atomic_write(manifest_file(folder), json.dumps(manifest, indent=1, sort_keys=True))


def manifest_file(folder: Path) -> Path:
    """What the server has of ``folder``: beside it (``.feed.upload.json``), else inside."""
    beside = folder.parent / f".{folder.name}.upload.json"
    if beside.exists() or os.access(folder.parent, os.W_OK):
        return beside
    return folder / ".citychan-upload.json"
