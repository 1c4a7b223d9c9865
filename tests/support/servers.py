"""Real servers on loopback for channel tests: a Synapse homeserver and an aiosmtpd SMTP
server. Both listen on 127.0.0.1 only; logs go to a temporary folder and are shown when the
server does not come up. The fixtures ``synapse`` (session) and ``smtp_server`` that run them
are in tests/conftest.py."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tests.support.integration import require_marker

SYNAPSE_START_TIMEOUT = 90.0  # a cold CI machine compiles Synapse's .pyc files first


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (servers that cannot bind port 0 need one)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log written)"
    return "\n".join(text.splitlines()[-lines:])


# --- Synapse ------------------------------------------------------------------------------

_HOMESERVER_YAML = """\
server_name: localhost
pid_file: {dir}/homeserver.pid
listeners:
  - port: {port}
    bind_addresses: ['127.0.0.1']
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: {dir}/homeserver.db
media_store_path: {dir}/media
signing_key_path: {dir}/signing.key
registration_shared_secret: "{shared_secret}"
macaroon_secret_key: "{macaroon}"
form_secret: "{form}"
report_stats: false
enable_registration: false
trusted_key_servers: []
suppress_key_server_warning: true
federation_domain_whitelist: []
presence:
  enabled: false
url_preview_enabled: false
enable_metrics: false
enable_media_repo: false
rc_message:
  per_second: 1000
  burst_count: 1000
rc_registration:
  per_second: 1000
  burst_count: 1000
rc_login:
  address: {{per_second: 1000, burst_count: 1000}}
  account: {{per_second: 1000, burst_count: 1000}}
  failed_attempts: {{per_second: 1000, burst_count: 1000}}
rc_joins:
  local: {{per_second: 1000, burst_count: 1000}}
"""


@dataclass
class SynapseServer:
    """A running homeserver and the admin calls tests need (register, rooms, read)."""

    base_url: str
    shared_secret: str
    log: Path
    startup_seconds: float = 0.0
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _admin_token: str | None = field(default=None, repr=False)

    def _client(self) -> Any:
        import httpx

        return httpx.Client(base_url=self.base_url, timeout=10.0)

    def register(self, username: str, admin: bool = False) -> tuple[str, str]:
        """Create a user with the shared-secret admin API; return (user_id, access_token)."""
        password = secrets.token_urlsafe(16)
        with self._client() as http:
            nonce = http.get("/_synapse/admin/v1/register").json()["nonce"]
            mac = hmac.new(self.shared_secret.encode(), digestmod=hashlib.sha1)
            parts = [nonce, username, password, "admin" if admin else "notadmin"]
            mac.update(b"\x00".join(p.encode() for p in parts))
            body = {"nonce": nonce, "username": username, "password": password,
                    "admin": admin, "mac": mac.hexdigest()}
            response = http.post("/_synapse/admin/v1/register", json=body)
        response.raise_for_status()
        data = response.json()
        return data["user_id"], data["access_token"]

    def call(self, method: str, path: str, token: str, **kwargs: Any) -> Any:
        with self._client() as http:
            response = http.request(method, "/_matrix/client/v3" + path,
                                    headers={"Authorization": f"Bearer {token}"}, **kwargs)
        response.raise_for_status()
        return response.json()

    def limit_messages(self, user_id: str, per_second: int, burst_count: int) -> None:
        """Give one user a strict message rate limit (admin API), to provoke a real 429."""
        if self._admin_token is None:
            self._admin_token = self.register("admin" + secrets.token_hex(4), admin=True)[1]
        with self._client() as http:
            response = http.post(
                f"/_synapse/admin/v1/users/{quote(user_id, safe='')}/override_ratelimit",
                headers={"Authorization": f"Bearer {self._admin_token}"},
                json={"messages_per_second": per_second, "burst_count": burst_count})
        response.raise_for_status()

    def create_room(self, token: str, name: str = "Stadt Bautzen / Město Budyšin") -> str:
        return str(self.call("POST", "/createRoom", token, json={"name": name})["room_id"])

    def room_messages(self, token: str, room_id: str) -> list[dict[str, Any]]:
        """The room's m.room.message events, newest first."""
        data = self.call("GET", f"/rooms/{quote(room_id, safe='')}/messages", token,
                         params={"dir": "b", "limit": 100})
        return [e for e in data["chunk"] if e.get("type") == "m.room.message"]

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)
        self._process = None


def _write_signing_key(path: Path) -> None:
    import signedjson.key  # ships with matrix-synapse

    key = signedjson.key.generate_signing_key("a_test")
    path.write_text(f"ed25519 a_test {signedjson.key.encode_signing_key_base64(key)}\n")


def start_synapse(workdir: Path) -> SynapseServer:
    """Write a minimal config (SQLite, plain HTTP on 127.0.0.1, no federation), start
    Synapse with this interpreter and wait until the client API answers."""
    import httpx

    require_marker("Synapse")
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    shared_secret = secrets.token_hex(16)
    config = workdir / "homeserver.yaml"
    config.write_text(_HOMESERVER_YAML.format(
        dir=workdir, port=port, shared_secret=shared_secret,
        macaroon=secrets.token_hex(16), form=secrets.token_hex(16)))
    _write_signing_key(workdir / "signing.key")
    log = workdir / "synapse.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNAPSE_")}
    env["HOME"] = str(workdir)
    started = time.monotonic()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "synapse.app.homeserver", "--config-path", str(config)],
            cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = SynapseServer(f"http://127.0.0.1:{port}", shared_secret, log, _process=process)
    deadline = started + SYNAPSE_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Synapse exited with {process.returncode}; log {log}:\n"
                               + log_tail(log))
        try:
            if httpx.get(server.base_url + "/_matrix/client/versions", timeout=1.0).is_success:
                server.startup_seconds = time.monotonic() - started
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"Synapse did not answer within {SYNAPSE_START_TIMEOUT:.0f}s; "
                       f"log {log}:\n" + log_tail(log))


# --- SMTP ---------------------------------------------------------------------------------

SMTP_USER = "presse"
SMTP_PASSWORD = "Zwonkowa-dr0ha-secret"


@dataclass
class SmtpServer:
    """An aiosmtpd server on loopback with AUTH; ``messages`` holds what it accepted.

    ``data_reply``: answer to the end of DATA ("451 ...", "554 ...") or "DROP" to close the
    connection without an answer; None accepts. Recipients at ``refused.example`` get 550.
    """

    host: str
    port: int
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    logins: list[tuple[str, bool, bool]] = field(default_factory=list)  # user, ok, over TLS
    data_reply: str | None = None


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, smtp: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address.endswith("@refused.example"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:
        reply = self.server.data_reply
        if reply == "DROP":
            smtp.transport.close()  # the message arrived, the answer never does
            return "250 never seen"
        if reply:
            return reply
        self.server.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                                     bytes(envelope.original_content or envelope.content)))
        return "250 Message accepted for delivery"


def _authenticator(server: SmtpServer) -> Any:
    from aiosmtpd.smtp import AuthResult

    def check(smtp: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        login = auth_data.login.decode() if auth_data.login else ""
        ok = login == SMTP_USER and auth_data.password == SMTP_PASSWORD.encode()
        tls = session.ssl is not None or smtp.transport.get_extra_info("ssl_object") is not None
        server.logins.append((login, ok, tls))
        return AuthResult(success=ok, handled=False)

    return check


@contextmanager
def running_smtp(**kwargs: Any) -> Iterator[SmtpServer]:
    """Run an aiosmtpd Controller with AUTH required; ``kwargs`` go to the Controller
    (tls_context / require_starttls for STARTTLS, ssl_context for implicit TLS)."""
    from aiosmtpd.controller import Controller

    require_marker("an SMTP server")
    server = SmtpServer("127.0.0.1", free_port())
    options: dict[str, Any] = {"auth_required": True, "auth_require_tls": False, **kwargs}
    controller = Controller(_Handler(server), hostname=server.host, port=server.port,
                            authenticator=_authenticator(server), **options)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@dataclass(frozen=True)
class LoopbackTls:
    """A self-signed certificate for 127.0.0.1/localhost and the contexts that use it."""

    server: ssl.SSLContext
    client: ssl.SSLContext  # trusts exactly this certificate


def make_tls(folder: Path) -> LoopbackTls:
    """Create a throw-away certificate (cryptography ships with matrix-synapse)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    san = x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                       x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(san, critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return LoopbackTls(server, client)
