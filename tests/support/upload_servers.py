"""Real servers the feed uploads to, on loopback: an SFTP server (asyncssh's own SSH server
and SFTP subsystem, PyPI asyncssh 2.x, chrooted to a temporary folder, public-key login
only, with a host key the client checks against a known_hosts file) and a WebDAV server
(PyPI wsgidav 4.x, its filesystem provider and Basic auth, in cheroot's WSGI server). Both
run in a thread of the test process; the fixtures in tests/channels/test_upload.py start
each once per session."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.integration import require_marker

SFTP_USER = "web"
DAV_USER = "citychan"
DAV_PASSWORD = "dav-secret-0815"


@dataclass
class SftpServer:
    port: int
    root: Path  # what the client sees as "/"
    key_file: Path  # the client's private key (its public key is the only one let in)
    known_hosts: Path  # the server's host key, as the client must know it
    connections: list[str]  # one entry per accepted login

    def url(self, path: str = "/www/aktuelles") -> str:
        return f"sftp://{SFTP_USER}@127.0.0.1:{self.port}{path}"


@contextmanager
def running_sftp(folder: Path) -> Iterator[SftpServer]:
    import asyncssh

    require_marker("an SFTP server")
    root = folder / "root"
    root.mkdir()
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    key_file = folder / "id_ed25519"
    client_key.write_private_key(str(key_file))
    key_file.chmod(0o600)
    authorized = asyncssh.import_authorized_keys(
        client_key.export_public_key().decode("ascii"))
    connections: list[str] = []

    class Server(asyncssh.SSHServer):
        def connection_made(self, conn: Any) -> None:
            connections.append("connected")

        def begin_auth(self, username: str) -> bool:
            return True

        def public_key_auth_supported(self) -> bool:
            return True

        def validate_public_key(self, username: str, key: Any) -> bool:
            return username == SFTP_USER and authorized.validate(
                key, "127.0.0.1", "127.0.0.1") is not None

    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, Any] = {}

    async def start() -> None:
        holder["server"] = await asyncssh.listen(
            "127.0.0.1", 0, server_factory=Server, server_host_keys=[host_key],
            sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=str(root)),
            allow_scp=False)

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="sftp-server", daemon=True)
    thread.start()
    assert ready.wait(10), "the SFTP server did not start"
    port = holder["server"].sockets[0].getsockname()[1]
    known = folder / "known_hosts"
    known.write_text(f"[127.0.0.1]:{port} "
                     + host_key.export_public_key().decode("ascii"), encoding="ascii")
    try:
        yield SftpServer(port, root, key_file, known, connections)
    finally:
        async def stop() -> None:
            holder["server"].close()
            await holder["server"].wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@dataclass
class WebdavServer:
    port: int
    root: Path
    requests: list[str]  # "METHOD path" of every request, in order

    def url(self, path: str = "/aktuelles") -> str:
        return f"webdav+http://{DAV_USER}@127.0.0.1:{self.port}{path}"


@contextmanager
def running_webdav(folder: Path) -> Iterator[WebdavServer]:
    from cheroot import wsgi
    from wsgidav.wsgidav_app import WsgiDAVApp

    require_marker("a WebDAV server")
    root = folder / "dav"
    root.mkdir()
    app = WsgiDAVApp({
        "provider_mapping": {"/": str(root)},
        "simple_dc": {"user_mapping": {"*": {DAV_USER: {"password": DAV_PASSWORD}}}},
        "http_authenticator": {"accept_basic": True, "accept_digest": False,
                               "default_to_digest": False},
        "verbose": 0,
        "logging": {"enable": False, "enable_loggers": []},
        "lock_storage": True,
    })
    requests: list[str] = []

    def logged(environ: dict[str, Any], start_response: Any) -> Any:
        requests.append(f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO', '')}")
        return app(environ, start_response)

    server = wsgi.Server(("127.0.0.1", 0), logged, numthreads=2)
    server.prepare()
    port = server.bind_addr[1]
    thread = threading.Thread(target=server.serve, name="webdav-server", daemon=True)
    thread.start()
    try:
        yield WebdavServer(port, root, requests)
    finally:
        server.stop()
        thread.join(10)
