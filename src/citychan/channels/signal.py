"""Signal through signal-cli-rest-api: ``POST {base}/v2/send``.

Supported: release 0.100, which answers 201 ``{"timestamp": "…"}``, and later versions
(master since July 2026), which answer 201 ``[{"timestamp": "…", "errors": {"recipients":
[{"number"|"uuid"|"username", "reason"}]}}]`` - one element per signal-cli send, with the
recipients signal-cli could not reach (untrusted identity, unregistered, ...).

One request may go to phone numbers (or account UUIDs), to usernames, or to exactly one group;
the server refuses anything else with a 400, so the recipients are checked when the config is
read. No idempotency key; every signal-cli error comes back as a 400, also after some
recipients got the message, so a 400 is ``unknown`` unless its text is one of the server's
checks that run before anything is sent. A 429 is a rate-limit challenge (captcha) a person
must solve: it is never retried automatically.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from citychan.channels.base import (
    Capabilities,
    ChannelConfigError,
    ChannelContext,
    ChannelError,
    Dialect,
    Option,
    Post,
    Receipt,
    require_https,
)
from citychan.channels.http import (
    ApiPolicy,
    HttpChannel,
    check,
    error_from_response,
    json_of,
    request,
)
from citychan.i18n import N_

if TYPE_CHECKING:
    import httpx

_NUMBER = re.compile(r"^\+[1-9]\d{6,14}$")
_USERNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{2,31}\.\d{2,10}$")
_GROUP_PREFIX = "group."
_GROUP_ID_BYTES = 32  # a Signal group id (libsignal's group params), base64 twice in the API


class RecipientKind(StrEnum):
    """What signal-cli-rest-api takes a recipient for; one request holds one kind."""

    NUMBER = "number"  # a phone number or an account UUID
    USERNAME = "username"
    GROUP = "group"


def recipient_kind(recipient: str) -> RecipientKind | None:
    """The kind of one configured recipient, None if it is none of them."""
    if recipient.startswith(_GROUP_PREFIX):
        return RecipientKind.GROUP if _is_group_id(recipient[len(_GROUP_PREFIX) :]) else None
    if _NUMBER.match(recipient):
        return RecipientKind.NUMBER
    try:
        uuid.UUID(recipient)
    except ValueError:
        return RecipientKind.USERNAME if _USERNAME.match(recipient) else None
    return RecipientKind.NUMBER


def _is_group_id(text: str) -> bool:
    try:
        inner = base64.b64decode(text, validate=True)
        return len(base64.b64decode(inner, validate=True)) == _GROUP_ID_BYTES
    except (binascii.Error, ValueError):
        return False


def check_recipients(name: str, recipients: Sequence[str]) -> None:
    """Raise a config error unless the list is numbers only, usernames only or one group:
    the only mixes one ``/v2/send`` accepts."""
    kinds: dict[RecipientKind, int] = {}
    for recipient in recipients:
        kind = recipient_kind(recipient)
        if kind is None:
            raise ChannelConfigError(
                N_("[channels.{name}] recipients: {recipient!r} is not a number in "
                   "international form (+4935915340), a group id (group.…, from GET "
                   "/v1/groups/{{number}}) or a username (name.01)").format(
                    name=name, recipient=recipient)
            )
        kinds[kind] = kinds.get(kind, 0) + 1
    hint = (
        "configure two channels, e.g. [channels.signal_people] with the numbers and "
        "[channels.signal_group] with the group"
    )
    if len(kinds) > 1:
        mixed = " and ".join(f"{k.value}s" for k in kinds)
        raise ChannelConfigError(
            N_("[channels.{name}] recipients mix {mixed}; signal-cli-rest-api sends one "
               "request to numbers only or to one group: {hint}").format(
                name=name, mixed=mixed, hint=hint)
        )
    if kinds.get(RecipientKind.GROUP, 0) > 1:
        raise ChannelConfigError(
            N_("[channels.{name}] recipients name {kinds} groups; one request reaches one "
               "group: configure one channel per group").format(
                name=name, kinds=kinds[RecipientKind.GROUP])
        )


# signal-cli-rest-api's own checks (src/api/api.go SendV2, src/client/client.go SendV2 and
# send) that answer 400 before signal-cli is asked to send anything
_NOT_SENT = (
    "Couldn't process request",
    "Please provide",
    "Signal Messenger Groups and",
    "Signal Messenger phone numbers and usernames",
    "A signal message cannot be sent to more than one group",
    "Invalid identifier",
    "Invalid Signal group size",
    "Invalid group id",
    "Invalid recipient type",
    "More than one recipient is currently not allowed",
    "'view_once' can only be set",
)

# what signal-cli's send result types mean for a person
_REASONS = {
    "IDENTITY_FAILURE": "untrusted identity (safety number changed; trust it first)",
    "UNREGISTERED_FAILURE": "not registered with Signal",
    "NETWORK_FAILURE": "network failure",
    "PROOF_REQUIRED_FAILURE": "captcha proof required",
    "RATE_LIMIT_FAILURE": "rate limited",
}


class SignalChannel(HttpChannel):
    """Sends from one registered number to a list of numbers or usernames, or to one group."""

    type_name: ClassVar[str] = "signal"
    # the picture goes as the file itself; Signal takes attachments up to 100 MB
    capabilities: ClassVar[Capabilities] = Capabilities(
        dialect=Dialect.PLAIN, images=True, image_max_bytes=100 * 1024 * 1024)
    options: ClassVar[dict[str, Option]] = {
        "base_url": Option(str, required=True),
        "number": Option(str, required=True),
        "recipients": Option(list, required=True),
    }
    _public = ("base_url", "number")
    # a 400 may follow a partial send (see the module's docstring); the channel contract in
    # citychan.testing then accepts "unknown"
    ambiguous_4xx: ClassVar[bool] = True

    def __init__(
        self, name: str, base_url: str, number: str, recipients: list[str], ctx: ChannelContext
    ):
        self.name = name
        self.base_url = base_url
        self.number = number
        self.recipients = recipients
        self._ctx = ctx
        self.policy = ApiPolicy("Signal", retry_on_429=False)

    @classmethod
    def from_config(
        cls, name: str, options: Mapping[str, Any], ctx: ChannelContext
    ) -> SignalChannel:
        """Validate the options of ``[channels.NAME]`` and build the channel."""
        base_url = require_https(name, "base_url", str(options.get("base_url", "")))
        number = str(options.get("number", ""))
        if not _NUMBER.match(number):
            raise ChannelConfigError(
                N_("[channels.{name}] number must be in international form like "
                   "+4935915340, not {number!r}").format(name=name, number=number)
            )
        recipients = options.get("recipients") or []
        if not recipients or not all(isinstance(r, str) and r for r in recipients):
            raise ChannelConfigError(
                N_("[channels.{name}] recipients must be a non-empty list of numbers or "
                   "group ids").format(name=name)
            )
        check_recipients(name, recipients)
        return cls(name, base_url, number, list(recipients), ctx)

    def send(self, post: Post) -> Receipt:
        """One ``/v2/send``; the receipt id is Signal's message timestamp. A resend after a
        partial send goes to the recipients it missed alone (``post.recipients``)."""
        recipients = self._recipients_of(post)
        body: dict[str, Any] = {
            "message": post.rendered.text,
            "number": self.number,
            "recipients": recipients,
            "text_mode": "normal",
        }
        if post.image is not None:
            mime = mimetypes.guess_type(post.image.name)[0] or "application/octet-stream"
            data = base64.b64encode(post.image.read_bytes()).decode("ascii")
            body["base64_attachments"] = [f"data:{mime};filename={post.image.name};base64,{data}"]
        response = request(self._ctx, self.policy, "POST", f"{self.base_url}/v2/send", json=body)
        if response.status_code == 400:
            raise self._error_400(response)
        answer = json_of(check(response, self.policy))
        # 0.100: one object; later versions: a list with one result per signal-cli send
        results = answer if isinstance(answer, list) else [answer]
        timestamp = _timestamp(results)
        if timestamp is None:
            raise ChannelError(
                N_("Signal: answer without a message timestamp; the post may have gone out"),
                outcome_known=False,
            )
        failed = _failed_recipients(results)
        if failed:
            raise self._partial(timestamp, failed, recipients)
        return Receipt(remote_id=timestamp)

    def _recipients_of(self, post: Post) -> list[str]:
        """All configured recipients, or those of a resend that are still configured."""
        if not post.recipients:
            return self.recipients
        still = [r for r in self.recipients if r in post.recipients]
        if not still:
            raise ChannelError(
                N_("Signal: none of the recipients to resend to ({join}) is configured in "
                   "[channels.{name}] any more; nothing was sent").format(
                    join=', '.join(post.recipients), name=self.name)
            )
        return still

    def read_back(self, post: Post, since: datetime) -> Receipt | None:
        """Signal cannot be read back. What a partial send recorded is proof, though: a post
        narrowed to the recipients signal-cli reported as not reached is provably missing
        for them (None: ``citychan retry`` resends it to them alone). Anything else: a
        person decides (NotImplementedError)."""
        if post.recipients:
            return None
        raise NotImplementedError("Signal cannot tell who got a message")

    def _error_400(self, response: httpx.Response) -> ChannelError:
        """A 400 is a plain failure only when the server refused before sending."""
        error = error_from_response(response, self.policy)
        body = json_of(response)
        said = body.get("error") if isinstance(body, Mapping) else None
        if isinstance(said, str) and said.startswith(_NOT_SENT):
            return ChannelError(error.message + " (nothing was sent)", status=400)
        return ChannelError(
            error.message + " (signal-cli may have reached some recipients; a person decides)",
            outcome_known=False,
            status=400,
        )

    def _partial(self, timestamp: str, failed: list[_Failed], sent_to: list[str]) -> ChannelError:
        """Some recipients were not reached. If none of those asked was, nothing went out;
        otherwise the outcome is unknown (a resend to all would reach the others twice).
        Where every one missed is a configured number or username, they are ``missed``: a
        resend goes to them alone. A group's members cannot be sent to alone, and a miss
        named by an id not in the config cannot be told apart: a person decides."""
        listed = "; ".join(f"{f.shown}: {_REASONS.get(f.reason, f.reason)}" for f in failed)
        ids = {who for f in failed for who in f.ids}
        group = recipient_kind(sent_to[0]) is RecipientKind.GROUP
        if not group and ids >= set(sent_to):
            return ChannelError(N_("Signal: reached no recipient ({listed})").format(listed=listed))
        missed = tuple(r for r in sent_to if r in ids)
        provable = not group and all(set(f.ids) & set(missed) for f in failed)
        then = ("`citychan retry` resends to them alone" if provable else
                "a resend would reach the others twice, so a person decides")
        return ChannelError(N_("Signal: sent (timestamp {timestamp}) but not to {listed}; "
                               "{then}").format(timestamp=timestamp, listed=listed, then=then),
                            outcome_known=False, missed=missed if provable else ())


def _timestamp(results: list[Any]) -> str | None:
    for result in results:
        if isinstance(result, Mapping) and isinstance(result.get("timestamp"), str | int):
            value = str(result["timestamp"])
            if value and value != "0":
                return value
    return None


@dataclass(frozen=True)
class _Failed:
    """One recipient signal-cli reported as not reached."""

    ids: tuple[str, ...]  # number, username, uuid: whichever the server named
    reason: str

    @property
    def shown(self) -> str:
        return self.ids[0] if self.ids else "?"


def _failed_recipients(results: list[Any]) -> list[_Failed]:
    """Each recipient signal-cli reported as not reached, in the server's order."""
    failed: list[_Failed] = []
    for result in results:
        errors = result.get("errors") if isinstance(result, Mapping) else None
        entries = errors.get("recipients") if isinstance(errors, Mapping) else None
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, Mapping):
                continue
            ids = tuple(str(entry[k]) for k in ("number", "username", "uuid") if entry.get(k))
            failed.append(_Failed(ids, str(entry.get("reason") or "unknown reason")))
    return failed
