"""End to end: one `citychan post` with every channel type configured, against loopback
servers that answer like the documented APIs, a real Synapse and a real SMTP server. Every
channel gets the notice exactly once, with the documented request shape; posting again sends
nothing; faults lose no result and never resend blindly."""

from __future__ import annotations

import email
import email.header
import email.policy
import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import feedparser
import pytest

from citychan import clock as citychan_clock
from tests.support.cli import cli
from tests.support.config import OUTBOX, MakeConfig, Table
from tests.support.e2e import (
    CHANNEL_ID,
    CLEAN_LINK,
    DE_WORDS,
    HSB_WORDS,
    MASTODON_STATUS_ID,
    NTFY_ID,
    SIGNAL_NUMBER,
    SIGNAL_RECIPIENTS,
    SIGNAL_TIMESTAMP,
    TELEGRAM_CHAT,
    TELEGRAM_MESSAGE_ID,
    TRACKING,
    WAHA_ID,
    ApiServer,
    deliveries,
    mastodon_instance,
    mastodon_status,
    ntfy_sent,
    signal_sent,
    telegram_sent,
    waha_sent,
    write_notice,
)
from tests.support.fault_server import Empty, Ok, Status, Step
from tests.support.servers import (
    SMTP_PASSWORD,
    SMTP_USER,
    SmtpServer,
    SynapseServer,
)

pytestmark = pytest.mark.integration

TITLE = "Sperrung der Löbauer Straße / Zawrjenje Lubijskeje dróhi"
ALL = ("whatsapp", "telegram", "mastodon", "matrix", "ntfy", "email", "signal", "webhook",
       "outbox", "feed")
HTTP = ("whatsapp", "telegram", "mastodon", "ntfy", "signal", "webhook")
SECRETS = {
    "BAUTZEN_WAHA_KEY": "waha-key-0f3c9e1b7d",
    "BAUTZEN_TELEGRAM_TOKEN": "7012345678:AAE-bautzen-budysin-tg-secret_42",
    "BAUTZEN_MASTODON_TOKEN": "mastodon-token-Zx81kQ",
    "BAUTZEN_NTFY_TOKEN": "tk_ntfy5ecretbautzen0000000000",
    "BAUTZEN_WEBHOOK_SECRET": "webhook-hmac-secret-7d1e",
    "BAUTZEN_SMTP_PASSWORD": SMTP_PASSWORD,
}


def channels(api: dict[str, ApiServer], matrix: str, room_id: str,
             smtp_port: int) -> dict[str, Table]:
    """Every channel type, each pointed at its loopback server."""
    return {
        "whatsapp": {"type": "whatsapp", "provider": "waha", "base_url": api["whatsapp"].url,
                     "session": "default", "channel_id": CHANNEL_ID,
                     "token_env": "BAUTZEN_WAHA_KEY"},
        "telegram": {"type": "telegram", "chat_id": TELEGRAM_CHAT,
                     "token_env": "BAUTZEN_TELEGRAM_TOKEN", "api_url": api["telegram"].url},
        "mastodon": {"type": "mastodon", "base_url": api["mastodon"].url,
                     "token_env": "BAUTZEN_MASTODON_TOKEN", "visibility": "public"},
        "matrix": {"type": "matrix", "base_url": matrix, "room_id": room_id,
                   "token_env": "BAUTZEN_MATRIX_TOKEN"},
        "ntfy": {"type": "ntfy", "base_url": api["ntfy"].url, "topic": "bautzen",
                 "token_env": "BAUTZEN_NTFY_TOKEN"},
        "email": {"type": "email", "host": "127.0.0.1", "port": smtp_port, "security": "none",
                  "username": SMTP_USER, "password_env": "BAUTZEN_SMTP_PASSWORD",
                  "from": "Stadt Bautzen <presse@bautzen.de>", "to": ["verteiler@bautzen.de"]},
        "signal": {"type": "signal", "base_url": api["signal"].url, "number": SIGNAL_NUMBER,
                   "recipients": SIGNAL_RECIPIENTS},
        "webhook": {"type": "webhook", "url": f"{api['webhook'].url}/hooks/citychan",
                    "secret_env": "BAUTZEN_WEBHOOK_SECRET"},
        "outbox": OUTBOX,
        "feed": {"type": "feed", "title": "Stadt Bautzen / Město Budyšin",
                 "public_url": "https://www.bautzen.de/aktuelles"},
    }


@dataclass
class City:
    """The loopback world of one test: the fake APIs, the real servers, the work folder."""

    work: Path
    api: dict[str, ApiServer]
    synapse: SynapseServer
    matrix_token: str
    room_id: str
    smtp: SmtpServer

    @property
    def db(self) -> Path:
        return self.work / "citychan-out" / "citychan.db"

    def room(self) -> list[dict[str, Any]]:
        return self.synapse.room_messages(self.matrix_token, self.room_id)


def ok_script() -> dict[str, list[Step]]:
    return {"whatsapp": [waha_sent()], "telegram": [telegram_sent()],
            "mastodon": [mastodon_status()], "ntfy": [ntfy_sent()], "signal": [signal_sent()],
            "webhook": [Empty(204)]}


@pytest.fixture
def make_city(isolated: Path, monkeypatch: pytest.MonkeyPatch, synapse: SynapseServer,
              smtp_server: SmtpServer, make_config: MakeConfig) -> Iterator[Any]:
    with ExitStack() as stack:

        def build(scripts: dict[str, list[Step]], budget: float = 5.0,
                  concurrent: bool = True) -> City:
            # all six HTTP sends must be in flight at once, else the first waits and flags it
            barrier = threading.Barrier(len(HTTP) if concurrent else 1)
            fixed = {"mastodon": {  # reads: the instance limit, and the look-up before a resend
                ("GET", "/api/v2/instance"): mastodon_instance(),
                ("GET", "/api/v1/accounts/verify_credentials"): Ok({"id": "7"}),
                ("GET", "/api/v1/accounts/7/statuses"): Ok([])}}
            api = {name: stack.enter_context(ApiServer(scripts[name], fixed=fixed.get(name),
                                                       barrier=barrier)) for name in HTTP}
            _, token = synapse.register("stadt" + secrets.token_hex(4))
            room_id = synapse.create_room(token)
            for key, value in {**SECRETS, "BAUTZEN_MATRIX_TOKEN": token}.items():
                monkeypatch.setenv(key, value)
            make_config(publish={"max_total_seconds": budget, "timeout": 5},
                        channels=channels(api, synapse.base_url, room_id, smtp_server.port))
            write_notice(isolated)
            return City(isolated, api, synapse, token, room_id, smtp_server)

        yield build


def post_json() -> tuple[int, dict[str, dict[str, Any]], str]:
    run = cli("post", "notice.md", "--yes", "--output", "json")
    assert run.exception is None, repr(run.exception)
    envelope = json.loads(run.stdout)
    assert envelope["command"] == "post" and envelope["exit_code"] == run.code
    results = envelope["result"]["results"]
    by = {r["channel"]: r for r in results}
    assert len(results) == len(by) == len(ALL), results  # one row per channel, none twice
    assert set(by) == set(ALL)
    return run.code, by, run.stderr


def assert_no_tracking(text: str, where: str) -> None:
    for param in TRACKING:
        assert param not in text, f"{param} left in {where}: {text!r}"


def assert_bilingual(text: str, where: str) -> None:
    assert DE_WORDS in text and HSB_WORDS in text, f"{where}: {text!r}"
    assert text.index(DE_WORDS) < text.index(HSB_WORDS), f"{where}: de must come first"
    assert_no_tracking(text, where)


def only_write(server: ApiServer) -> Any:
    (request,) = server.writes
    return request


def decoded_header(value: str) -> str:
    return str(email.header.make_header(email.header.decode_header(value)))


# --- the happy path -----------------------------------------------------------------------------

def test_one_post_reaches_every_channel_once_with_the_documented_request(make_city: Any) -> None:
    city = make_city(ok_script())
    code, by, stderr = post_json()

    waited = [name for name, server in city.api.items() if server.barrier_broken]
    assert not waited, f"the HTTP sends were not all in flight at once: {waited} waited alone"
    assert code == 0, (by, stderr)
    assert {name: r["status"] for name, r in by.items()} == dict.fromkeys(ALL, "sent")
    assert all(r["remote_id"] and r["attempts"] == 1 for r in by.values()), by
    stored = deliveries(city.db)
    assert stored.keys() == set(ALL)
    for name in ALL:
        ((status, remote_id, attempts, key),) = stored[name]
        assert (status, remote_id, attempts) == ("sent", by[name]["remote_id"], 1), name
        assert key and key.startswith("citychan-")

    # WhatsApp via WAHA
    waha = only_write(city.api["whatsapp"])
    assert (waha.method, waha.path) == ("POST", "/api/sendText")
    assert waha.headers["x-api-key"] == SECRETS["BAUTZEN_WAHA_KEY"]
    body = waha.json()
    assert set(body) == {"session", "chatId", "text"}
    assert (body["session"], body["chatId"]) == ("default", CHANNEL_ID)
    assert_bilingual(body["text"], "WAHA text")
    assert "*Zawrjenje Lubijskeje dróhi*" in body["text"] and CLEAN_LINK in body["text"]
    assert by["whatsapp"]["remote_id"] == WAHA_ID

    # Telegram
    tg = only_write(city.api["telegram"])
    assert (tg.method, tg.path) == (
        "POST", f"/bot{SECRETS['BAUTZEN_TELEGRAM_TOKEN']}/sendMessage")
    body = tg.json()
    assert body["chat_id"] == TELEGRAM_CHAT and body["parse_mode"] == "HTML"
    assert body["link_preview_options"] == {"is_disabled": False, "url": CLEAN_LINK}
    assert body["disable_notification"] is True  # a notice, not a warning: no ringing
    assert "<b>Löbauer Straße</b>" in body["text"]
    assert_bilingual(body["text"], "Telegram text")
    assert by["telegram"]["remote_id"] == str(TELEGRAM_MESSAGE_ID)
    assert by["telegram"]["url"] == f"https://t.me/{TELEGRAM_CHAT[1:]}/{TELEGRAM_MESSAGE_ID}"

    # Mastodon: the limit read from the instance, one status with the delivery's key
    masto = city.api["mastodon"]
    assert [(r.method, r.path) for r in masto.requests] == [
        ("GET", "/api/v2/instance"), ("POST", "/api/v1/statuses")]
    status = only_write(masto)
    assert status.headers["authorization"] == f"Bearer {SECRETS['BAUTZEN_MASTODON_TOKEN']}"
    assert status.headers["idempotency-key"] == stored["mastodon"][0][3]
    body = status.json()
    assert (body["visibility"], body["language"]) == ("public", "de")
    assert_bilingual(body["status"], "Mastodon status")
    assert "**" not in body["status"] and "<b>" not in body["status"]  # plain text
    assert by["mastodon"]["remote_id"] == MASTODON_STATUS_ID

    # ntfy: Markdown body, the title RFC 2047-encoded in a header
    ntfy = only_write(city.api["ntfy"])
    assert (ntfy.method, ntfy.path) == ("POST", "/bautzen")
    assert ntfy.headers["title"].isascii() and ntfy.headers["title"].startswith("=?UTF-8?")
    assert decoded_header(ntfy.headers["title"]) == TITLE
    assert (ntfy.headers["priority"], ntfy.headers["markdown"]) == ("3", "yes")
    assert ntfy.headers["click"] == CLEAN_LINK
    assert ntfy.headers["authorization"] == f"Bearer {SECRETS['BAUTZEN_NTFY_TOKEN']}"
    text = ntfy.body.decode("utf-8")
    assert "**Löbauer Straße**" in text
    assert_bilingual(text, "ntfy body")
    assert by["ntfy"]["remote_id"] == NTFY_ID

    # Signal via signal-cli-rest-api
    sig = only_write(city.api["signal"])
    assert (sig.method, sig.path) == ("POST", "/v2/send")
    body = sig.json()
    assert (body["number"], body["recipients"]) == (SIGNAL_NUMBER, SIGNAL_RECIPIENTS)
    assert_bilingual(body["message"], "Signal message")
    assert by["signal"]["remote_id"] == SIGNAL_TIMESTAMP

    # webhook: signed JSON, the key doubles as the receipt when the receiver answers 204
    hook = only_write(city.api["webhook"])
    assert (hook.method, hook.path) == ("POST", "/hooks/citychan")
    assert hook.headers["content-type"].startswith("application/json")
    expected = hmac.new(SECRETS["BAUTZEN_WEBHOOK_SECRET"].encode(), hook.body,
                        hashlib.sha256).hexdigest()
    assert hook.headers["x-citychan-signature"] == f"sha256={expected}"
    doc = hook.json()
    assert set(doc) == {"id", "kind", "level", "lang", "title", "text", "link", "sent",
                        # payload version 2 (issue 13): every language apart, for a CMS
                        "version", "languages", "summary", "tags", "image", "html"}
    assert doc["version"] == 2 and [p["lang"] for p in doc["languages"]] == ["de", "hsb"]
    assert (doc["kind"], doc["level"], doc["lang"], doc["link"]) == ("info", None, "de", CLEAN_LINK)
    assert doc["title"] == TITLE
    assert_bilingual(doc["text"], "webhook text")
    assert hook.headers["idempotency-key"] == by["webhook"]["remote_id"] == stored["webhook"][0][3]
    message_hash = doc["id"]

    # Matrix: one m.notice in the real room, carrying the delivery's txnId
    (event,) = city.room()
    content = event["content"]
    assert content["msgtype"] == "m.notice"
    assert content["format"] == "org.matrix.custom.html"
    assert_bilingual(content["body"], "Matrix body")
    assert_bilingual(content["formatted_body"], "Matrix formatted_body")
    assert event["event_id"] == by["matrix"]["remote_id"]
    assert event["unsigned"]["transaction_id"] == stored["matrix"][0][3]

    # e-mail: one multipart mail through the real SMTP server, after a successful login
    assert city.smtp.logins == [(SMTP_USER, True, False)]
    ((mail_from, rcpt_tos, raw),) = city.smtp.messages
    assert (mail_from, rcpt_tos) == ("presse@bautzen.de", ["verteiler@bautzen.de"])
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert mail.get_content_type() == "multipart/alternative"
    assert str(mail["Subject"]) == TITLE
    assert mail["Message-ID"] == by["email"]["remote_id"]
    plain = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert_bilingual(plain, "mail text/plain")
    assert_bilingual(html, "mail text/html")
    assert "<strong>Löbauer Straße</strong>" in html

    # outbox and feed, no network
    (outbox_file,) = (city.work / "citychan-out" / "outbox").iterdir()
    assert outbox_file.name == by["outbox"]["remote_id"]
    assert_bilingual(outbox_file.read_text(encoding="utf-8"), "outbox file")
    feed = feedparser.parse((city.work / "citychan-out" / "feed" / "feed.xml").read_bytes())
    assert feed.bozo == 0 and len(feed.entries) == 1
    (entry,) = feed.entries
    assert entry.title == TITLE and entry.id == by["feed"]["remote_id"]
    assert entry.link == CLEAN_LINK
    assert_bilingual(entry.content[0].value, "feed entry")

    # the same notice again: nothing goes out anywhere
    before = {name: len(server.writes) for name, server in city.api.items()}
    code, again, _ = post_json()
    assert code == 0
    for name in ALL:
        assert again[name]["status"] == "skipped", again[name]
        assert "already sent" in again[name]["error"] and "--force" in again[name]["error"]
        assert again[name]["remote_id"] == by[name]["remote_id"]
    assert {name: len(server.writes) for name, server in city.api.items()} == before
    assert all(n == 1 for n in before.values())
    assert len(city.room()) == 1 and len(city.smtp.messages) == 1
    assert len(list((city.work / "citychan-out" / "outbox").iterdir())) == 1
    assert len(feedparser.parse(city.work / "citychan-out" / "feed" / "feed.xml").entries) == 1
    assert {name: [row[0] for row in rows] for name, rows in deliveries(city.db).items()} == {
        name: ["sent"] for name in ALL}  # the skip is not recorded as a new delivery
    assert all(r["message"] == message_hash
               for r in json.loads(cli("log", "--output", "json").stdout)["result"]["deliveries"])


# --- faults ----------------------------------------------------------------------------------

def test_a_5xx_makes_whatsapp_unknown_and_mastodon_retries_with_the_same_key(
        make_city: Any) -> None:
    scripts = ok_script()
    scripts["whatsapp"] = [Status(500, {"error": "Internal server error"})]
    scripts["mastodon"] = [Status(500, {"error": "Internal server error"}), mastodon_status()]
    # Mastodon's second attempt comes alone, after a backoff: no barrier for this run
    city = make_city(scripts, budget=3.0, concurrent=False)
    code, by, stderr = post_json()

    assert code == 4, (by, stderr)
    statuses = {name: r["status"] for name, r in by.items()}
    assert statuses == {**dict.fromkeys(ALL, "sent"), "whatsapp": "unknown"}

    # WhatsApp: no idempotency key, so a 5xx is never resent
    assert len(city.api["whatsapp"].writes) == 1
    assert by["whatsapp"]["attempts"] == 1 and by["whatsapp"]["remote_id"] is None
    assert "HTTP 500" in by["whatsapp"]["error"] and "may have gone out" in by["whatsapp"]["error"]

    # Mastodon: retried with the very same Idempotency-Key, then sent
    first, second = city.api["mastodon"].writes
    assert first.path == second.path == "/api/v1/statuses"
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]
    assert first.body == second.body
    assert by["mastodon"]["attempts"] == 2 and by["mastodon"]["remote_id"] == MASTODON_STATUS_ID

    # everyone else got it exactly once
    for name in ("telegram", "ntfy", "signal", "webhook"):
        assert len(city.api[name].writes) == 1, name
    assert len(city.room()) == 1 and len(city.smtp.messages) == 1

    # nothing lost: every outcome is in the store
    stored = deliveries(city.db)
    assert {name: [row[0] for row in rows] for name, rows in stored.items()} == {
        name: ["unknown" if name == "whatsapp" else "sent"] for name in ALL}
    assert stored["mastodon"][0][2] == 2
    assert stored["mastodon"][0][3] == first.headers["idempotency-key"]

    listed = cli("retry", "--list", "--output", "json")
    assert listed.code == 4
    (pending,) = json.loads(listed.stdout)["result"]["deliveries"]
    assert (pending["channel"], pending["type"], pending["status"]) == (
        "whatsapp", "whatsapp", "unknown")
    assert pending["title"] == "Sperrung der Löbauer Straße"

    # posting again leaves the unknown delivery alone: no blind resend there either; and the
    # run still exits 4, since the WhatsApp outcome is still open
    code, again, _ = post_json()
    assert code == 4 and again["whatsapp"]["unresolved"]
    assert {r["status"] for r in again.values()} == {"skipped"}
    assert "already unknown" in again["whatsapp"]["error"]
    assert len(city.api["whatsapp"].writes) == 1 and len(city.api["mastodon"].writes) == 2

    # `citychan retry` reads the channel back through WAHA, finds the post: no second send
    waha = city.api["whatsapp"]
    sent_text = waha.writes[0].json()["text"]
    # one's own channel is read as a chat (devlikeapro/waha-docs, how-to/channels)
    preview = f"/api/default/chats/{quote(CHANNEL_ID)}/messages"
    # the gateway stamps the message when it went out: on citychan's (the test's) clock,
    # which reads a working-day morning and may be hours ahead of the real one
    sent_at = int(citychan_clock.utcnow().timestamp())
    found = {"id": WAHA_ID, "timestamp": sent_at, "fromMe": True,
             "body": sent_text.replace("\n\n", "\n")}  # the app may change line breaks
    waha.fixed[("GET", preview)] = Ok([{"id": "false_x_OTHER", "timestamp": sent_at,
                                        "body": "Eine andere Meldung"}, found])
    run = cli("retry", "--output", "json")
    assert run.code == 0, run.stdout + run.stderr
    (resolved,) = json.loads(run.stdout)["result"]["deliveries"]
    assert (resolved["channel"], resolved["action"], resolved["new_status"]) == (
        "whatsapp", "found", "sent")
    assert [r.method for r in waha.requests] == ["POST", "GET"]
    assert waha.requests[1].path.startswith(preview + "?")
    assert deliveries(city.db)["whatsapp"] == [("sent", WAHA_ID, 1, stored["whatsapp"][0][3])]
    assert json.loads(cli("retry", "--list", "--output", "json").stdout)["result"][
        "deliveries"] == []
