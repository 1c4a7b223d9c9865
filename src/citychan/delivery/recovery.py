"""`citychan retry`: resolve deliveries that failed, whose outcome is unknown, or that never
finished. A failed delivery is known not to have gone out and may be sent again. An unknown
one is first read back where the API allows; it is resent only when provably missing, and
elsewhere a person decides."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from citychan.channels.base import Action as PostAction
from citychan.channels.base import CannotTell, Channel, ChannelError, Post
from citychan.config import Config
from citychan.delivery.clients import open_channels
from citychan.delivery.posts import post_from_json, with_kept_picture
from citychan.delivery.publisher import Publisher, Result, publisher_for
from citychan.delivery.secrets import mask_receipt
from citychan.errors import UsageError
from citychan.i18n import N_
from citychan.notices.target import Target
from citychan.store.db import Store
from citychan.store.deliveries import Claim, Delivery, DeliveryStore, Status


class Action(StrEnum):
    RESENT = "resent"  # sent again
    FOUND = "found"  # read back: it had gone out after all
    LEFT = "left"  # not resent (a person decides, or it cannot be told now)
    DISMISSED = "dismissed"  # closed by a person: it will never go


@dataclass(frozen=True)
class Resolution:
    delivery: Delivery
    action: Action
    status: Status
    detail: str = ""
    declined: bool = False  # left because the person (or nobody, without a terminal) said no

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.delivery.as_dict(),
            "action": str(self.action),
            "new_status": str(self.status),
            "detail": self.detail,
            "declined": self.declined,
        }


Ask = Callable[[Delivery, str], bool]
# called after a post went out again, with its result; returns the result to report (a
# warning's CAP document beside the channel's files is written again through it)
Resent = Callable[[Store, Channel, Post, Result], Result]


def pending(config: Config) -> list[Delivery]:
    """The open deliveries (`retry --list`); a read-only store is read as it is."""
    if not config.store.exists():
        return []
    with Store.open_for_reading(config.store) as store:
        return DeliveryStore(store).unresolved()


def resolve(
    config: Config,
    *,
    ask: Ask,
    env: Mapping[str, str] | None = None,
    resent: Resent | None = None,
) -> list[Resolution]:
    """Work through every unresolved delivery; ``ask`` decides where nothing can be proven.
    ``resent`` follows every post that went out again."""
    env = os.environ if env is None else env
    with Store.open(config.store) as store:
        todo = DeliveryStore(store).unresolved()
        names = {d.channel for d in todo if d.channel in config.channels}
        chosen = [config.channels[n] for n in sorted(names)]
        with open_channels(config, chosen, offline=False, env=env) as channels:
            publisher = publisher_for(config, store, channels, env)
            return [_resolve_one(d, publisher, channels, ask, resent) for d in todo]


def _resolve_one(
    d: Delivery, publisher: Publisher, channels: Mapping[str, Any], ask: Ask,
    resent: Resent | None,
) -> Resolution:
    deliveries = publisher.deliveries
    if d.status is Status.PENDING and publisher.store.owner_alive(d.claim):
        return Resolution(d, Action.LEFT, d.status,
                          "another citychan run is sending it right now; not resent")
    channel = channels.get(d.channel)
    raw = deliveries.post_of(d.id)
    if channel is None or raw is None:
        why = "channel no longer configured" if channel is None else "nothing recorded to resend"
        return Resolution(d, Action.LEFT, d.status, f"{why}; {_dismiss_hint(d)}")
    post = post_from_json(raw)
    # an edit or a deletion whose outcome is unknown is done again: doing it twice does no
    # harm (a correction's follow-up is a post like any other: read back or asked)
    if d.status is not Status.FAILED and post.action is PostAction.SEND:
        found = _read_back(channel, post, d)
        if isinstance(found, ChannelError):  # the API can tell, but did not answer now
            why = publisher.redact(found.message)
            return Resolution(
                d, Action.LEFT, d.status, f"read-back failed, not resent: {why}; run retry later")
        if found is not None and found is not NotImplemented:
            remote_id, url = mask_receipt(found, publisher.redact)
            deliveries.finish(d.id, Status.SENT, remote_id=remote_id, url=url)
            return Resolution(d, Action.FOUND, Status.SENT, url or remote_id or "")
        if found is NotImplemented and not ask(
                d, f"{d.channel} cannot tell whether it arrived"
                + (f" ({d.error})" if d.error else "")):
            return Resolution(d, Action.LEFT, d.status, "cannot be read back; not resent",
                              declined=True)
    elif not ask(d, f"{d.channel} failed: {d.error or ''}" + (
            " (refused for good: resend only once the cause is fixed)" if d.permanent else "")):
        # the same post fails the same way until someone fixes the cause: say how to stop
        why = f"refused for good; not resent: {_dismiss_hint(d)}" if d.permanent else ""
        return Resolution(d, Action.LEFT, d.status, why or "not resent", declined=True)
    caps = channel.capabilities
    target = Target(d.channel, d.channel_type, caps, post.langs, post.rendered)
    # claimed as the list showed it, pending while it is resent: of two retries one resends
    # it; interrupted now, the next retry reads back or asks first instead of resending a
    # "failed" delivery that may have gone out this time
    claim = deliveries.reclaim(d, "being resent by citychan retry")
    if claim.id is None:
        return _not_claimed(d, claim, deliveries)
    with with_kept_picture(publisher.store, d.message_hash, post) as sending:
        result = publisher.send_recorded(target, sending, d.id)
    if resent is not None and result.status is Status.SENT:
        result = resent(publisher.store, channel, post, result)
    return Resolution(
        d, Action.RESENT, result.status, result.url or result.remote_id or result.error or ""
    )


def _dismiss_hint(d: Delivery) -> str:
    return f"close it with: citychan retry --dismiss {d.id} --reason '…'"


# issue 12: closing deliveries that will never go (`retry --dismiss`, `--dismiss-failed`)

_DELIVERY_ID = re.compile(r"^#?(\d{1,12})$")
_HASH_PREFIX = re.compile(r"^[0-9a-f]{6,64}$")


def dismiss(config: Config, refs: Sequence[str], *, by: str, reason: str | None,
            failed: bool = False) -> list[Resolution]:
    """Close open deliveries that will never go, recorded with ``by`` and the reason. REF: a
    delivery id (``12`` or ``#12``, from `log` or `retry --list`) or a message hash prefix
    (its open deliveries). ``failed``: also every failed delivery, and every open one to a
    channel no longer configured. A delivery another run is sending now is left alone."""
    if not config.store.exists():  # nothing was ever sent: and no store made for it
        raise UsageError(N_("nothing to dismiss: nothing was sent yet"),
                         hint=N_("see: citychan log"))
    with Store.open(config.store) as store:
        deliveries = DeliveryStore(store)
        chosen = _chosen(deliveries, refs)
        if failed:
            chosen += [d for d in deliveries.unresolved() if d not in chosen and (
                d.status is Status.FAILED or d.channel not in config.channels)]
        if not chosen:
            raise UsageError(N_("nothing to dismiss: no open delivery matches {refs}").format(
                                 refs=", ".join(refs)) if refs
                             else N_("nothing to dismiss: no open delivery failed"),
                             hint=N_("see: citychan retry --list"))
        return [_dismiss_one(store, deliveries, d, config, by, reason) for d in chosen]


def _chosen(deliveries: DeliveryStore, refs: Sequence[str]) -> list[Delivery]:
    out: list[Delivery] = []
    for ref in refs:
        text = ref.strip().casefold()
        if m := _DELIVERY_ID.match(text):
            found = deliveries.get(int(m.group(1)))
            if found is None:
                raise UsageError(N_("no delivery #{group}").format(
                                     group=m.group(1)), hint=N_("see: citychan log"))
            if found.status not in _OPEN:
                raise UsageError(N_("delivery #{id} is {status}: nothing to dismiss").format(
                                     id=found.id, status=found.status),
                                 hint=N_("only failed, unknown or unfinished deliveries close"))
            matched = [found]
        elif _HASH_PREFIX.match(text):
            matched = [d for d in deliveries.of_message(text) if d.status in _OPEN]
            if not matched:
                raise UsageError(N_("no open delivery of a message {text}…").format(text=text),
                                 hint=N_("see: citychan retry --list"))
        else:
            raise UsageError(N_("not a delivery: {ref!r}").format(ref=ref),
                             hint=N_("give a delivery id (12) or a message hash prefix (6+ hex)"))
        out += [d for d in matched if d not in out]
    return out


_OPEN = (Status.FAILED, Status.UNKNOWN, Status.PENDING)


def _dismiss_one(store: Store, deliveries: DeliveryStore, d: Delivery, config: Config,
                 by: str, reason: str | None) -> Resolution:
    if d.status is Status.PENDING and store.owner_alive(d.claim):
        return Resolution(d, Action.LEFT, d.status,
                          "another citychan run is sending it right now; not dismissed")
    why = reason or _why_never(d, config)
    if not deliveries.dismiss(d, by, why):
        return Resolution(d, Action.LEFT, d.status,
                          "another citychan run handled it meanwhile; not dismissed")
    return Resolution(d, Action.DISMISSED, Status.DISMISSED, f"dismissed by {by}: {why}")


def _why_never(d: Delivery, config: Config) -> str:
    if d.channel not in config.channels:
        return "channel no longer configured"
    if d.permanent:
        return f"refused for good: {d.error or 'no reason given'}"
    return f"{d.status}: {d.error}" if d.error else str(d.status)


def _not_claimed(d: Delivery, claim: Claim, deliveries: DeliveryStore) -> Resolution:
    """Another run was first, or the message went to the channel in another delivery."""
    other = claim.taken or d
    if claim.why == "changed":
        return Resolution(d, Action.LEFT, other.status,
                          f"another citychan run handled it meanwhile (now {other.status}); "
                          "not resent")
    why = f"delivery #{other.id} of the same message to {d.channel} is {other.status}"
    if d.status is Status.FAILED and other.status is Status.SENT:  # nothing left to do
        deliveries.finish(d.id, Status.SKIPPED, error=f"not resent: {why}")
        return Resolution(d, Action.LEFT, Status.SKIPPED, f"{why}; not resent")
    return Resolution(d, Action.LEFT, d.status, f"{why}; not resent")


def _read_back(channel: Any, post: Any, d: Delivery) -> Any:
    """Receipt if provably there, None if provably missing, NotImplemented if the API cannot
    tell (it has no way to look, or its answer does not say: a person decides), the
    ChannelError if it could but did not (a 500, no network): that one is never a reason
    to resend."""
    read_back = getattr(channel, "read_back", None)
    if read_back is None:
        return NotImplemented
    try:
        return read_back(post, d.created - timedelta(minutes=5))
    except (NotImplementedError, CannotTell):
        return NotImplemented
    except ChannelError as exc:
        return exc
