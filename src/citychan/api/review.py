"""A second pair of eyes (issue 15): with ``[review] required_for``, `citychan post FILE`
drafts the notice instead of sending it; another operator looks at exactly what would go out
(`review show`), then approves it (sent through the normal post path, or scheduled when the
draft has ``--at``) or rejects it with a reason. Warnings are held only when the city names
them (`citychan warn …` is then a draft, see ``api.warn_drafts``); `warn --urgent --reason
…` goes out at once past review, the reason recorded. A draft keeps its notice's files:
approved on a machine where the file is not, the drafted copy is sent (``api.drafted``)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citychan import operators
from citychan.api import drafted, warn_drafts
from citychan.api.notices import planned, post
from citychan.config import Config
from citychan.delivery.publisher import Report
from citychan.errors import CitychanError, StoreError, UsageError
from citychan.i18n import N_
from citychan.kinds import Kind
from citychan.notices.message import load_message
from citychan.notices.schedule import due_time
from citychan.notices.target import Plan
from citychan.store.db import Store
from citychan.store.drafts import OPEN_STATES, Draft, DraftState, DraftStore
from citychan.store.queue import QueuedPost, QueueStore
from citychan.warn.service import Confirm, WarnReport

draft_warning = warn_drafts.draft  # `citychan warn …` where warnings wait for review

__all__ = ["Approval", "Draft", "DraftState", "Shown", "approve", "draft", "draft_warning",
           "entries", "events", "holds", "holds_info", "holds_warnings", "reject", "show",
           "urgent"]


def holds(config: Config, kind: Kind) -> bool:
    """Whether a notice of ``kind`` waits for a second operator in this city."""
    return config.review.holds(kind)


def holds_info(config: Config) -> bool:
    """Whether `citychan post` drafts instead of sending."""
    return holds(config, Kind.INFO)


def holds_warnings(config: Config) -> bool:
    """Whether `citychan warn` drafts instead of sending (unless --urgent)."""
    return holds(config, Kind.WARNING)


def draft(
    path: str | Path,
    config: Config,
    *,
    at: str | None = None,
    operator: str | None = None,
    only: Sequence[str] = (),
    force: bool = False,
    env: Mapping[str, str] | None = None,
) -> Draft:
    """Check the notice as `post` would (at ``at`` when given) and keep it for review: the
    file, its content hash, the rendered plan, the channels, who. Nothing is sent. Refused
    like a post (exit 2 or 3); a notice already waiting for review is refused (exit 2)."""
    env = os.environ if env is None else env
    who = operators.operator(operator)
    now = config.now()
    due = (due_time(at, now=now, rules=config.info_rules, tz=config.city.timezone)
           if at is not None else None)
    with planned(path, config, only=only, force=force, offline=True, env=dict(env),
                 now=due or now) as (p, _):
        pass
    if p.message.kind == Kind.WARNING:
        raise UsageError(N_("{name} is a danger warning: 'citychan post' sends information "
                            "only").format(name=p.message.path.name),
                         hint=N_("send it with: citychan warn {path}").format(
                             path=p.message.path))
    p.reject_if_errors()
    files = drafted.files_of(p.message, config.city.languages)
    with Store.open(config.store) as store:
        made = DraftStore(store).add(
            kind=Kind.INFO, path=str(p.message.path.resolve()),
            message_hash=p.message.content_hash, title=p.message.title,
            channels=tuple(t.name for t in p.targets), plan=p.as_dict(), due=due,
            forced=force, author=who, files=files)
        if made is None:
            (same, *_) = DraftStore(store).waiting(p.message.content_hash)
            raise UsageError(N_("{name} is already waiting for review ({ref}, drafted by "
                                "{author})").format(name=p.message.path.name, ref=same.ref,
                                                    author=same.author),
                             hint=N_("see: citychan review show {ref}").format(ref=same.ref))
        return made


def entries(config: Config, *, everything: bool = False) -> list[Draft]:
    """Drafts waiting for review, the oldest first (``everything``: decided ones too)."""
    if not config.store.exists():
        return []
    with Store.open_for_reading(config.store) as store:
        return DraftStore(store).listed(None if everything else OPEN_STATES)


def events(config: Config, limit: int = 20) -> list[dict[str, Any]]:
    """The latest review steps, newest first, for `citychan log`: who drafted, approved,
    rejected or bypassed review, and when."""
    if not config.store.exists():
        return []
    with Store.open_for_reading(config.store) as store:
        try:
            return [d.as_dict() for d in DraftStore(store).recent(limit)]
        except StoreError:
            return []  # a read-only store of an older citychan has no drafts yet


@dataclass(frozen=True)
class Shown:
    """`review show`: the draft, what it would send now (the plan rendered from the file as
    it is; a warning's dry run), or why it cannot be approved as it stands (``problem``)."""

    draft: Draft
    plan: Plan | None
    problem: str | None
    warning: WarnReport | None = None  # a warning draft: its dry run now
    copied: str | None = None  # the file is not here: the drafted copy's content hash

    def as_dict(self) -> dict[str, Any]:
        now = (self.plan.as_dict() if self.plan else
               self.warning.as_dict() if self.warning else None)
        return {"draft": self.draft.as_dict(plan=True), "problem": self.problem, "now": now,
                "drafted_copy": self.copied}


def show(config: Config, ref: str, env: Mapping[str, str] | None = None) -> Shown:
    """Exactly what approving ``ref`` would send per channel: the file rendered now, as long
    as it is what was drafted; else the plan as drafted and the reason approval would fail.
    Where the file is not on this machine, its copy kept with the draft is shown."""
    found = _get(config, ref)
    with Store.open_for_reading(config.store) as store, \
            _source(DraftStore(store), config, found) as src:
        if found.kind == Kind.WARNING:
            problem, report = warn_drafts.problem(config, found, env, src)
            return Shown(found, None, problem, report, copied=_copied(found, src))
        problem = _changed(config, found, src)
        if problem is not None:
            return Shown(found, None, problem, copied=_copied(found, src))
        assert src.path is not None
        with planned(src.path, config, only=found.channels, force=found.forced, offline=True,
                     env={} if env is None else dict(env), now=found.due,
                     shown_as=found.path) as (p, _):
            return Shown(found, p, None, copied=_copied(found, src))


@dataclass(frozen=True)
class Approval:
    draft: Draft
    report: Report | None = None  # sent now (a warning: its WarnReport)
    queued: QueuedPost | None = None  # scheduled: it has --at
    copied: str | None = None  # the file is not here: the drafted copy's content hash

    def as_dict(self) -> dict[str, Any]:
        return {"draft": self.draft.as_dict(),
                "report": self.report.as_dict() if self.report else None,
                "scheduled": self.queued.as_dict() if self.queued else None,
                "drafted_copy": self.copied}


def approve(config: Config, ref: str, *, operator: str | None = None,
            env: Mapping[str, str] | None = None, confirm: Confirm | None = None) -> Approval:
    """Another operator approves ``ref``: it is sent through the normal post path (never
    twice, quiet hours, the daily cap and near-duplicates apply), or scheduled when it has
    ``--at``; a warning through the normal warn path (``confirm`` asked as `warn` asks it),
    the approver its operator. The author cannot approve it (exit 2); a file changed since
    it was drafted is refused, recorded with the reason (exit 2), as is a warning whose
    expiry passed, whose incident was cleared or that is out already; rules that refuse it
    now, or a confirmation not given, leave it pending. Where the file is not on this
    machine, the copy kept with the draft goes out (its content hash checked)."""
    who = operators.operator(operator)
    with Store.open(config.store) as store:
        drafts = DraftStore(store)
        seen = _get_in(drafts, ref)
        if seen.author == who:
            raise UsageError(N_("{ref} was drafted by {who}: another operator must approve "
                                "it").format(ref=seen.ref, who=who),
                             hint=N_("ask a colleague to run, under their own login: "
                                     "citychan review approve {ref}").format(ref=seen.ref))
        _open_or_fail(store, seen)
        claim = drafts.take(seen, who)
        if claim is None:
            _open_or_fail(store, _get_in(drafts, ref))
            raise UsageError(N_("{ref} is being approved by someone else right now").format(
                ref=seen.ref))
        with ExitStack() as stack:
            try:
                src = stack.enter_context(_source(drafts, config, seen))
            except BaseException:
                drafts.release(seen.id, claim)  # the copy could not be read: still waiting
                raise
            return _approve(config, store, seen, claim, src, who, env, confirm)
    raise AssertionError("unreachable")


def _approve(config: Config, store: Store, seen: Draft, claim: str, src: drafted.Source,
             who: str, env: Mapping[str, str] | None, confirm: Confirm | None) -> Approval:
    drafts = DraftStore(store)
    warning = seen.kind == Kind.WARNING
    problem = (warn_drafts.problem(config, seen, env, src)[0] if warning
               else _changed(config, seen, src))
    if problem is not None:
        drafts.finish(seen.id, claim, DraftState.REFUSED, reason=problem)
        raise UsageError(problem, hint=N_("check it, then send it again: citychan warn …")
                         if warning else N_("check the file, then draft it again: "
                                            "citychan post FILE"))
    try:
        if warning:
            report: Report = warn_drafts.send(config, seen, operator=who, confirm=confirm,
                                              env=env, src=src)
        elif seen.due is not None and seen.due > config.now():
            queued = _schedule(store, seen, who)
            done = drafts.finish(seen.id, claim, DraftState.APPROVED,
                                 outcome=f"scheduled #{queued.id}")
            return Approval(done, queued=queued, copied=_copied(seen, src))
        else:
            assert src.path is not None
            report = post(src.path, config, only=seen.channels, force=seen.forced, env=env,
                          operator=who, expect_hash=seen.message_hash, shown_as=seen.path)
    except BaseException:
        drafts.release(seen.id, claim)  # not approved after all: still waiting
        raise
    done = drafts.finish(seen.id, claim, DraftState.APPROVED, outcome=_outcome(report))
    return Approval(done, report=report, copied=_copied(seen, src))


def reject(config: Config, ref: str, reason: str | None, *,
           operator: str | None = None) -> Draft:
    """Reject a pending draft, with who and why; nothing is sent. Its author may withdraw
    it this way, too."""
    who, why = operators.operator(operator), operators.reason(reason)
    if why is None:
        raise UsageError(N_("review reject needs --reason"),
                         hint=N_("say why, e.g. --reason 'the date is wrong'"))
    with Store.open(config.store) as store:
        drafts = DraftStore(store)
        seen = _get_in(drafts, ref)
        _open_or_fail(store, seen)
        if seen.state is DraftState.APPROVING or not drafts.reject(seen, who, why):
            raise UsageError(N_("{ref} is being approved right now; it cannot be "
                                "rejected").format(ref=seen.ref))
        done = drafts.get(seen.id)
        assert done is not None
        return done


def urgent(config: Config, *, asked: bool, reason: str | None, dry_run: bool,
           what: str) -> Draft | None:
    """The urgent bypass of `citychan warn`. Where warnings are held for review
    (``required_for`` names ``warning``), ``--urgent --reason …`` sends one at once past
    review, recorded (who, when, why) before anything is sent; without it the warning is
    drafted (``draft_warning``). Without review of warnings, ``--urgent`` changes nothing."""
    why = operators.reason(reason)
    if asked and why is None:
        raise UsageError(N_("--urgent needs --reason"), hint=N_(
            "say why it cannot wait for a second operator, e.g. --reason 'flood, river rising'"))
    if why is not None and not asked:
        raise UsageError(N_("--reason is for --urgent"),
                         hint=N_("leave it out, or add --urgent"))
    if dry_run or not holds(config, Kind.WARNING) or not asked or why is None:
        return None
    with Store.open(config.store) as store:
        return DraftStore(store).record_urgent(title=what, author=operators.current(),
                                               reason=why)


_REF = re.compile(r"^(?:d|#)?(\d{1,12})$", re.IGNORECASE)


def _number(ref: str) -> int:
    m = _REF.match(ref.strip())
    if m is None:
        raise UsageError(N_("not a draft: {ref!r}").format(ref=ref),
                         hint=N_("give its ref from: citychan review"))
    return int(m.group(1))


def _get(config: Config, ref: str) -> Draft:
    number = _number(ref)
    if not config.store.exists():
        raise UsageError(N_("no draft d{number}").format(number=number),
                         hint=N_("see: citychan review"))
    with Store.open_for_reading(config.store) as store:
        return _get_in(DraftStore(store), ref)


def _get_in(drafts: DraftStore, ref: str) -> Draft:
    number = _number(ref)
    found = drafts.get(number)
    if found is None or found.state is DraftState.URGENT:  # a record, not a draft
        raise UsageError(N_("no draft d{number}").format(number=number),
                         hint=N_("see: citychan review --all"))
    return found


def _open_or_fail(store: Store, seen: Draft) -> None:
    """A draft that can still be decided: pending, or left approving by a run that is gone."""
    if seen.state is DraftState.PENDING:
        return
    if seen.state is DraftState.APPROVING:
        if not store.owner_alive(seen.claim):
            return
        raise UsageError(N_("{ref} is being approved by {who} right now").format(
            ref=seen.ref, who=seen.reviewer), hint=N_("see: citychan review --all"))
    done = (N_("{ref} is already {state} by {who}") if seen.reviewer
            else N_("{ref} is already {state}"))
    raise UsageError(done.format(ref=seen.ref, state=N_(str(seen.state)), who=seen.reviewer),
                     hint=N_("see: citychan review --all"))


def _source(drafts: DraftStore, config: Config, seen: Draft) -> Any:
    """Where ``seen``'s notice is read from now (see ``drafted.source``)."""
    if seen.kind == Kind.WARNING:
        return warn_drafts.source(drafts, config, seen)
    return drafted.source(drafts, seen, seen.path, seen.message_hash, config.city.languages,
                          Kind.INFO)


def _copied(seen: Draft, src: drafted.Source) -> str | None:
    """The content hash of the drafted copy read instead of the file, or None."""
    if not src.copied:
        return None
    return (warn_drafts.request_of(seen).file_hash if seen.kind == Kind.WARNING
            else seen.message_hash)


def _changed(config: Config, seen: Draft, src: drafted.Source) -> str | None:
    """Why the file is no longer what was drafted, or None."""
    if src.problem is not None:
        return src.problem
    name = Path(seen.path).name
    try:
        now_hash = load_message(src.path or seen.path, config.city.languages).content_hash
    except CitychanError as exc:
        return N_("{name} cannot be read any more ({error}); nothing was sent").format(
            name=name, error=exc.message)
    if now_hash != seen.message_hash:
        return N_("{name} changed since it was drafted as {ref} (was message {was}, now "
                  "{now}); nothing was sent").format(name=name, ref=seen.ref,
                                                     was=seen.message_hash[:12],
                                                     now=now_hash[:12])
    return None


def _schedule(store: Store, seen: Draft, who: str) -> QueuedPost:
    assert seen.due is not None
    queue = QueueStore(store)
    same = queue.waiting(seen.message_hash)
    if same:
        raise UsageError(N_("{name} is already scheduled (#{id})").format(
            name=Path(seen.path).name, id=same[0].id),
            hint=N_("cancel it first: citychan queue cancel {id}").format(id=same[0].id))
    # the drafted copy goes along: `run-due` may run where the file is not
    return queue.add(seen.path, seen.message_hash, seen.title, seen.channels, seen.due,
                     seen.forced, who, files=DraftStore(store).files(seen.id))


def _outcome(report: Report) -> str:
    bad = sorted({r.channel for r in report.results if r.status in ("failed", "unknown")
                  or r.unresolved or r.store_error})
    return f"sent; not delivered to {', '.join(bad)}: run citychan retry" if bad else "sent"
