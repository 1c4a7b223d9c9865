"""A post's life after it went out: corrected, withdrawn, expired.

Each channel the notice went to gets one step: an edit or a deletion in place where the
channel can (``Capabilities.can_edit`` / ``can_delete``) and the config lets it
(``on_correction``), else a short follow-up post ("Korrektur: …", "Zurückgezogen: …"). A post
past the channel's deletion window (``Capabilities.delete_within``: Telegram's 48 hours) is
edited to the withdrawal notice instead of deleted. Every
step is a delivery related to the original, claimed before its first attempt and sent through
the publisher like a post, so the same never-twice rules hold: one live correction per original
and content, an unknown outcome stays open for `citychan retry`, which repeats an edit or a
deletion (both are safe to repeat) and asks before it resends a follow-up."""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from citychan import clock
from citychan.channels.base import Action, Capabilities, Channel, Dialect, Post, idempotency_key
from citychan.config import ChannelConfig, OnCorrection
from citychan.delivery.posts import post_from_json, post_to_json
from citychan.delivery.publisher import Publisher, Result
from citychan.errors import ExitCode
from citychan.i18n import N_
from citychan.kinds import Kind
from citychan.notices.target import Target
from citychan.render.types import Rendered
from citychan.store.deliveries import Delivery, DeliveryStore, Status


class Purpose(StrEnum):
    CORRECTION = "correction"
    WITHDRAWAL = "withdrawal"
    EXPIRY = "expiry"  # deleted because the notice's expires: passed (withdraw_on_expiry)


@dataclass(frozen=True)
class Step:
    """What one channel gets: ``post`` (an edit, a deletion or a follow-up), or nothing and
    ``reason``."""

    original: Delivery
    how: str  # edit, delete, follow-up, notice, skip
    target: Target | None = None
    post: Post | None = None
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"channel": self.original.channel, "type": self.original.channel_type,
                "how": self.how, "original": self.original.id,
                "remote_id": self.original.remote_id, "reason": self.reason,
                "text": self.post.rendered.text if self.post else None,
                "title": self.post.rendered.title if self.post else None}


@dataclass
class LifeReport:
    """The result of a correction, withdrawal or expiry run: one row per channel."""

    purpose: Purpose
    message_hash: str  # the original notice
    title: str
    steps: list[Step] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    dry_run: bool = False

    @property
    def exit_code(self) -> ExitCode:
        bad = {Status.FAILED, Status.UNKNOWN}
        return (ExitCode.DELIVERY if any(r.status in bad or r.unresolved for r in self.results)
                else ExitCode.OK)

    def how(self, channel: str) -> str:
        return next((s.how for s in self.steps if s.original.channel == channel), "")

    def as_dict(self) -> dict[str, Any]:
        return {"purpose": str(self.purpose), "message": self.message_hash, "title": self.title,
                "dry_run": self.dry_run, "steps": [s.as_dict() for s in self.steps],
                "results": [{**r.as_dict(), "how": self.how(r.channel)} for r in self.results]}


# --- what each channel gets --------------------------------------------------------------


def correction_steps(
    deliveries: DeliveryStore, message_hash: str, targets: Mapping[str, Target],
    configs: Mapping[str, ChannelConfig], new: Post, now: datetime,
) -> list[Step]:
    """One step per channel the notice went to. ``targets``: the corrected notice rendered
    for each channel; ``new``: its common fields (title, link, image, expires)."""
    steps = []
    for d in deliveries.originals(message_hash):
        cc, target = configs.get(d.channel), targets.get(d.channel)
        why = _not_changeable(d, cc is not None)
        if not why and target is None:
            why = "the corrected notice is not for this channel (see preview)"
        if why or cc is None or target is None:
            steps.append(Step(d, "skip", reason=why))
            continue
        if cc.on_correction is OnCorrection.SKIP:
            steps.append(Step(d, "skip", reason="on_correction = \"skip\""))
            continue
        old = deliveries.post_of(d.id)
        changed = what_changed(post_from_json(old).rendered if old else None, target.rendered)
        caps = target.capabilities
        if cc.on_correction is OnCorrection.EDIT and caps.can_edit and d.remote_id:
            post = _post(new, target, Action.EDIT, d.remote_id, changed, now)
            steps.append(Step(d, "edit", target, post))
            continue
        title = f"Korrektur: {new.title}"
        lines = [changed or "Der Text wurde berichtigt."] + ([new.link] if new.link else [])
        rendered = short_notice(caps.dialect, title, lines)
        follow = Target(d.channel, d.channel_type, caps, target.langs, rendered)
        post = _post(new, follow, Action.SEND, None, changed, now, title=title)
        steps.append(Step(d, "follow-up", follow, post))
    return steps


def current_title(deliveries: DeliveryStore, d: Delivery) -> str:
    """The notice's title as readers last saw it on ``d``'s channel: the latest correction
    that went out, else the original's."""
    corrected = [r for r in deliveries.related(d.id)
                 if r.purpose == str(Purpose.CORRECTION) and r.status is Status.SENT]
    return corrected[-1].title if corrected else d.title


def withdrawal_steps(
    deliveries: DeliveryStore, message_hash: str, caps: Mapping[str, Capabilities],
    reason: str, now: datetime, purpose: Purpose = Purpose.WITHDRAWAL,
    only: frozenset[str] | None = None,
) -> list[Step]:
    """One step per channel the notice went to: deleted where the channel can, elsewhere a
    short withdrawal notice (an expiry deletes only, and only on ``only``)."""
    steps = []
    for d in deliveries.originals(message_hash):
        if only is not None and d.channel not in only:
            continue
        c = caps.get(d.channel)
        why = _not_changeable(d, c is not None)
        if why or c is None:
            steps.append(Step(d, "skip", reason=why))
            continue
        raw = deliveries.post_of(d.id)
        old = post_from_json(raw) if raw else None
        title = f"Zurückgezogen: {current_title(deliveries, d)}"
        rendered = short_notice(c.dialect, title, [reason])
        target = Target(d.channel, d.channel_type, c, old.langs if old else ("de",), rendered)
        base = Post(message_id=message_hash, channel=d.channel, kind=Kind(d.kind), title=title,
                    rendered=rendered, langs=target.langs)
        if c.can_delete and d.remote_id and c.can_edit and _too_old(c, d.created, now):
            steps.append(edit_instead(d, target, base, old, reason, now, N_(
                "sent {hours} h ago: {type} deletes only posts younger than {limit} h, so it "
                "is edited to say it was withdrawn").format(
                    hours=int((now - d.created).total_seconds() // 3600),
                    type=d.channel_type, limit=_hours(c.delete_within))))
        elif c.can_delete and d.remote_id:
            steps.append(Step(d, "delete", target,
                              _post(base, target, Action.DELETE, d.remote_id, reason, now)))
        elif purpose is Purpose.EXPIRY:
            steps.append(Step(d, "skip", reason="cannot delete here"))
        else:
            steps.append(Step(d, "notice", target,
                              _post(base, target, Action.SEND, None, reason, now)))
    return steps


def _too_old(caps: Capabilities, sent: datetime, now: datetime) -> bool:
    """Whether the post sent at ``sent`` is past the channel's deletion window."""
    return caps.delete_within is not None and now - sent >= caps.delete_within


def _hours(span: timedelta | None) -> int:
    return int(span.total_seconds() // 3600) if span else 0


def edit_instead(d: Delivery, target: Target, base: Post, old: Post | None, reason: str,
                 now: datetime, why: str) -> Step:
    """The post ``d`` edited to the withdrawal notice (``target``'s text), where it can no
    longer be deleted: a photo keeps its picture and gets the notice as its caption."""
    photo = replace(base, image=old.image if old else None)
    return Step(d, "edit", target, _post(photo, target, Action.EDIT, d.remote_id, reason, now),
                reason=why)


def _not_changeable(d: Delivery, configured: bool) -> str:
    """Why the post to ``d.channel`` cannot be changed now; "" if it can."""
    if not configured:
        return "channel no longer configured"
    if d.status is Status.SENT:
        return ""
    if d.status is Status.FAILED or d.status is Status.SKIPPED:
        return f"the notice did not go out here ({d.status}); nothing to change"
    return (f"the outcome of delivery #{d.id} is {d.status}: run 'citychan retry' first, "
            "then correct or withdraw again")


def _post(base: Post, target: Target, action: Action, replaces: str | None, note: str,
          now: datetime, title: str | None = None) -> Post:
    return Post(message_id=base.message_id, channel=target.name, kind=base.kind,
                title=title or base.title, rendered=target.rendered, langs=target.langs,
                link=base.link, summary=base.summary,
                image=base.image if action is Action.EDIT and target.capabilities.images
                else None,
                image_alt=base.image_alt, tags=base.tags, sent=now, action=action,
                replaces=replaces, expires=base.expires, note=note or None)


# --- running the steps ---------------------------------------------------------------------


def carry_out(publisher: Publisher, purpose: Purpose, steps: list[Step]) -> list[Result]:
    """Claim and send each step (one after the other: a handful of channels); a step whose
    correction or withdrawal is live already is skipped, naming that delivery. A deletion
    the service refuses because the post is too old (Telegram's "message can't be
    deleted") is followed by an edit to the withdrawal notice, which takes its place in
    ``steps``: both are recorded."""
    results = []
    for i, step in enumerate(steps):
        result = _carry_out_one(publisher, purpose, step)
        instead = _after_refusal(publisher, step, result)
        if instead is not None:
            steps[i] = instead
            refused = result
            result = _carry_out_one(publisher, purpose, instead)
            if result.status is Status.SENT and refused.delivery_id is not None:
                # the refusal stays on record, settled: `retry` has nothing left to do
                publisher.deliveries.finish(
                    refused.delivery_id, Status.SKIPPED, attempts=refused.attempts,
                    error=f"{refused.error}; edited instead: delivery #{result.delivery_id}")
        results.append(result)
    return results


def _after_refusal(publisher: Publisher, step: Step, result: Result) -> Step | None:
    """The edit to do where ``step`` was a deletion refused as too old; else None."""
    if step.how != "delete" or step.post is None or step.target is None:
        return None
    caps = step.target.capabilities
    refused = caps.delete_refused and caps.delete_refused in (result.error or "")
    if result.status is not Status.FAILED or not refused or not caps.can_edit:
        return None
    raw = publisher.deliveries.post_of(step.original.id)
    old = post_from_json(raw) if raw else None
    why = N_("{type} refused to delete it ({refused}): edited to say it was withdrawn").format(
        type=step.original.channel_type, refused=caps.delete_refused)
    return edit_instead(step.original, step.target, step.post, old, step.post.note or "",
                        step.post.sent or clock.utcnow(), why)


def _carry_out_one(publisher: Publisher, purpose: Purpose, step: Step) -> Result:
    d = step.original
    if step.post is None or step.target is None:
        return Result(d.channel, d.channel_type, Status.SKIPPED, error=step.reason)
    made: list[Post] = []
    post = step.post

    def prepare(did: int) -> tuple[str, str]:
        key = idempotency_key(post.message_id, f"{purpose}:{post.channel}", did)
        made.append(replace(post, idempotency_key=key))
        return key, post_to_json(made[0])

    claim = publisher.deliveries.claim_related(d, str(purpose), post.message_id,
                                               str(post.action), step.target.rendered.text,
                                               prepare, operator=publisher.operator)
    if claim.id is None:
        prev = claim.taken
        assert prev is not None
        return Result(d.channel, d.channel_type, Status.SKIPPED, prev.remote_id, prev.url,
                      f"already done: delivery #{prev.id} is {prev.status}", prev.id,
                      unresolved=prev.status is not Status.SENT)
    return publisher.send_recorded(step.target, made[0], claim.id)


def expired_notices(deliveries: DeliveryStore, now: datetime) -> list[str]:
    """The notices whose ``expires:`` has passed at ``now``."""
    return [h for h, when in deliveries.expiries().items() if when <= now]


def expiry_steps(deliveries: DeliveryStore, channels: Mapping[str, Channel],
                 configs: Mapping[str, ChannelConfig], now: datetime) -> list[Step]:
    """Deletions of expired notices on the channels with ``withdraw_on_expiry`` that can
    delete, not done yet; nothing elsewhere."""
    chosen = frozenset(n for n, cc in configs.items()
                       if cc.withdraw_on_expiry and n in channels
                       and channels[n].capabilities.can_delete)
    caps = {n: channels[n].capabilities for n in chosen}
    steps = []
    for message_hash in expired_notices(deliveries, now):
        for step in withdrawal_steps(deliveries, message_hash, caps, "abgelaufen", now,
                                     Purpose.EXPIRY, chosen):
            done = [r for r in deliveries.related(step.original.id)
                    if r.purpose in (Purpose.EXPIRY, Purpose.WITHDRAWAL)
                    and r.action in (Action.DELETE, Action.EDIT) and r.status is Status.SENT]
            if step.post is not None and not done:
                steps.append(step)
    return steps


# --- the texts of follow-ups ---------------------------------------------------------------

_TAG = re.compile(r"<[^>]+>")


def _plain(rendered: Rendered | None) -> str:
    if rendered is None:
        return ""
    text = rendered.text
    if rendered.dialect is Dialect.TELEGRAM or rendered.dialect is Dialect.FEED:
        text = html.unescape(_TAG.sub("", text))
    return ((rendered.title or "") + "\n" + text).strip()


def what_changed(old: Rendered | None, new: Rendered, most: int = 3) -> str:
    """The changed words in German quotation marks: „12.12.“ → „13.12.“; "" if nothing
    changed or the old text is not known."""
    if old is None:
        return ""
    a, b = _plain(old).split(), _plain(new).split()
    parts = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        was, now = _clip(" ".join(a[i1:i2])), _clip(" ".join(b[j1:j2]))
        if op == "replace":
            parts.append(f"„{was}“ → „{now}“")
        elif op == "insert":
            parts.append(f"neu: „{now}“")
        elif op == "delete":
            parts.append(f"entfällt: „{was}“")
    more = f" (und {len(parts) - most} weitere Änderungen)" if len(parts) > most else ""
    return "; ".join(parts[:most]) + more


def _clip(text: str, most: int = 60) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


def short_notice(dialect: Dialect, title: str, lines: list[str]) -> Rendered:
    """A short follow-up (correction or withdrawal) in the channel's dialect: its title and
    a line or two, escaped where the dialect is HTML."""
    lines = [ln for ln in lines if ln]
    plain = "\n".join([title, *lines])
    esc = html.escape
    if dialect is Dialect.TELEGRAM:
        return Rendered(dialect, "\n".join([f"<b>{esc(title)}</b>", *map(esc, lines)]))
    if dialect is Dialect.WHATSAPP:
        return Rendered(dialect, "\n".join([f"*{title}*", *lines]))
    if dialect in (Dialect.MATRIX, Dialect.EMAIL, Dialect.FEED):
        body = "".join(f"<p>{esc(ln)}</p>" for ln in lines)
        if dialect is Dialect.MATRIX:
            return Rendered(dialect, plain, f"<p><strong>{esc(title)}</strong></p>{body}")
        text = "\n".join(lines) if dialect is Dialect.FEED else plain
        return Rendered(dialect, text, body, title=title)
    if dialect is Dialect.NTFY:
        return Rendered(dialect, "\n".join(lines) or title, title=title)
    return Rendered(dialect, plain)
