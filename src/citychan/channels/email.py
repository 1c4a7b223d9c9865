"""The ``email`` channel: one multipart mail (text/plain + text/html) to a list address.

Stdlib only (smtplib, email). The SMTP dialogue is driven step by step so that an error can
say whether the message may have gone out: a failure before DATA means nothing was sent (a
retry is safe); a lost connection while the message data is in flight means the outcome is
unknown. The Message-ID is derived from the delivery's idempotency key, so a resend is
recognisable by the list software and by readers' clients.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import format_datetime, formatdate, make_msgid, parseaddr
from typing import Any, ClassVar

from citychan.channels.base import (
    Capabilities,
    ChannelConfigError,
    ChannelContext,
    ChannelError,
    Dialect,
    Option,
    Post,
    Receipt,
    is_loopback,
)
from citychan.hygiene import xml_text
from citychan.i18n import N_
from citychan.masking import Masker

SECURITY = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


class EmailChannel:
    """Sends each post as one e-mail to the configured recipients (usually a list address)."""

    type_name: ClassVar[str] = "email"
    capabilities: ClassVar[Capabilities] = Capabilities(dialect=Dialect.EMAIL, title_field=True)
    options: ClassVar[dict[str, Option]] = {
        "host": Option(str, required=True),
        "port": Option(int),
        "security": Option(str, default="starttls"),
        "username": Option(str),
        "password_env": Option(str),
        "from": Option(str, required=True),
        "to": Option((list, str), required=True),
    }

    def __init__(self, name: str, *, host: str, port: int, security: str, sender: str,
                 recipients: tuple[str, ...], username: str | None = None,
                 password: str | None = None, timeout: float = 10.0,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.name = name
        self.host = host
        self.port = port
        self.security = security
        self.sender = sender
        self.recipients = recipients
        self.username = username
        self._password = password  # never in repr, messages or logs
        self.timeout = timeout
        # Injected by tests (a private CA); default: the system's trusted CAs, hostname checked.
        self._ssl_context = ssl_context

    @classmethod
    def from_config(
        cls, name: str, options: Mapping[str, Any], ctx: ChannelContext
    ) -> EmailChannel:
        """Build the channel from its validated ``[channels.NAME]`` options."""
        where = f"[channels.{name}]"
        host = str(options.get("host") or "").strip()
        if not host:
            raise ChannelConfigError(N_("{where} needs 'host' (the SMTP server)").format(
                                         where=where))
        security = str(options.get("security") or "starttls").lower()
        if security not in SECURITY:
            raise ChannelConfigError(N_("{where} security must be one of {join}, not "
                                        "{security!r}").format(
                                         where=where, join=', '.join(SECURITY),
                                         security=security))
        if security == "none" and not is_loopback(host):
            raise ChannelConfigError(
                N_("{where} security = 'none' sends mail and password unencrypted; it is "
                   "only allowed to a loopback host, not {host!r}. Use 'starttls' or 'tls'").format(
                    where=where, host=host)
            )
        port = options.get("port") or DEFAULT_PORTS[security]
        if not isinstance(port, int) or not 0 < port < 65536:
            raise ChannelConfigError(N_("{where} port must be between 1 and 65535, not "
                                        "{port!r}").format(where=where, port=port))
        sender = _address(where, "from", options.get("from"))
        raw_to = options.get("to")
        to_list = [raw_to] if isinstance(raw_to, str) else list(raw_to or [])
        recipients = tuple(_address(where, "to", a) for a in to_list)
        if not recipients:
            raise ChannelConfigError(N_("{where} needs at least one address in 'to'").format(
                                         where=where))
        username = options.get("username") or None
        password = None
        if username:
            password = ctx.secret(name, options.get("password_env"), key="password_env")
        return cls(name, host=host, port=port, security=security, sender=sender,
                   recipients=recipients, username=username, password=password,
                   timeout=ctx.timeout)

    def __repr__(self) -> str:
        return (f"EmailChannel(name={self.name!r}, host={self.host!r}, port={self.port}, "
                f"security={self.security!r}, username={self.username!r})")

    # --- the message ----------------------------------------------------------------------

    def build_message(self, post: Post) -> EmailMessage:
        """The multipart/alternative mail for ``post``; headers are encoded on output."""
        msg = EmailMessage()
        # One line: a line break in a header value would be refused (or be an injection).
        msg["Subject"] = " ".join(xml_text(post.rendered.title or post.title).split())
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.recipients)
        sent = post.sent
        msg["Date"] = format_datetime(sent) if sent and sent.tzinfo else formatdate(localtime=True)
        msg["Message-ID"] = message_id(post.idempotency_key, self.sender)
        # A broadcast: ask vacation responders and the like not to answer (RFC 3834).
        msg["Auto-Submitted"] = "auto-generated"
        # Quoted-printable: umlauts and Sorbian letters survive relays without 8BITMIME.
        # The parts without control characters and lone surrogates (which no mail can carry).
        msg.set_content(xml_text(post.rendered.text), cte="quoted-printable")
        if post.rendered.html:
            msg.add_alternative(xml_text(post.rendered.html), subtype="html",
                                cte="quoted-printable")
        # after set_content, which drops every Content-* header set before it (RFC 3282)
        msg["Content-Language"] = ", ".join(post.langs)
        return msg

    # --- SMTP -----------------------------------------------------------------------------

    def _context(self) -> ssl.SSLContext:
        return self._ssl_context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        """Connect, EHLO, STARTTLS and log in as configured. Nothing is sent yet."""
        try:
            if self.security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                                     context=self._context())
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except (OSError, smtplib.SMTPException) as exc:
            raise self._session_error(exc, "cannot connect to") from None
        try:
            smtp.ehlo()
            if self.security == "starttls":
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self._password or "")
        except (OSError, smtplib.SMTPException) as exc:
            _quit(smtp)
            raise self._session_error(exc, "failed before sending at") from None
        return smtp

    def _session_error(self, exc: BaseException, what: str) -> ChannelError:
        """An error while connecting or logging in: nothing has been sent yet."""
        where = f"SMTP server {self.host}:{self.port}"
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            # The server's reply is left out: it could quote what we sent.
            return ChannelError(N_("SMTP login as {username!r} at {where} refused "
                                   "({smtp_code}); check the password in its environment "
                                   "variable").format(
                                    username=self.username, where=where, smtp_code=exc.smtp_code),
                                status=exc.smtp_code)
        if isinstance(exc, ssl.SSLError):
            # A certificate or protocol problem does not go away by retrying.
            return ChannelError(N_("TLS with {where} failed: {scrub}; check host, port "
                                   "and security").format(where=where, scrub=self._scrub(exc)))
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return ChannelError(N_("{where}: {scrub}; check 'security' and 'username'").format(
                                    where=where, scrub=self._scrub(exc)))
        return ChannelError(N_("{what} {where}: {scrub}").format(
                                what=what, where=where, scrub=self._scrub(exc)), retryable=True)

    def send(self, post: Post) -> Receipt:
        """One SMTP session delivering one message; ``Receipt.remote_id`` is its Message-ID."""
        msg = self.build_message(post)
        smtp = self._connect()
        try:
            self._transfer(smtp, msg)
        finally:
            _quit(smtp)
        return Receipt(remote_id=str(msg["Message-ID"]))

    def _transfer(self, smtp: smtplib.SMTP, msg: EmailMessage) -> None:
        """MAIL, RCPT for every recipient (all or nothing), then DATA."""
        from email import policy

        where = f"{self.host}:{self.port}"
        try:
            code, reply = smtp.mail(self.sender)
            if code != 250:
                smtp.rset()
                raise _rejected(f"sender {self.sender} refused by {where}", code, reply)
            for rcpt in self.recipients:
                code, reply = smtp.rcpt(rcpt)
                if code not in (250, 251):
                    # Abort before DATA so nobody gets it: a retry then reaches everyone once.
                    smtp.rset()
                    raise _rejected(f"recipient {rcpt} refused by {where}", code, reply)
        except (OSError, smtplib.SMTPException) as exc:
            raise ChannelError(N_("SMTP server {where} failed before sending: {scrub}").format(
                                   where=where, scrub=self._scrub(exc)),
                               retryable=True) from None
        try:
            # smtplib raises when DATA itself is refused, but returns the final reply.
            code, reply = smtp.data(msg.as_bytes(policy=policy.SMTP))
        except smtplib.SMTPDataError as exc:
            raise _rejected(f"message refused by {where}", exc.smtp_code, exc.smtp_error) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise ChannelError(
                N_("connection to {where} lost while sending the message ({scrub}); it "
                   "may have been delivered").format(
                    where=where, scrub=self._scrub(exc)), outcome_known=False) from None
        if code != 250:
            # The server answered: 4xx is a temporary refusal, 5xx final. Not delivered.
            raise _rejected(f"message refused by {where}", code, reply)

    def preflight(self) -> list[str]:
        """Problems that would stop a send (empty: ready): connect, EHLO, STARTTLS, login."""
        try:
            smtp = self._connect()
        except ChannelError as exc:
            return [exc.message]
        _quit(smtp)
        return []

    def _scrub(self, exc: BaseException | str) -> str:
        """Error text without the password, should a server or library ever echo it."""
        return Masker([self._password or ""])(str(exc) or type(exc).__name__)[:300]


def message_id(key: str, sender: str) -> str:
    """``<key@domain-of-sender>``: the same key always gives the same Message-ID."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "citychan.invalid"
    if not key:
        return make_msgid(idstring="citychan", domain=domain)
    return f"<{key}@{domain}>"


def _rejected(what: str, code: int, reply: bytes | str) -> ChannelError:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return ChannelError(N_("{what}: {code} {text}").format(
                            what=what, code=code, text=text[:200]), retryable=400 <= code < 500,
                        status=code)


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _address(where: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or "@" not in parseaddr(value)[1]:
        raise ChannelConfigError(N_("{where} '{key}' must be an e-mail address, not "
                                    "{value!r}").format(where=where, key=key, value=value))
    if not parseaddr(value)[1].isascii():
        # SMTPUTF8 is not universally supported by relays; a display name may use any letters.
        raise ChannelConfigError(N_("{where} '{key}' address {value!r} must be ASCII; "
                                    "write the domain in its xn-- form").format(
                                     where=where, key=key, value=value))
    return value.strip()
