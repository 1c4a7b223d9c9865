"""Posts scheduled for later: `post --at` (validate now, keep the plan), `queue`,
`queue cancel`, and `run-due`, which sends what is due (safe from cron every minute)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from citychan import operators
from citychan.api import drafted, lifecycle
from citychan.api.notices import planned, post
from citychan.config import Config
from citychan.delivery.lifecycle import LifeReport
from citychan.errors import CitychanError, ExitCode, RejectedError, UsageError
from citychan.i18n import N_
from citychan.kinds import Kind
from citychan.notices.schedule import due_time
from citychan.store.db import Store
from citychan.store.queue import OPEN_STATES, QueuedPost, QueueState, QueueStore


def schedule(
    path: str | Path,
    config: Config,
    at: str,
    *,
    operator: str | None = None,
    only: Sequence[str] = (),
    force: bool = False,
    env: Mapping[str, str] | None = None,
) -> Scheduled:
    """Check the notice now as it will be sent at ``at`` (quiet hours judged at that time;
    the daily cap and near-duplicates when it is sent) and keep the plan: the file, its
    content hash, the channels, the time, who, and the notice's files (the Markdown file,
    its translations, its picture: what `run-due` sends on a machine where the file is not;
    16 MB at most, as a draft). Refused like a post: exit 2 or 3."""
    env = os.environ if env is None else env
    who = operators.operator(operator)
    now = config.now()
    due = due_time(at, now=now, rules=config.info_rules, tz=config.city.timezone)
    with planned(path, config, only=only, force=force, offline=True, env=dict(env),
                 now=due) as (p, _):
        pass
    if p.message.kind == Kind.WARNING:
        raise UsageError(N_("{name} is a danger warning: it is sent at once with 'citychan "
                            "warn', never scheduled").format(name=p.message.path.name),
                         hint=N_("send it with: citychan warn {path}").format(
                             path=p.message.path))
    p.reject_if_errors()
    channels = tuple(t.name for t in p.targets)
    try:  # run-due may run on another machine: it sends the kept copy there
        files = drafted.files_of(p.message, config.city.languages)
        note = None
    except drafted.NotKept as exc:  # too big to keep, or a picture by an absolute path
        files = ()
        note = N_("{name}: its files are not kept with the scheduled post ({why}); run-due "
                  "sends it only on a machine where the file is").format(
                      name=p.message.path.name, why=exc.reason)
    with Store.open(config.store) as store:
        queue = QueueStore(store)
        same = queue.waiting(p.message.content_hash)
        if same:
            raise UsageError(
                N_("{name} is already scheduled (#{id}, {due})").format(
                    name=p.message.path.name, id=same[0].id,
                    due=f"{_local(same[0], config):%Y-%m-%d %H:%M}"),
                hint=N_("cancel it first: citychan queue cancel {id}").format(id=same[0].id))
        entry = queue.add(str(p.message.path.resolve()), p.message.content_hash,
                          p.message.title, channels, due, force, who, files=files)
    return Scheduled(entry, note)


@dataclass(frozen=True)
class Scheduled:
    """A post put in the queue, and why its files were not kept with it (None: they were)."""

    entry: QueuedPost
    note: str | None = None


def entries(config: Config, *, everything: bool = False) -> list[QueuedPost]:
    """Scheduled posts, the next due first: waiting, being sent, refused or failed (with
    ``everything`` also those sent and cancelled)."""
    if not config.store.exists():
        return []
    with Store.open_for_reading(config.store) as store:
        return QueueStore(store).listed(None if everything else OPEN_STATES)


def cancel(config: Config, ref: str, *, operator: str | None = None) -> QueuedPost:
    """Take a scheduled (or refused, or failed) post off the queue; recorded with who."""
    entry_id, who = _ref(ref), operators.operator(operator)
    with Store.open(config.store) as store:
        queue = QueueStore(store)
        entry = queue.get(entry_id)
        if entry is None:
            raise UsageError(N_("no scheduled post #{id}").format(id=entry_id),
                             hint=N_("see: citychan queue"))
        if entry.state in (QueueState.SENT, QueueState.CANCELLED):
            raise UsageError(N_("#{id} is already {state}").format(
                id=entry_id, state=N_(str(entry.state))), hint=N_("see: citychan queue --all"))
        if entry.state is QueueState.SENDING or not queue.cancel(entry, who):
            raise UsageError(N_("#{id} is being sent right now; it cannot be cancelled").format(
                id=entry_id), hint=N_("see citychan log for its deliveries"))
        done = queue.get(entry_id)
        assert done is not None
        return done


@dataclass(frozen=True)
class DueResult:
    entry: QueuedPost
    state: QueueState
    reason: str | None = None
    report: dict[str, Any] = field(default_factory=dict)
    findings: tuple[dict[str, Any], ...] = ()
    copied: str | None = None  # the file is not here: sent from the queued copy (its hash)

    @property
    def exit_code(self) -> ExitCode:
        return {QueueState.FAILED: ExitCode.DELIVERY,
                QueueState.REFUSED: ExitCode.REJECTED}.get(self.state, ExitCode.OK)

    def as_dict(self) -> dict[str, Any]:
        return {**self.entry.as_dict(), "state": str(self.state), "reason": self.reason,
                "report": self.report, "findings": list(self.findings),
                "queued_copy": self.copied}


def run_due(config: Config, env: Mapping[str, str] | None = None) -> list[DueResult]:
    """Send every post that is due, each under the name of whoever scheduled it. A post
    another run took first is left to it; one whose file changed since, or that the rules
    refuse now, is refused with the reason and stays in the queue. Where the file is not
    on this machine, the copy kept with the entry is sent (its content hash checked)."""
    if not config.store.exists():
        return []
    out: list[DueResult] = []
    with Store.open(config.store) as store:
        queue = QueueStore(store)
        for entry in queue.due(config.now()):
            if not queue.take(entry):
                continue  # another run was first
            result = _send(config, queue, entry, env)
            queue.finish(entry.id, result.state, result.reason)
            out.append(result)
    return out


def _send(config: Config, queue: QueueStore, entry: QueuedPost,
          env: Mapping[str, str] | None) -> DueResult:
    """The file where it is on this machine (a changed one is refused); else the copy kept
    with the entry, sent only when its content hash is the scheduled one."""
    kept = [] if os.path.lexists(entry.path) else queue.files(entry.id)
    if not kept:
        return _post(config, entry, env, entry.path, None)
    with drafted.checked_copy(kept, Path(entry.path).name, entry.message_hash,
                              config.city.languages, Kind.INFO) as (copy, now):
        if now is not None:
            return DueResult(entry, QueueState.REFUSED, N_(
                "the copy of {name} kept with #{id} is not what was scheduled (message {was}, "
                "the copy {now}); nothing was sent").format(
                    name=Path(entry.path).name, id=entry.id, was=entry.message_hash[:12],
                    now=now))
        return replace(_post(config, entry, env, copy, entry.path), copied=entry.message_hash)


def _post(config: Config, entry: QueuedPost, env: Mapping[str, str] | None,
          path: str | Path, shown_as: str | None) -> DueResult:
    try:
        report = post(path, config, only=entry.channels, force=entry.forced, env=env,
                      operator=entry.operator, expect_hash=entry.message_hash,
                      shown_as=shown_as)
    except RejectedError as exc:
        found = tuple(f.as_dict() for f in getattr(exc, "findings", ()))
        return DueResult(entry, QueueState.REFUSED, exc.message, findings=found)
    except CitychanError as exc:
        return DueResult(entry, QueueState.REFUSED, exc.message)
    if report.exit_code == ExitCode.OK:
        return DueResult(entry, QueueState.SENT, None, report.as_dict())
    bad = sorted({r.channel for r in report.results if r.status in ("failed", "unknown")
                  or r.unresolved or r.store_error})
    return DueResult(entry, QueueState.FAILED,
                     f"not delivered to {', '.join(bad)}: run citychan retry", report.as_dict())


@dataclass(frozen=True)
class PartFailure:
    """A part of the minute's run that could not be done at all (the store locked, a
    broken config): its name, the one-line error and its exit code."""

    part: str  # "run-due" or "expire"
    error: str
    hint: str | None
    exit_code: ExitCode

    def as_dict(self) -> dict[str, Any]:
        return {"part": self.part, "error": self.error, "hint": self.hint,
                "exit_code": int(self.exit_code)}


@dataclass
class MinuteRun:
    """What one `citychan run-due` did: the due posts, then the expiry (feeds written
    again, deletions on channels with ``withdraw_on_expiry``), and a part that failed."""

    posts: list[DueResult] = field(default_factory=list)
    expiry: LifeReport | None = None
    feeds_written: list[str] = field(default_factory=list)
    failures: list[PartFailure] = field(default_factory=list)

    @property
    def exit_code(self) -> ExitCode:
        """The worst of the posts', the expiry's and the failed parts' exit codes."""
        codes = [run_exit_code(self.posts), *(f.exit_code for f in self.failures)]
        if self.expiry is not None:
            codes.append(self.expiry.exit_code)
        return max(codes)

    def as_dict(self) -> dict[str, Any]:
        expiry = self.expiry.as_dict() if self.expiry is not None else None
        return {"posts": [r.as_dict() for r in self.posts],
                "expiry": {**(expiry or {}), "feeds_written": self.feeds_written},
                "failures": [f.as_dict() for f in self.failures]}


def run_minute(config: Config, env: Mapping[str, str] | None = None) -> MinuteRun:
    """Everything cron does each minute, in one run: :func:`run_due` (the posts come
    first), then :func:`citychan.api.lifecycle.expire`. A part that fails with an error a
    person can act on is recorded in ``failures`` and the other part still runs; a bug in
    the first part is raised only after the second has run."""
    run = MinuteRun()
    crashed: Exception | None = None

    def posts() -> None:
        run.posts = run_due(config, env)

    def expiry() -> None:
        run.expiry, run.feeds_written = lifecycle.expire(config, env=env)

    for name, part in (("run-due", posts), ("expire", expiry)):
        try:
            part()
        except CitychanError as exc:
            run.failures.append(PartFailure(name, exc.message, exc.hint, exc.exit_code))
        except Exception as exc:  # a bug: shown as one, after the other part had its turn
            crashed = crashed or exc
    if crashed is not None:
        raise crashed
    return run


def run_exit_code(results: Iterable[DueResult]) -> ExitCode:
    """4 when a delivery failed, else 3 when a due post was refused, else 0."""
    codes = [r.exit_code for r in results]
    return max(codes, default=ExitCode.OK)


_REF = re.compile(r"^#?(\d{1,12})$")


def _ref(ref: str) -> int:
    m = _REF.match(ref.strip())
    if m is None:
        raise UsageError(N_("not a queue entry: {ref!r}").format(ref=ref),
                         hint=N_("give its number from: citychan queue"))
    return int(m.group(1))


def _local(entry: QueuedPost, config: Config) -> datetime:
    return entry.due.astimezone(ZoneInfo(config.city.timezone))
