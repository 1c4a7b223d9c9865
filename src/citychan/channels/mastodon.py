"""Mastodon: ``POST /api/v1/statuses`` with an ``Idempotency-Key``.

Mastodon keeps the key for an hour and answers a repeated request with the status it already
created, so a timeout or 5xx is retried with the same key instead of becoming ``unknown``.
The length limit and the weight of a URL (``configuration.statuses.max_characters`` and
``characters_reserved_per_url``) come from ``GET /api/v2/instance``, read while sending (within
``limit_lookup`` seconds, so a slow instance delays only its own delivery) and kept in the
store for a day; a plan uses the kept values, else 500 and 23. A text the instance turns out
too small for fails before anything is sent, and the next plan sends the summary.
An image goes up first through ``POST /api/v2/media`` with its alt text as ``description``;
a 202 means the server is still processing it, and the status waits until
``GET /api/v1/media/{id}`` answers 200 (a status with unprocessed media is refused with 422).
The status's ``language`` is the post's first language where Mastodon knows it; Mastodon
replaces a code it does not know (Upper Sorbian ``hsb``) with the account's default without a
word, so such a post goes without ``language`` and the plan says why (finding CC105).
"""

from __future__ import annotations

import html
import mimetypes
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlsplit

from citychan import clock
from citychan.channels.base import (
    CannotTell,
    Capabilities,
    ChannelConfigError,
    ChannelContext,
    ChannelError,
    Dialect,
    Option,
    Post,
    Receipt,
    idempotency_key,
    require_https,
)
from citychan.channels.http import ApiPolicy, HttpChannel, json_of, request, text_matches
from citychan.i18n import N_

DEFAULT_MAX_CHARACTERS = 500
DEFAULT_URL_WEIGHT = 23
# Mastodon 4.x's image limit (MediaAttachment IMAGE_LIMIT, 16 MB; mastodon.social says
# image_size_limit 16777216): a plan's assumption until the instance has said its own
DEFAULT_IMAGE_BYTES = 16 * 1024 * 1024
LIMIT_MAX_AGE = timedelta(days=1)  # how long a limit read from the instance is trusted
VISIBILITIES = ("public", "unlisted", "private", "direct")
_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<br\s*/?>|</p>", re.IGNORECASE)
_READ_BACK_PAGES = 5
_MAX_CHARACTERS = "max_characters"
_URL_WEIGHT = "characters_reserved_per_url"
_IMAGE_BYTES = "image_size_limit"  # configuration.media_attachments

# The posting languages Mastodon knows: the keys of SUPPORTED_LOCALES in mastodon/mastodon
# app/helpers/languages_helper.rb (ISO_639_1, ISO_639_3 and ISO_639_1_REGIONAL; main branch,
# commit 02addb3, checked 2026-11-29). Upper Sorbian (hsb) and Lower Sorbian (dsb) are not
# among them.
MASTODON_LANGUAGES: frozenset[str] = frozenset((
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu "
    "cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gu gv ha he hi ho "
    "hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku "
    "kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn "
    "no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sn "
    "so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo "
    "wa wo xh yi yo za zh zu "
    "ast chr ckb cnr jbo kab ldn lfn sco sma smj szl tok xal zba zgh "
    "zh-CN zh-HK zh-TW zh-YUE").split())


@dataclass(frozen=True)
class InstanceLimits:
    """What the instance said about statuses; None where it did not say."""

    max_characters: int | None = None
    url_weight: int | None = None
    image_bytes: int | None = None  # the largest image file it takes


class MastodonChannel(HttpChannel):
    """Posts statuses to a Mastodon account."""

    type_name: ClassVar[str] = "mastodon"
    options: ClassVar[dict[str, Option]] = {
        "base_url": Option(str, required=True),
        "token_env": Option(str, required=True),
        "visibility": Option(str, default="public"),
    }
    _public = ("base_url", "visibility")
    # what commands without network (check, preview, --dry-run) should assume
    default_capabilities: ClassVar[Capabilities] = Capabilities(
        dialect=Dialect.PLAIN, max_length=DEFAULT_MAX_CHARACTERS,
        url_length=DEFAULT_URL_WEIGHT, images=True, image_max_bytes=DEFAULT_IMAGE_BYTES,
        languages=MASTODON_LANGUAGES,
        can_edit=True, can_delete=True,
    )
    media_wait: ClassVar[float] = 30.0  # seconds to wait for the server to process an image
    settle: ClassVar[float] = 5.0  # after an unclear answer: let a slow first request finish
    media_poll: ClassVar[float] = 1.0
    limit_lookup: ClassVar[float] = 3.0  # seconds the instance gets to say its limit

    def __init__(self, name: str, base_url: str, token: str, visibility: str, ctx: ChannelContext):
        self.name = name
        self.base_url = base_url
        self.visibility = visibility
        self._token = token
        self._ctx = ctx
        self.policy = ApiPolicy("Mastodon", idempotent=True, secrets=(token,))
        self._capabilities: Capabilities | None = None
        self._limits = InstanceLimits()
        self._limit_read = False
        self._account_id: str | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_config(
        cls, name: str, options: Mapping[str, Any], ctx: ChannelContext
    ) -> MastodonChannel:
        """Validate the options of ``[channels.NAME]`` and build the channel."""
        base_url = require_https(name, "base_url", str(options.get("base_url", "")))
        visibility = options.get("visibility") or "public"
        if visibility not in VISIBILITIES:
            raise ChannelConfigError(
                N_("[channels.{name}] visibility must be one of {join}, not {visibility!r}").format(
                    name=name, join=', '.join(VISIBILITIES), visibility=visibility)
            )
        token = ctx.secret(name, options.get("token_env"), "token_env")
        return cls(name, base_url, token, visibility, ctx)

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}

    @classmethod
    def declare(cls, options: Mapping[str, Any]) -> Capabilities:
        """Before a client exists: the default limit; the instance reads the real one."""
        return cls.default_capabilities

    @property
    def capabilities(self) -> Capabilities:
        """Plain text; the limit and the URL weight are the ones the instance gave within the
        last day (kept in the store), else 500 and 23. Never asks the instance: a plan must
        not wait for one server (they are read while sending, see :meth:`send`)."""
        with self._lock:
            if self._capabilities is None:
                self._capabilities = self._capabilities_for(self._cached_limits())
            return self._capabilities

    def _capabilities_for(self, limits: InstanceLimits) -> Capabilities:
        return replace(self.default_capabilities,
                       max_length=limits.max_characters or DEFAULT_MAX_CHARACTERS,
                       url_length=limits.url_weight or DEFAULT_URL_WEIGHT,
                       image_max_bytes=limits.image_bytes or DEFAULT_IMAGE_BYTES)

    @property
    def _instance(self) -> str:
        """Host and port only: a URL's user part may hold a password."""
        parts = urlsplit(self.base_url)
        return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)

    def _key(self, name: str) -> str:
        # per instance: a channel pointed at another server does not keep the old values
        return f"{name}@{self._instance}"

    def _cached_limits(self) -> InstanceLimits:
        cache = self._ctx.limits
        if cache is None:
            return InstanceLimits()
        return InstanceLimits(*(cache.get(self.name, self._key(key), LIMIT_MAX_AGE)
                                for key in (_MAX_CHARACTERS, _URL_WEIGHT, _IMAGE_BYTES)))

    def _instance_limits(self) -> InstanceLimits:
        """The instance's limit and URL weight: cached, else read now (and cached) within
        ``limit_lookup`` seconds; None where it does not say in time. Once per client."""
        with self._lock:
            if self._limit_read:
                return self._limits
        limits = self._cached_limits()
        if limits.max_characters is None:
            limits = self._read_limits_in_time()
            cache = self._ctx.limits
            for name, value in ((_MAX_CHARACTERS, limits.max_characters),
                                (_URL_WEIGHT, limits.url_weight),
                                (_IMAGE_BYTES, limits.image_bytes)):
                if value is not None and cache is not None:
                    cache.put(self.name, self._key(name), value)
        with self._lock:
            self._limits, self._limit_read = limits, True
        return limits

    def _read_limits_in_time(self) -> InstanceLimits:
        """``GET /api/v2/instance`` in a thread of its own, given up after ``limit_lookup``
        seconds: a per-read timeout cannot stop a server answering a byte a second."""
        seconds = min(self.limit_lookup, self._ctx.timeout)
        found: list[InstanceLimits] = []
        worker = threading.Thread(target=lambda: found.append(self._read_limits(seconds)),
                                  daemon=True, name=f"citychan-limit-{self.name}")
        worker.start()
        worker.join(seconds)
        return found[0] if found else InstanceLimits()

    def _read_limits(self, seconds: float) -> InstanceLimits:
        try:
            response = request(self._ctx, self.policy, "GET", f"{self.base_url}/api/v2/instance",
                               timeout=seconds, deadline=time.monotonic() + seconds)
        except ChannelError:
            return InstanceLimits()
        body = json_of(response) if response.is_success else None
        try:
            statuses = body["configuration"]["statuses"]  # type: ignore[index]
        except (TypeError, KeyError):
            return InstanceLimits()
        if not isinstance(statuses, Mapping):
            return InstanceLimits()
        media = body["configuration"].get("media_attachments")  # type: ignore[index]
        return InstanceLimits(_positive(statuses.get(_MAX_CHARACTERS)),
                              _positive(statuses.get(_URL_WEIGHT)),
                              _positive(media.get(_IMAGE_BYTES))
                              if isinstance(media, Mapping) else None)

    def _check_length(self, post: Post) -> None:
        """Refuse, before anything goes out, a text longer than the instance takes: the
        instance would refuse it (422) after an image upload. The delivery fails, nothing
        was sent, and the next plan knows the limit and sends the summary."""
        limits = self._instance_limits()
        if post.image is not None and limits.image_bytes is not None:
            size = post.image.stat().st_size
            if size > limits.image_bytes:
                raise ChannelError(
                    N_("Mastodon: {instance} takes images up to {value:.0f} MB, {name} "
                       "has {value2:.1f} MB; nothing was sent. Save it smaller").format(
                        instance=self._instance, value=limits.image_bytes / 1048576,
                        name=post.image.name, value2=size / 1048576))
        limit = limits.max_characters
        if limit is None:
            return  # the instance did not say: the plan's limit (500 unless known) stands
        size = self._capabilities_for(limits).measure(post.rendered)
        if size > limit:
            raise ChannelError(
                N_("Mastodon: {instance} takes at most {limit} characters, this text has "
                   "{size}; nothing was sent. Post it again: the limit is now known, and "
                   "the next plan sends the summary where there is one").format(
                    instance=self._instance, limit=limit, size=size)
            )

    def send(self, post: Post) -> Receipt:
        """One status; the Idempotency-Key is the post's, stable over every retry."""
        self._check_length(post)
        key = post.idempotency_key or idempotency_key(post.message_id, post.channel, 0)
        body: dict[str, Any] = {"status": post.rendered.text, "visibility": self.visibility}
        language = self.default_capabilities.post_language(post.lang)
        if language is not None:  # an unknown code would become the account's default
            body["language"] = language
        if post.image is not None:
            body["media_ids"] = [self._upload(post)]
        started = clock.utcnow()
        try:
            response = self._call(
                "POST",
                f"{self.base_url}/api/v1/statuses",
                json=body,
                headers={**self._auth, "Idempotency-Key": key},
            )
            status = json_of(response)
            if not isinstance(status, dict) or not status.get("id"):
                raise ChannelError(
                    N_("Mastodon: answer without a status id"), retryable=True, outcome_known=False
                )
        except ChannelError as exc:
            if exc.outcome_known:
                raise
            # Mastodon stores the key only once the status exists: a retry that overtakes a
            # slow first request would post twice. Let it finish, then look before resending.
            found = self._look_for(post, started)
            if found is None:
                raise
            return found
        return Receipt(remote_id=str(status["id"]), url=status.get("url") or status.get("uri"))

    def edit(self, post: Post) -> Receipt:
        """``PUT /api/v1/statuses/:id`` with the new text (mastodon/documentation,
        content/en/methods/statuses.md, "Edit a status", Mastodon 3.5+). The same edit done
        twice leaves the same status: safe to repeat. A 404 (the status was deleted) fails."""
        self._check_length(post)
        body: dict[str, Any] = {"status": post.rendered.text}
        language = self.default_capabilities.post_language(post.lang)
        if language is not None:
            body["language"] = language
        if post.image is not None:  # an edit without media_ids drops the attachment
            body["media_ids"] = [self._upload(post)]
        status = json_of(self._call("PUT", self._status_url(post), json=body,
                                    headers=self._auth))
        status = status if isinstance(status, dict) else {}
        return Receipt(remote_id=str(status.get("id") or post.replaces),
                       url=status.get("url") or status.get("uri"))

    def delete(self, post: Post) -> Receipt:
        """``DELETE /api/v1/statuses/:id`` (statuses.md, "Delete a status"); a 404 means it
        is gone already: done."""
        try:
            self._call("DELETE", self._status_url(post), headers=self._auth)
        except ChannelError as exc:
            if exc.status != 404:
                raise
        return Receipt(remote_id=post.replaces)

    def _status_url(self, post: Post) -> str:
        status_id = post.replaces or ""
        if not status_id.isalnum():  # ids are numeric strings; never a path of our making
            raise ChannelError(N_("Mastodon: {status_id!r} is not a status id; nothing "
                                  "changed").format(status_id=status_id))
        return f"{self.base_url}/api/v1/statuses/{status_id}"

    def _look_for(self, post: Post, started: datetime) -> Receipt | None:
        time.sleep(self.settle)
        try:
            return self.read_back(post, started - timedelta(minutes=1))
        except ChannelError:
            return None  # cannot look: the retry still carries the same key

    def _upload(self, post: Post) -> str:
        """The image with its alt text; returns the media id once the server has processed it.
        An upload that is retried leaves at most an unattached file, which Mastodon removes."""
        assert post.image is not None
        mime = mimetypes.guess_type(post.image.name)[0] or "application/octet-stream"
        response = self._call(
            "POST",
            f"{self.base_url}/api/v2/media",
            files={"file": (post.image.name, post.image.read_bytes(), mime)},
            data={"description": post.image_alt or ""},
            headers=self._auth,
        )
        media = json_of(response)
        if not isinstance(media, dict) or not media.get("id"):
            raise ChannelError(N_("Mastodon: media upload answered without an id"), retryable=True)
        media_id = str(media["id"])
        deadline = time.monotonic() + self.media_wait
        while response.status_code in (202, 206):  # 202 from the upload, 206 from the poll
            if time.monotonic() >= deadline:
                raise ChannelError(
                    N_("Mastodon: the image was still processing after {media_wait:.0f} "
                       "s; nothing was posted").format(media_wait=self.media_wait))
            time.sleep(self.media_poll)
            response = self._call(
                "GET", f"{self.base_url}/api/v1/media/{media_id}", headers=self._auth)
        return media_id

    def _verify(self) -> dict[str, Any]:
        account = json_of(
            self._call(
                "GET", f"{self.base_url}/api/v1/accounts/verify_credentials", headers=self._auth
            )
        )
        if not isinstance(account, dict) or not account.get("id"):
            raise ChannelError(N_("Mastodon: verify_credentials gave no account"))
        self._account_id = str(account["id"])
        return account

    def preflight(self) -> list[str]:
        """``verify_credentials``: the token is valid and names an account."""
        try:
            account = self._verify()
        except ChannelError as exc:
            if exc.status in (401, 403, 404):
                return [f"token rejected by {self.base_url}: {exc.message}"]
            raise
        if account.get("suspended"):
            return [f"account @{account.get('acct')} is suspended"]
        return []

    def read_back(self, post: Post, since: datetime) -> Receipt | None:
        """Find the post among the account's statuses created since ``since``."""
        if self._account_id is None:
            self._verify()
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        params: dict[str, Any] = {"limit": 40, "exclude_reblogs": "true"}
        url = f"{self.base_url}/api/v1/accounts/{self._account_id}/statuses"
        for _ in range(_READ_BACK_PAGES):
            statuses = json_of(self._call("GET", url, params=params, headers=self._auth))
            if not isinstance(statuses, list) or not all(
                    isinstance(st, dict) and st.get("id") for st in statuses):
                # not the documented list of statuses: says nothing about whether it is there
                raise CannotTell(N_("Mastodon: the account's statuses answer is not a list of "
                                    "statuses; cannot tell whether the post is there"))
            if not statuses:
                return None
            for status in statuses:
                if _created(status) < since:
                    return None  # newest first: everything further is older
                if text_matches(status_text(status.get("content", "")), post.rendered.text):
                    return Receipt(remote_id=str(status["id"]), url=status.get("url"))
            params["max_id"] = statuses[-1]["id"]
        raise CannotTell(
            N_("Mastodon: more than {value} statuses since {since:%Y-%m-%d %H:%M}; cannot "
               "tell whether the post is there").format(value=40 * _READ_BACK_PAGES, since=since)
        )


def _positive(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _created(status: Mapping[str, Any]) -> datetime:
    try:
        when = datetime.fromisoformat(str(status.get("created_at")))
    except ValueError:
        return datetime.max.replace(tzinfo=UTC)  # unknown time: compare it, do not skip it
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def status_text(content: str) -> str:
    """Mastodon's HTML ``content`` back to the plain text that was posted."""
    return html.unescape(_TAG.sub("", _BREAK.sub("\n", content)))
