"""The email channel against a real SMTP server (aiosmtpd) on loopback: what arrives, how
login, TLS and every kind of failure are reported, and that the password never shows."""

from __future__ import annotations

import email
import email.message
import email.policy
import email.utils
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from citychan.channels.base import (
    ChannelConfigError,
    ChannelContext,
    ChannelError,
    Dialect,
    Kind,
    Post,
    Rendered,
)
from citychan.channels.email import EmailChannel
from tests.support.servers import (
    SMTP_PASSWORD,
    SMTP_USER,
    SmtpServer,
    free_port,
    make_tls,
    running_smtp,
)

TITLE = "Sperrung der Löbauer Straße / Zawrjenje Lubijskeje dróhi (ě ł ć ř ž)"
TEXT = "Die Löbauer Straße ist gesperrt.\n\nLubijska dróha je zawrjena: wobjězd ě ł ć ř ž.\n"
HTML = "<p>Die <strong>Löbauer Straße</strong> ist gesperrt.</p>\n<p>Wobjězd: ě ł ć ř ž</p>\n"
SENT = datetime(2026, 11, 28, 14, 5, tzinfo=timezone(timedelta(hours=1)))
KEY = "citychan-0123456789abcdef0123456789abcdef"


def make_post(key: str = KEY, html: str | None = HTML) -> Post:
    return Post(message_id="m" * 64, channel="mail", kind=Kind.INFO, title="Sperrung",
                rendered=Rendered(Dialect.EMAIL, TEXT, html, title=TITLE),
                langs=("de", "hsb"), idempotency_key=key, sent=SENT)


def channel(server: SmtpServer | None = None, password: str = SMTP_PASSWORD,
            **options: Any) -> EmailChannel:
    opts: dict[str, Any] = {
        "host": "127.0.0.1", "port": server.port if server else free_port(), "security": "none",
        "username": SMTP_USER, "password_env": "BAUTZEN_SMTP_PASSWORD",
        "from": "Město Budyšin <presse@bautzen.de>",
        "to": ["verteiler@bautzen.de", "lisciny@budysin.de"], **options}
    opts = {k: v for k, v in opts.items() if v is not None}
    ctx = ChannelContext(env={"BAUTZEN_SMTP_PASSWORD": password}, timeout=5.0)
    return EmailChannel.from_config("mail", opts, ctx)


def received(server: SmtpServer) -> email.message.EmailMessage:
    (_, _, raw), = server.messages
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def crlf_to_lf(text: str) -> str:
    return text.replace("\r\n", "\n")


@pytest.mark.integration
def test_multipart_mail_arrives_with_encoded_subject_and_both_parts(
        smtp_server: SmtpServer) -> None:
    receipt = channel(smtp_server).send(make_post())

    (mail_from, rcpt_tos, raw), = smtp_server.messages
    assert mail_from == "presse@bautzen.de"
    assert rcpt_tos == ["verteiler@bautzen.de", "lisciny@budysin.de"]
    assert raw.isascii(), "headers and bodies must be transfer-encoded (RFC 2047 / QP)"
    msg = received(smtp_server)
    assert msg["Subject"] == TITLE
    assert msg["From"] == "Město Budyšin <presse@bautzen.de>"
    assert msg["To"] == "verteiler@bautzen.de, lisciny@budysin.de"
    assert msg["Message-ID"] == f"<{KEY}@bautzen.de>" == receipt.remote_id
    assert email.utils.parsedate_to_datetime(msg["Date"]) == SENT
    assert msg.get_content_type() == "multipart/alternative"
    plain, html = msg.iter_parts()
    assert (plain.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    # SMTP carries CRLF line ends; the decoded text is otherwise exactly what was rendered.
    assert crlf_to_lf(plain.get_content()) == TEXT and crlf_to_lf(html.get_content()) == HTML
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Content-Language"] == "de, hsb"  # for screen readers and mail filters
    assert smtp_server.logins == [(SMTP_USER, True, False)]


@pytest.mark.integration
def test_to_as_a_single_string_and_text_only(smtp_server: SmtpServer) -> None:
    channel(smtp_server, to="verteiler@bautzen.de").send(make_post(html=None))
    (_, rcpt_tos, _), = smtp_server.messages
    assert rcpt_tos == ["verteiler@bautzen.de"]
    msg = received(smtp_server)
    assert msg["To"] == "verteiler@bautzen.de"
    assert msg.get_content_type() == "text/plain" and crlf_to_lf(msg.get_content()) == TEXT


@pytest.mark.integration
def test_a_line_break_in_the_title_cannot_add_headers(smtp_server: SmtpServer) -> None:
    post = make_post()
    rendered = Rendered(Dialect.EMAIL, TEXT, HTML, title="Hochwasser\r\nBcc: alle@example.org")
    channel(smtp_server).send(replace(post, rendered=rendered))
    msg = received(smtp_server)
    assert msg["Subject"] == "Hochwasser Bcc: alle@example.org"
    assert msg["Bcc"] is None


@pytest.mark.integration
def test_resend_of_a_delivery_keeps_its_message_id(smtp_server: SmtpServer) -> None:
    ch = channel(smtp_server)
    first, again = ch.send(make_post()), ch.send(make_post())
    other = ch.send(make_post(key="citychan-another-delivery"))
    ids = [email.message_from_bytes(raw)["Message-ID"] for _, _, raw in smtp_server.messages]
    assert ids == [first.remote_id, first.remote_id, other.remote_id]
    assert again.remote_id == first.remote_id != other.remote_id


@pytest.mark.integration
def test_wrong_password_fails_for_good_and_never_shows_the_password(
        smtp_server: SmtpServer) -> None:
    wrong = "Falsches-Passwort-42"
    ch = channel(smtp_server, password=wrong)
    with pytest.raises(ChannelError) as info:
        ch.send(make_post())
    err = info.value
    assert (err.retryable, err.outcome_known, err.status) == (False, True, 535)
    assert "login" in err.message and SMTP_USER in err.message
    for text in (str(err), repr(err), err.message, repr(ch), str(vars(ch).get("capabilities"))):
        assert wrong not in text
    problems = ch.preflight()
    assert len(problems) == 1 and "refused" in problems[0] and wrong not in problems[0]
    assert smtp_server.messages == []
    # smtplib tries each offered mechanism (PLAIN, LOGIN): every try was refused.
    assert smtp_server.logins and {ok for _, ok, _ in smtp_server.logins} == {False}


@pytest.mark.integration
def test_preflight_logs_in_and_sends_nothing(smtp_server: SmtpServer) -> None:
    assert channel(smtp_server).preflight() == []
    assert smtp_server.logins == [(SMTP_USER, True, False)]
    assert smtp_server.messages == []


def test_connection_refused_is_retryable_nothing_sent() -> None:
    ch = channel(None)
    with pytest.raises(ChannelError) as info:
        ch.send(make_post())
    assert (info.value.retryable, info.value.outcome_known) == (True, True)
    assert "cannot connect" in info.value.message
    assert ch.preflight() and "cannot connect" in ch.preflight()[0]


@pytest.mark.integration
def test_a_refused_recipient_aborts_before_data_for_everyone(
        smtp_server: SmtpServer) -> None:
    ch = channel(smtp_server, to=["verteiler@bautzen.de", "weg@refused.example"])
    with pytest.raises(ChannelError) as info:
        ch.send(make_post())
    assert (info.value.retryable, info.value.outcome_known, info.value.status) == (False, True, 550)
    assert "weg@refused.example" in info.value.message
    assert smtp_server.messages == []


@pytest.mark.parametrize(("reply", "retryable"), [
    ("451 4.3.0 Try again later", True),
    ("554 5.7.1 Rejected as spam", False),
])
@pytest.mark.integration
def test_server_refusing_the_data_is_a_known_failure(smtp_server: SmtpServer,
                                                     reply: str, retryable: bool) -> None:
    smtp_server.data_reply = reply
    with pytest.raises(ChannelError) as info:
        channel(smtp_server).send(make_post())
    assert (info.value.retryable, info.value.outcome_known) == (retryable, True)
    assert reply.split()[0] in info.value.message


@pytest.mark.integration
def test_connection_lost_after_data_means_outcome_unknown(
        smtp_server: SmtpServer) -> None:
    smtp_server.data_reply = "DROP"
    with pytest.raises(ChannelError) as info:
        channel(smtp_server).send(make_post())
    assert (info.value.retryable, info.value.outcome_known) == (False, False)
    assert "may have been delivered" in info.value.message


@pytest.mark.integration
def test_starttls_encrypts_before_login(tmp_path: Path) -> None:
    tls = make_tls(tmp_path)
    with running_smtp(tls_context=tls.server, require_starttls=True,
                      auth_require_tls=True) as server:
        ch = EmailChannel("mail", host="127.0.0.1", port=server.port, security="starttls",
                          sender="presse@bautzen.de", recipients=("verteiler@bautzen.de",),
                          username=SMTP_USER, password=SMTP_PASSWORD, ssl_context=tls.client)
        receipt = ch.send(make_post())
        assert server.logins == [(SMTP_USER, True, True)]
        assert received(server)["Message-ID"] == receipt.remote_id
        # The system trust store does not know the self-signed certificate: refused, for good.
        untrusted = EmailChannel("mail", host="127.0.0.1", port=server.port,
                                 security="starttls", sender="presse@bautzen.de",
                                 recipients=("verteiler@bautzen.de",))
        with pytest.raises(ChannelError, match="TLS") as info:
            untrusted.send(make_post())
        assert info.value.retryable is False
        assert len(server.messages) == 1


@pytest.mark.integration
def test_implicit_tls(tmp_path: Path) -> None:
    tls = make_tls(tmp_path)
    with running_smtp(ssl_context=tls.server) as server:
        ch = EmailChannel("mail", host="127.0.0.1", port=server.port, security="tls",
                          sender="presse@bautzen.de", recipients=("verteiler@bautzen.de",),
                          username=SMTP_USER, password=SMTP_PASSWORD, ssl_context=tls.client)
        assert ch.preflight() == []
        ch.send(make_post())
        assert received(server)["Subject"] == TITLE
        assert server.logins[-1] == (SMTP_USER, True, True)


# --- configuration ------------------------------------------------------------------------

def test_security_none_only_to_loopback() -> None:
    with pytest.raises(ChannelConfigError, match="loopback") as info:
        channel(None, host="mail.bautzen.de", port=25)
    assert SMTP_PASSWORD not in str(info.value)
    assert channel(None, host="localhost").security == "none"
    for lookalike in ("127.0.0.1.nip.io", "127.evil.example", "localhost.evil.example"):
        with pytest.raises(ChannelConfigError, match="loopback"):
            channel(None, host=lookalike)


@pytest.mark.parametrize(("options", "match"), [
    ({"security": "ssl"}, "starttls, tls, none"),
    ({"to": []}, "at least one address"),
    ({"to": ["keine-adresse"]}, "'to' must be an e-mail address"),
    ({"from": "Stadt Bautzen"}, "'from' must be an e-mail address"),
    ({"to": "lisćina@budysin.de"}, "must be ASCII"),
    ({"port": 70000}, "port"),
    ({"password_env": None}, "password_env"),
])
def test_bad_options_are_config_errors(options: dict[str, Any], match: str) -> None:
    with pytest.raises(ChannelConfigError, match=match):
        channel(None, **options)


def test_defaults_capabilities_and_missing_password_variable() -> None:
    ctx = ChannelContext(env={})
    base = {"host": "smtp.bautzen.de", "from": "presse@bautzen.de", "to": "liste@bautzen.de"}
    ch = EmailChannel.from_config("mail", base, ctx)
    assert (ch.security, ch.port, ch.username) == ("starttls", 587, None)
    assert EmailChannel.from_config("mail", {**base, "security": "tls"}, ctx).port == 465
    assert ch.capabilities.dialect is Dialect.EMAIL and ch.capabilities.title_field
    assert ch.capabilities.max_length is None
    with pytest.raises(ChannelConfigError, match="BAUTZEN_SMTP_PASSWORD"):
        EmailChannel.from_config("mail", {**base, "username": "presse",
                                          "password_env": "BAUTZEN_SMTP_PASSWORD"}, ctx)


def test_documented_config_table_builds_the_channel() -> None:
    import tomllib

    from citychan.config import parse_config

    config = parse_config(tomllib.loads("""
version = 1
[channels.email]
type = "email"
host = "smtp.bautzen.de"
username = "presse@bautzen.de"
password_env = "CITYCHAN_SMTP_PASSWORD"
from = "Stadt Bautzen / Město Budyšin <presse@bautzen.de>"
to = "aktuelles@lists.bautzen.de"
"""))
    options = config.channels["email"].options
    ctx = ChannelContext(env={"CITYCHAN_SMTP_PASSWORD": SMTP_PASSWORD})
    ch = EmailChannel.from_config("email", options, ctx)
    assert (ch.host, ch.port, ch.security) == ("smtp.bautzen.de", 587, "starttls")
    assert ch.recipients == ("aktuelles@lists.bautzen.de",)
    assert SMTP_PASSWORD not in repr(ch)
