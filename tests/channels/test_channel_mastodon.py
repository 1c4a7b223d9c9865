"""Mastodon: statuses with a stable Idempotency-Key, instance limit, pre-flight, read back."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime

import httpx
import pytest

from citychan import clock as citychan_clock
from citychan.channels.base import ChannelConfigError, ChannelContext, ChannelError, Dialect
from citychan.channels.mastodon import MastodonChannel, status_text
from citychan.delivery.retry import RetryPolicy, send_with_retry
from citychan.testing import sample_post
from tests.support.limits import MemoryLimits

TOKEN = "masto-secret-token"
BASE = "https://social.bautzen.de"
STATUS = {"id": "1099", "url": f"{BASE}/@stadt/1099", "uri": f"{BASE}/users/stadt/statuses/1099"}
TEXT = "Die Löbauer Straße ist ab Montag gesperrt. https://www.bautzen.de/aktuelles/sperrung"


def make(handler, limits=None, **options) -> MastodonChannel:
    """A channel whose instance limit (500) is known from an earlier read, unless ``limits``
    says otherwise: the status tests see only the requests of the post."""
    ctx = ChannelContext(
        env={"MASTO": TOKEN}, http=httpx.Client(transport=httpx.MockTransport(handler)),
        limits=MemoryLimits({"mastodon": 500}) if limits is None else limits,
    )
    return MastodonChannel.from_config(
        "mastodon", {"base_url": BASE, "token_env": "MASTO", **options}, ctx
    )


def post(**kw):
    return sample_post(Dialect.PLAIN, text=TEXT, **kw)


def test_status_request_shape():
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json=STATUS)

    receipt = make(handler, visibility="unlisted").send(post(langs=("de", "hsb")))
    (req,) = seen
    assert (req.method, str(req.url)) == ("POST", f"{BASE}/api/v1/statuses")
    assert req.headers["authorization"] == f"Bearer {TOKEN}"
    assert req.headers["idempotency-key"] == "citychan-contract-key-0001"
    assert json.loads(req.content) == {"status": TEXT, "visibility": "unlisted", "language": "de"}
    assert receipt.remote_id == "1099" and receipt.url == f"{BASE}/@stadt/1099"


def test_retry_after_5xx_reuses_the_same_key():
    keys: list[str] = []

    def handler(request):
        if request.method == "GET":  # the look-up before a resend: busy as well
            return httpx.Response(503, json={"error": "busy"})
        keys.append(request.headers["idempotency-key"])
        if len(keys) < 3:
            return httpx.Response(503, json={"error": "busy"})
        return httpx.Response(200, json=STATUS)

    channel = make(handler)
    receipt = send_with_retry(
        lambda: channel.send(post()), RetryPolicy(base_delay=0.0), sleep=lambda s: None
    )
    assert receipt.remote_id == "1099"
    assert keys == ["citychan-contract-key-0001"] * 3


def test_key_is_derived_from_message_and_channel_when_the_post_has_none():
    keys: list[str] = []

    def handler(request):
        keys.append(request.headers["idempotency-key"])
        return httpx.Response(200, json=STATUS)

    channel = make(handler)
    channel.send(post(idempotency_key=""))
    channel.send(post(idempotency_key=""))
    other = sample_post(channel="mastodon-hsb", idempotency_key="")
    channel.send(other)
    assert keys[0] == keys[1] and keys[0].startswith("citychan-")
    assert keys[2] != keys[0]


def test_error_mapping_is_idempotent_aware():
    def answer(response):
        return make(lambda request: response)

    with pytest.raises(ChannelError) as info:
        answer(httpx.Response(500)).send(post())
    assert (info.value.retryable, info.value.outcome_known) == (True, False)
    with pytest.raises(ChannelError) as info:
        answer(
            httpx.Response(
                422, json={"error": "Validation failed: Text character limit of 500 exceeded"}
            )
        ).send(post())
    assert (info.value.retryable, info.value.outcome_known) == (False, True)
    assert "character limit of 500 exceeded" in info.value.message
    reset = httpx.Response(
        429,
        json={"error": "Too many requests"},
        headers={"X-RateLimit-Reset": "2999-01-01T00:00:00.000Z"},
    )
    with pytest.raises(ChannelError) as info:
        answer(reset).send(post())
    assert info.value.retryable and info.value.retry_after > 3600


def test_timeout_after_sending_is_retryable_because_of_the_key():
    def handler(request):
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(ChannelError) as info:
        make(handler).send(post())
    assert (info.value.retryable, info.value.outcome_known) == (True, False)


def instance(max_characters: int, url_weight: int | None = None) -> httpx.Response:
    """``GET /api/v2/instance`` as mastodon/documentation content/en/methods/instance.md
    describes it (``configuration.statuses.max_characters`` and
    ``characters_reserved_per_url``; commit e6d4c79, checked 2026-11-29)."""
    statuses = {"max_characters": max_characters}
    if url_weight is not None:
        statuses["characters_reserved_per_url"] = url_weight
    return httpx.Response(200, json={"configuration": {"statuses": statuses}})


def test_capabilities_are_the_kept_limit_and_never_ask_the_instance():
    """The plan reads capabilities: it must not wait for the instance (issue: a slow
    /api/v2/instance held a warning back from every channel)."""
    calls: list[str] = []

    def handler(request):
        calls.append(request.url.path)
        return instance(1000)

    known = make(handler, limits=MemoryLimits({"mastodon": 1000})).capabilities
    assert (known.max_length, known.url_length, known.dialect) == (1000, 23, Dialect.PLAIN)
    assert make(handler, limits=MemoryLimits()).capabilities.max_length == 500  # not known yet
    assert calls == []


def test_limit_is_read_once_while_sending_and_kept_for_the_next_plan():
    calls: list[str] = []

    def handler(request):
        calls.append(request.url.path)
        return instance(1000) if request.url.path == "/api/v2/instance" else httpx.Response(
            200, json=STATUS)

    limits = MemoryLimits()
    channel = make(handler, limits=limits)
    channel.send(post())
    channel.send(post())
    assert calls == ["/api/v2/instance", "/api/v1/statuses", "/api/v1/statuses"]
    assert limits.puts == [("mastodon", "max_characters@social.bautzen.de", 1000)]
    assert make(handler, limits=limits).capabilities.max_length == 1000


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(500),
        httpx.Response(200, json={"configuration": {}}),
        httpx.Response(200, text="<html>"),
        httpx.Response(200, json={"configuration": {"statuses": {"max_characters": 0}}}),
    ],
)
def test_limit_falls_back_to_500(response):
    """The instance does not say: nothing is kept, and the post (planned for 500) goes."""
    posted: list[str] = []

    def handler(request):
        if request.url.path == "/api/v2/instance":
            return response
        posted.append(request.url.path)
        return httpx.Response(200, json=STATUS)

    limits = MemoryLimits()
    channel = make(handler, limits=limits)
    assert channel.send(post()).remote_id == "1099"
    assert channel.capabilities.max_length == 500
    assert posted == ["/api/v1/statuses"] and limits.puts == []


def test_limit_falls_back_to_500_when_unreachable():
    def handler(request):
        if request.url.path == "/api/v2/instance":
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json=STATUS)

    channel = make(handler, limits=MemoryLimits())
    assert channel.send(post()).remote_id == "1099"
    assert channel.capabilities.max_length == 500


def test_a_slow_instance_delays_only_its_own_post_by_the_lookup_time(monkeypatch):
    monkeypatch.setattr(MastodonChannel, "limit_lookup", 0.2)
    release = threading.Event()

    def handler(request):
        if request.url.path == "/api/v2/instance":
            release.wait(10)  # answers only when the test is over
            return instance(1000)
        return httpx.Response(200, json=STATUS)

    limits = MemoryLimits()
    start = time.monotonic()
    try:
        receipt = make(handler, limits=limits).send(post())
    finally:
        release.set()
    assert receipt.remote_id == "1099"
    assert time.monotonic() - start < 1.0
    assert limits.puts == []  # an answer that came too late is not kept


def test_a_text_longer_than_the_instance_takes_fails_before_anything_is_sent(tmp_path):
    """The plan fitted 500 characters, the instance takes 60: refused here, known and
    not retried, nothing uploaded or posted; the next plan knows the limit."""
    calls: list[str] = []

    def handler(request):
        calls.append(request.url.path)
        return instance(60) if request.url.path == "/api/v2/instance" else httpx.Response(
            200, json=STATUS)

    limits = MemoryLimits()
    with pytest.raises(ChannelError) as info:
        make(handler, limits=limits).send(image_post(tmp_path))
    assert (info.value.outcome_known, info.value.retryable) == (True, False)
    message = info.value.message
    assert "social.bautzen.de takes at most 60 characters" in message
    assert "nothing was sent" in message
    assert "Post it again" in message and TOKEN not in message
    assert calls == ["/api/v2/instance"]
    assert make(handler, limits=limits).capabilities.max_length == 60


def test_preflight_verifies_credentials():
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={"id": "7", "acct": "stadt"})

    assert make(handler).preflight() == []
    assert seen[0].url.path == "/api/v1/accounts/verify_credentials"
    assert seen[0].headers["authorization"] == f"Bearer {TOKEN}"
    bad = make(lambda r: httpx.Response(401, json={"error": "The access token is invalid"}))
    (problem,) = bad.preflight()
    assert "token rejected" in problem and "The access token is invalid" in problem
    assert TOKEN not in problem


def statuses_handler(statuses):
    def handler(request):
        if request.url.path.endswith("verify_credentials"):
            return httpx.Response(200, json={"id": "7"})
        assert request.url.path == "/api/v1/accounts/7/statuses"
        if "max_id" in request.url.params:
            return httpx.Response(200, json=[])
        return httpx.Response(200, json=statuses)

    return handler


SINCE = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
MINE = {
    "id": "1099",
    "url": f"{BASE}/@stadt/1099",
    "created_at": "2026-11-28T14:05:01.000Z",
    "content": '<p>Die Löbauer Straße ist ab Montag gesperrt. <a href="https://www.bautzen.de/'
    'aktuelles/sperrung" rel="nofollow"><span class="invisible">https://www.</span>'
    '<span class="">bautzen.de/aktuelles/sperrung</span><span class="invisible">'
    "</span></a></p>",
}
OTHER = {
    "id": "1098",
    "url": f"{BASE}/@stadt/1098",
    "created_at": "2026-11-28T14:01:00Z",
    "content": "<p>Etwas anderes</p>",
}
OLD = {"id": "1000", "created_at": "2026-11-27T09:00:00Z", "content": MINE["content"]}


def test_read_back_finds_the_post():
    receipt = make(statuses_handler([MINE, OTHER, OLD])).read_back(post(), SINCE)
    assert receipt is not None and receipt.remote_id == "1099"
    assert receipt.url == f"{BASE}/@stadt/1099"


def test_read_back_says_missing_when_only_older_posts_match():
    assert make(statuses_handler([OTHER, OLD])).read_back(post(), SINCE) is None


def test_status_text_undoes_mastodon_html():
    assert status_text("<p>A &amp; B</p><p>C<br>D</p>") == "A & B\nC\nD\n"


def test_config_errors():
    ctx = ChannelContext(env={"MASTO": TOKEN})
    with pytest.raises(ChannelConfigError, match="visibility must be one of"):
        MastodonChannel.from_config(
            "m", {"base_url": BASE, "token_env": "MASTO", "visibility": "everyone"}, ctx
        )
    with pytest.raises(ChannelConfigError, match="must be an https:// URL"):
        MastodonChannel.from_config(
            "m", {"base_url": "http://social.example", "token_env": "MASTO"}, ctx
        )
    assert TOKEN not in repr(make(lambda r: httpx.Response(200, json=STATUS)))


def test_offline_default_capabilities_need_no_request():
    caps = MastodonChannel.default_capabilities
    assert (caps.dialect, caps.max_length, caps.url_length) == (Dialect.PLAIN, 500, 23)


MEDIA = {"id": "5501", "type": "image", "url": None, "description": "Karte der Umleitung"}


def image_post(tmp_path):
    image = tmp_path / "umleitung.png"
    image.write_bytes(b"\x89PNG fake")
    return post(image=image, image_alt="Karte der Umleitung über die Äußere Lauenstraße")


def test_image_is_uploaded_with_its_alt_text_and_attached(tmp_path):
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        if request.url.path == "/api/v2/media":
            return httpx.Response(200, json={**MEDIA, "url": f"{BASE}/media/1.png"})
        return httpx.Response(200, json=STATUS)

    receipt = make(handler).send(image_post(tmp_path))
    upload, status = seen
    assert (upload.method, upload.url.path) == ("POST", "/api/v2/media")
    assert upload.headers["authorization"] == f"Bearer {TOKEN}"
    assert upload.headers["content-type"].startswith("multipart/form-data")
    assert b'name="file"; filename="umleitung.png"' in upload.content
    assert b"Content-Type: image/png" in upload.content and b"\x89PNG fake" in upload.content
    assert (b'name="description"\r\n\r\n' + "Karte der Umleitung über die Äußere "
            "Lauenstraße".encode()) in upload.content
    assert json.loads(status.content)["media_ids"] == ["5501"]
    assert receipt.remote_id == "1099"


def test_a_status_waits_until_the_server_has_processed_the_image(tmp_path, monkeypatch):
    monkeypatch.setattr(MastodonChannel, "media_poll", 0.0)
    paths: list[str] = []
    polls = iter([206, 206, 200])

    def handler(request):
        paths.append(f"{request.method} {request.url.path}")
        if request.url.path == "/api/v2/media":
            return httpx.Response(202, json=MEDIA)
        if request.url.path == "/api/v1/media/5501":
            code = next(polls)
            return httpx.Response(code, json={**MEDIA, "url": None if code == 206 else "u"})
        return httpx.Response(200, json=STATUS)

    make(handler).send(image_post(tmp_path))
    assert paths == ["POST /api/v2/media"] + ["GET /api/v1/media/5501"] * 3 + [
        "POST /api/v1/statuses"]


def test_an_image_that_never_finishes_processing_posts_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(MastodonChannel, "media_poll", 0.0)
    monkeypatch.setattr(MastodonChannel, "media_wait", 0.05)
    paths: list[str] = []

    def handler(request):
        paths.append(request.url.path)
        if request.url.path == "/api/v2/media":
            return httpx.Response(202, json=MEDIA)
        return httpx.Response(206, json=MEDIA)

    with pytest.raises(ChannelError, match="still processing") as err:
        make(handler).send(image_post(tmp_path))
    assert err.value.outcome_known and not err.value.retryable
    assert "/api/v1/statuses" not in paths


def test_a_rejected_upload_is_a_failure_with_the_server_reason(tmp_path):
    def handler(request):
        if request.url.path == "/api/v2/media":
            return httpx.Response(422, json={"error": "File type not supported"})
        raise AssertionError("no status without its image")

    with pytest.raises(ChannelError, match="File type not supported") as err:
        make(handler).send(image_post(tmp_path))
    assert err.value.outcome_known and TOKEN not in str(err.value)


def test_an_unclear_answer_is_looked_up_before_any_resend():
    """Mastodon writes the Idempotency-Key only once the status exists: a retry overtaking a
    slow first request would post twice. The status is there, so no second POST is made."""
    now = citychan_clock.utcnow()  # the server stamps it now, on the clock citychan reads
    created = {**MINE, "created_at": now.isoformat()}
    posts: list[str] = []

    def handler(request):
        if request.method == "POST":
            posts.append(request.headers["idempotency-key"])
            return httpx.Response(504, text="Gateway Timeout")  # Rails is still at it
        return statuses_handler([created])(request)

    channel = make(handler)
    receipt = send_with_retry(lambda: channel.send(post()), RetryPolicy(base_delay=0.0),
                              sleep=lambda s: None)
    assert receipt.remote_id == "1099" and posts == ["citychan-contract-key-0001"]


def test_an_unclear_answer_with_nothing_there_is_retried_with_the_same_key():
    answers = iter([httpx.Response(502), httpx.Response(200, json=STATUS)])
    posts: list[str] = []

    def handler(request):
        if request.method == "POST":
            posts.append(request.headers["idempotency-key"])
            return next(answers)
        return statuses_handler([OTHER])(request)

    channel = make(handler)
    receipt = send_with_retry(lambda: channel.send(post()), RetryPolicy(base_delay=0.0),
                              sleep=lambda s: None)
    assert receipt.remote_id == "1099"
    assert posts == ["citychan-contract-key-0001"] * 2


# Posting languages as mastodon/mastodon defines them: app/helpers/languages_helper.rb
# (SUPPORTED_LOCALES; commit 02addb3, checked 2026-11-29). PostStatusService keeps a
# `language` only when valid_locale_cascade finds it there; anything else silently becomes
# the account's default language.
def test_a_post_that_starts_in_german_is_tagged_de():
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json=STATUS)

    make(handler).send(post(langs=("de", "hsb")))
    assert json.loads(seen[0].content)["language"] == "de"


def test_a_post_that_starts_in_upper_sorbian_goes_without_language():
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json=STATUS)

    make(handler).send(post(langs=("hsb", "de")))
    body = json.loads(seen[0].content)
    assert "language" not in body
    assert body["status"] == TEXT


def test_a_regional_code_is_tagged_with_its_base_language():
    caps = MastodonChannel.default_capabilities
    assert (caps.post_language("de-AT"), caps.post_language("zh-TW"),
            caps.post_language("hsb"), caps.post_language("dsb")) == ("de", "zh-TW", None, None)


def test_the_url_weight_is_read_from_the_instance_and_kept_for_the_next_plan():
    """An instance that counts a URL as 40 (configuration.statuses.characters_reserved_per_url):
    the send checks the text with 40 and the next plan measures with 40, not 23."""
    def handler(request):
        return instance(1000, url_weight=40) if request.url.path == "/api/v2/instance" \
            else httpx.Response(200, json=STATUS)

    limits = MemoryLimits()
    make(handler, limits=limits).send(post())
    assert ("mastodon", "characters_reserved_per_url@social.bautzen.de", 40) in limits.puts
    caps = make(handler, limits=limits).capabilities
    url = "https://www.bautzen.de/aktuelles/sperrung"
    assert caps.url_length == 40
    assert caps.measure(post().rendered) == len(TEXT) - len(url) + 40


def test_the_url_weight_decides_whether_a_text_fits_the_instance():
    """A text that fits with URLs at 23 does not where the instance counts them as 100."""
    calls: list[str] = []

    def handler(request):
        calls.append(request.url.path)
        return instance(len(TEXT), url_weight=100) if request.url.path == "/api/v2/instance" \
            else httpx.Response(200, json=STATUS)

    with pytest.raises(ChannelError) as info:
        make(handler, limits=MemoryLimits()).send(post())
    assert f"takes at most {len(TEXT)} characters" in info.value.message
    assert calls == ["/api/v2/instance"]


def test_an_instance_that_does_not_say_its_url_weight_counts_23():
    def handler(request):
        return instance(1000) if request.url.path == "/api/v2/instance" else httpx.Response(
            200, json=STATUS)

    limits = MemoryLimits()
    make(handler, limits=limits).send(post())
    assert make(handler, limits=limits).capabilities.url_length == 23
