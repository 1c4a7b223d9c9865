"""`citychan warn`, `warn update` and `warn allclear`: build the warning, check it, write its
CAP 1.2 document, deliver it to every channel (updates and the all-clear to exactly the
channels the original went to) and record the incident."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from citychan import alerts, operators
from citychan.alerts import CapStatus, MsgType, Warning
from citychan.config import ChannelConfig, Config
from citychan.delivery.clients import broken_reasons, open_channels
from citychan.delivery.publisher import Report, Result, publisher_for
from citychan.errors import ExitCode, UsageError
from citychan.findings import Finding, error, has_errors
from citychan.i18n import N_
from citychan.kinds import Kind, Level
from citychan.notices.message import load_message
from citychan.notices.plan import plan, select
from citychan.store.db import Store
from citychan.store.deliveries import Status
from citychan.warn.cap_files import (
    beside_channels,
    cap_file_name,
    cap_targets,
    commit,
    discard,
    stage,
    write_cap,
)
from citychan.warn.incidents import (
    load_incident,
    mark_feeds,
    record,
    refuse_if_open,
    refuse_unchanged,
    release,
    reserve,
    still_valid,
)
from citychan.warn.languages import (
    check_languages,
    only_languages,
    per_language,
    relax_missing,
    with_instructions,
)
from citychan.warn.preview import WarnPreview, fold_review, preview_of

Confirm = Callable[[WarnPreview], bool]


@dataclass(frozen=True)
class WarnInput:
    """What the duty officer gave: a file, a template, or flags (any combination of them)."""

    file: Path | None = None
    template: str | None = None
    level: Level | None = None  # parsed at the edge (the CLI, a file's front matter)
    event: str | None = None
    headline: str | None = None
    description: str | None = None
    instruction: str | None = None
    area: str | None = None
    expires: str | None = None
    details: str | None = None
    status: CapStatus = CapStatus.ACTUAL  # Exercise / Test with --exercise / --test
    # language -> {"area" | "details" | "instruction": text}: --area-hsb, --area hsb:TEXT
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    only_langs: tuple[str, ...] = ()  # --only-lang: send in these languages only
    separate: bool = False  # --new: a new incident even while a matching one is open
    repeat: bool = False  # --repeat: an update that changes nothing, sent on purpose
    operator: str | None = None  # --by: who sends it (default: the login name)
    time: str | None = None  # a template's {time}, e.g. when a defusal starts (--time)


def build(inp: WarnInput, config: Config, now: datetime) -> Warning:
    """A new warning from a file, a template or flags (its incident id as generated or as
    the file names it; ``reserve`` makes it unique in the store)."""
    return _build(inp, config, now)[0]


def _build(inp: WarnInput, config: Config, now: datetime) -> tuple[Warning, bool]:
    """The warning, and whether its incident id was named in the file."""
    check_languages(inp.translations, inp.only_langs, config.alerts.languages)
    w, explicit = _texts(inp, config, now)
    w = with_instructions(w, inp.translations)
    return (only_languages(w, inp.only_langs) if inp.only_langs else w), explicit


def _texts(inp: WarnInput, config: Config, now: datetime) -> tuple[Warning, bool]:
    tz, cfg = config.city.timezone, config.alerts
    if inp.file is not None and inp.translations:
        lang = next(iter(inp.translations))
        raise UsageError(N_("a warning file has its {lang} texts in its {lang} sibling "
                            "file").format(lang=lang),
                         hint=N_("write them in NAME.{lang}.md beside the file, and leave "
                                 "out the --…-{lang} options").format(lang=lang))
    if inp.file is not None:
        msg = load_message(inp.file, config.city.languages, kind=Kind.WARNING)
        w = alerts.from_message(msg, now=now, alerts=cfg, tz=tz)
        if inp.level:
            w = replace(w, level=inp.level)
        if inp.expires:  # --expires over the file's own (a draft keeps its resolved expiry)
            w = replace(w, expires=alerts.parse_when(inp.expires, base=w.effective, tz=tz))
        explicit = bool(str(msg.meta.get("incident") or "").strip())
        return (alerts.mark(w, inp.status) if inp.status != CapStatus.ACTUAL else w), explicit
    if not inp.level:
        raise UsageError(N_("a warning needs --level low|medium|high"))
    if not inp.area:
        raise UsageError(
            N_("a warning needs --area"),
            hint=N_('e.g. --area "Spreeufer zwischen Friedensbrücke und Kronprinzenbrücke"'),
        )
    w = alerts.from_flags(
        level=inp.level,
        area=per_language(inp.area, inp.translations, "area") or "",
        now=now,
        event=inp.event,
        headline=inp.headline,
        description=inp.description,
        instruction=inp.instruction,
        expires=inp.expires,
        template=inp.template,
        details=per_language(inp.details, inp.translations, "details"),
        time=inp.time,
        alerts=cfg,
        tz=tz,
        status=inp.status,
    )
    return w, False


def build_update(
    incident_id: str, inp: WarnInput, config: Config, store: Store, now: datetime
) -> tuple[Warning, tuple[str, ...]]:
    """The CAP Update of an incident. It starts from the latest message (texts in every
    language, area, expiry) and changes only what is given; a file or a template gives
    new texts altogether."""
    incident, messages = load_incident(store, incident_id)
    if incident.closed is not None:
        raise UsageError(N_("incident '{incident_id}' was given the all-clear already").format(
                             incident_id=incident_id))
    original, latest = messages[0], messages[-1]
    _same_status(inp.status, original, incident_id)
    check_languages(inp.translations, (), config.alerts.languages)
    if inp.file is not None or inp.template:
        new = _replacement(inp, latest, config, now)
    else:
        new = alerts.revise(
            latest,
            now=now,
            level=inp.level,
            event=inp.event,
            area=per_language(inp.area, inp.translations, "area"),
            headline=inp.headline,
            description=inp.description,
            instruction=per_language(inp.instruction, inp.translations, "instruction"),
            details=per_language(inp.details, inp.translations, "details"),
            expires=inp.expires,
            tz=config.city.timezone,
            presets=config.alerts.areas,
        )
    refuse_unchanged(incident, latest, new, inp.repeat)
    w = alerts.update(
        original,
        new,
        now=now,
        still_valid=still_valid(messages, now),
        level=inp.level,
        history=messages,
    )
    return w, incident.channels


def _same_status(status: CapStatus, original: Warning, incident_id: str) -> None:
    """--exercise/--test on a follow-up must match the incident: its status never changes."""
    if status != CapStatus.ACTUAL and status != original.status:
        raise UsageError(
            N_("incident '{incident_id}' is {value}, not {value2}: follow-ups keep the "
               "status of the original").format(
                incident_id=incident_id, value=original.status.value.lower(),
                value2=status.value.lower()),
            hint=N_("leave out --exercise/--test"),
        )


def _replacement(inp: WarnInput, latest: Warning, config: Config, now: datetime) -> Warning:
    """New texts from a file or a template; level, area and expiry default to the latest
    message's."""
    status = latest.status
    if inp.file is not None:
        w = build(replace(inp, status=status), config, now)
        return w if w.level is not None else replace(w, level=latest.level)
    return alerts.from_flags(
        level=inp.level or latest.level or "",
        area=inp.area or latest.area,
        now=now,
        event=inp.event,
        headline=inp.headline,
        description=inp.description,
        instruction=inp.instruction,
        expires=inp.expires or latest.expires,
        template=inp.template,
        details=inp.details,
        time=inp.time,
        alerts=config.alerts,
        tz=config.city.timezone,
        status=status,
        incident=latest.incident,
    )


def build_allclear(
    incident_id: str,
    details: str | None,
    config: Config,
    store: Store,
    now: datetime,
    status: CapStatus = CapStatus.ACTUAL,
) -> tuple[Warning, tuple[str, ...]]:
    incident, messages = load_incident(store, incident_id)
    if incident.closed is not None:
        raise UsageError(N_("incident '{incident_id}' was given the all-clear already").format(
                             incident_id=incident_id))
    _same_status(status, messages[0], incident_id)
    latest = messages[-1]
    # Free text is in the primary language; never copied into the Sorbian info.
    extra = {latest.langs[0]: details} if details and latest.langs else None
    w = alerts.allclear(
        messages[0],
        still_valid(messages, now),
        now=now,
        details=extra,
        history=messages,
        current=messages[-1],
        templates=config.alerts.templates,
    )
    return w, incident.channels


@dataclass
class WarnReport(Report):
    incident: str = ""
    identifier: str = ""
    msg_type: MsgType = MsgType.ALERT
    cap_files: list[str] | None = None
    preview: WarnPreview | None = None  # what goes out: CAP summary, channels, texts

    @property
    def exit_code(self) -> ExitCode:
        """A dry run with rule errors is 3 (it would be refused); else as any report."""
        return ExitCode.REJECTED if has_errors(self.findings) else super().exit_code

    def as_dict(self) -> dict[str, Any]:
        return {
            **super().as_dict(),
            "incident": self.incident,
            "identifier": self.identifier,
            "msg_type": str(self.msg_type),
            "cap_files": self.cap_files or [],
            **(self.preview.as_dict() if self.preview else {}),
        }


def _channels_for(
    config: Config, names: tuple[str, ...] | None, message: Any, only: tuple[str, ...]
) -> tuple[list[ChannelConfig], list[Result]]:
    """New warnings: every enabled channel (or --channel). Follow-ups: exactly the channels
    the original went to, even if the config has changed since."""
    if names is None:
        return select(config, message, only), []
    chosen, gone = [], []
    for name in names:
        cc = config.channels.get(name)
        if cc is None:
            gone.append(
                Result(
                    name,
                    "",
                    Status.FAILED,
                    error="channel no longer configured; the original went here",
                )
            )
        else:
            chosen.append(replace(cc, enabled=True, kinds=tuple({*cc.kinds, Kind.WARNING})))
    return chosen, gone


def deliver(
    w: Warning,
    config: Config,
    *,
    store: Store | None,
    channel_names: tuple[str, ...] | None = None,
    only: tuple[str, ...] = (),
    cap_out: Path | str | None = None,
    confirm: Confirm | None = None,
    on_event: Callable[[str, str, str], None] | None = None,
    env: Mapping[str, str] | None = None,
    now: datetime,
    only_langs: tuple[str, ...] = (),
    repeat: bool = False,
    operator: str | None = None,
) -> WarnReport:
    """Check, confirm, record, write CAP, deliver, and write CAP beside the outbox and feed
    channels it went out to. ``store=None`` is a dry run: the same plan, shown instead of
    sent (it writes only the ``--cap-out`` file). A channel that cannot start (a missing
    secret, a broken table) fails alone; every other channel gets the warning."""
    env = os.environ if env is None else env
    alerts.cap_sender(w, config.alerts)  # a real warning without a CAP sender: exit 2 first
    findings = relax_missing(alerts.check_warning(w, config.alerts, now=now), only_langs,
                             config.alerts.languages)
    message = alerts.warning_to_message(w, link=config.alerts.web)
    chosen, gone = _channels_for(config, channel_names, message, only)
    with open_channels(config, chosen, offline=store is None, env=env, alone=True) as channels:
        p = plan(config, message, channels, chosen, now=now)
        p.findings = fold_review(_dedupe(findings + p.findings))
        if not p.targets and not gone:
            p.findings.append(
                error(
                    "CC401",
                    "no channel takes warnings",
                    hint="check 'kinds' in the [channels.*] tables",
                )
            )
        preview = preview_of(w, p, broken_reasons(channels))
        report = WarnReport(
            message.content_hash,
            message.title,
            Kind.WARNING,
            findings=p.findings,
            dry_run=store is None,
            incident=w.incident,
            identifier=w.identifier,
            msg_type=w.msg_type,
            preview=preview,
        )
        if store is None:
            return _dry_run(report, w, config, cap_out, gone)
        p.reject_if_errors()
        cap = alerts.to_cap_xml(w, config.alerts, config.city)
        targets = cap_targets(w, config, cap_out, archive=True)  # checked up front
        if confirm is not None and not confirm(preview):
            raise UsageError(N_("not confirmed; nothing was sent"))
        # CAP files only for a warning that goes out: written after the confirmation, and put in
        # place once the store holds the message (its identifier is then taken, never reused).
        staged = stage(cap, targets)
        try:
            record(
                store, w, [t.name for t in p.targets] + [g.channel for g in gone],
                message.content_hash, cap, repeat=repeat,
            )  # before sending: a crash still leaves the incident's channels
        except BaseException:
            discard(staged)
            raise
        report.cap_files = commit(staged)
        name = cap_file_name(w)
        sent = publisher_for(config, store, channels, env, on_event,
                             operator=operator).publish(
            p, level=w.level, cap_file=name
        )
        results = beside_channels(store, channels, sent.results, cap, name, message.content_hash)
        mark_feeds(channels, results, w, repeat)
        report.results = results + gone
        return report


def _dry_run(report: WarnReport, w: Warning, config: Config, cap_out: Path | str | None,
             gone: list[Result]) -> WarnReport:
    """What the warning would do: the channels that cannot start as failed, and the
    ``--cap-out`` file of a warning that passes the rules."""
    assert report.preview is not None
    report.results = [Result(f.name, "", Status.FAILED, error=f.reason)
                      for f in report.preview.failing] + gone
    if not has_errors(report.findings):
        cap = alerts.to_cap_xml(w, config.alerts, config.city)
        report.cap_files = write_cap(cap, cap_targets(w, config, cap_out, archive=False))
    return report


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in findings:
        key = (f.code, f.message, f.channel)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def run(
    mode: Literal["new", "update", "allclear"],
    inp: WarnInput,
    config: Config,
    *,
    incident: str | None,
    only: tuple[str, ...],
    cap_out: Path | str | None,
    dry_run: bool,
    confirm: Confirm | None,
    on_event: Callable[[str, str, str], None] | None,
    env: Mapping[str, str] | None = None,
) -> WarnReport:
    """One of: a new warning, an update of an incident, the all-clear of an incident."""
    now = config.now()
    operator = operators.operator(inp.operator)  # --by, checked, else the login name
    if mode != "new" and not config.store.exists():
        raise UsageError(N_("unknown incident '{incident}': no warning was recorded yet")
                         .format(incident=incident))
    if mode == "new" and dry_run:  # a dry run of a new warning never creates the store
        w = build(inp, config, now)
        if not inp.separate:
            refuse_if_open(config, w, now)
        return deliver(w, config, store=None, only=only, cap_out=cap_out, now=now, env=env,
                       only_langs=inp.only_langs)
    with Store.open(config.store) as store:
        names: tuple[str, ...] | None = None
        if mode == "new":
            w, explicit = _build(inp, config, now)
            # before the confirmation: one id per run, none beside a matching open incident
            w = reserve(store, w, explicit, now=now, separate=inp.separate)
        elif mode == "update":
            w, names = build_update(str(incident), inp, config, store, now)
        else:
            w, names = build_allclear(str(incident), inp.details, config, store, now, inp.status)
        try:
            return deliver(
                w,
                config,
                store=None if dry_run else store,
                channel_names=names,
                only=only,
                cap_out=cap_out,
                confirm=confirm,
                on_event=on_event,
                now=now,
                env=env,
                only_langs=inp.only_langs,
                repeat=inp.repeat and mode == "update",
                operator=operator,
            )
        finally:
            if mode == "new":  # recorded, its incident keeps the id; else nobody needs it
                release(store, w.incident)
