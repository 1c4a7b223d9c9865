"""Warnings held for a second operator (issue 15): where ``[review] required_for`` names
``warning``, `citychan warn …` (new, update, all-clear) is checked as its dry run checks it
and kept as a draft: the request as data (its relative times resolved to absolute ones, an
update's or all-clear's incident resolved to its id), what it would send per channel (the
dry run's texts and CAP summary), the request's content hash (and the file's), the author.
Approval sends the stored request through the normal warn path under the approver's name;
what can no longer be sent as drafted (the file changed, the expiry passed, the incident was
cleared, the same warning is out already) is refused then. A warning drafted from a file
keeps the file (and its translations) with the draft: approved where the file is not, the
drafted copy is sent (``api.drafted``). `api.review` drives the steps."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from citychan import operators
from citychan.alerts import CapStatus, Level, parse_when
from citychan.api import drafted
from citychan.config import Config
from citychan.errors import CitychanError, RejectedError, UsageError
from citychan.findings import Severity, has_errors
from citychan.i18n import N_
from citychan.kinds import Kind
from citychan.notices.message import load_message
from citychan.store.db import Store
from citychan.store.drafts import Draft, DraftFile, DraftStore
from citychan.warn.service import Confirm, WarnInput, WarnReport, run

Mode = Literal["new", "update", "allclear"]
MODES: tuple[Mode, ...] = ("new", "update", "allclear")


@dataclass(frozen=True)
class Request:
    """A `citychan warn …` as it is kept in a draft, and sent again at approval."""

    mode: Mode
    inp: WarnInput
    incident: str | None  # update / all-clear: the incident's id, resolved at draft time
    only: tuple[str, ...]  # --channel of a new warning
    cap_out: str | None  # --cap-out, an absolute path: written when it goes out
    file_hash: str | None  # the warning file's content hash as drafted
    expires: datetime | None  # the warning's expiry as drafted (None: the all-clear)

    def as_dict(self) -> dict[str, Any]:
        i = self.inp
        return {
            "mode": self.mode, "incident": self.incident, "only": list(self.only),
            "cap_out": self.cap_out, "file_hash": self.file_hash,
            "expires_at": self.expires.isoformat() if self.expires else None,
            "input": {
                "file": str(i.file) if i.file is not None else None,
                "template": i.template, "level": str(i.level) if i.level else None,
                "event": i.event, "headline": i.headline, "description": i.description,
                "instruction": i.instruction, "area": i.area, "expires": i.expires,
                "details": i.details, "status": str(i.status),
                "translations": {lang: dict(t) for lang, t in i.translations.items()},
                "only_langs": list(i.only_langs), "separate": i.separate,
                "repeat": i.repeat, "time": i.time,
            },
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Request:
        i = d["input"]
        inp = WarnInput(
            file=Path(i["file"]) if i["file"] else None, template=i["template"],
            level=Level(i["level"]) if i["level"] else None, event=i["event"],
            headline=i["headline"], description=i["description"],
            instruction=i["instruction"], area=i["area"], expires=i["expires"],
            details=i["details"], status=CapStatus(i["status"]),
            translations=i["translations"], only_langs=tuple(i["only_langs"]),
            separate=bool(i["separate"]), repeat=bool(i["repeat"]), time=i["time"])
        return cls(mode=_mode(d["mode"]), inp=inp, incident=d["incident"], only=tuple(d["only"]),
                   cap_out=d["cap_out"], file_hash=d["file_hash"],
                   expires=datetime.fromisoformat(d["expires_at"]) if d["expires_at"]
                   else None)


def draft(given_mode: str, inp: WarnInput, config: Config, *, incident: str | None,
          only: tuple[str, ...] = (), cap_out: str | None = None,
          env: Mapping[str, str] | None = None) -> tuple[Draft, WarnReport]:
    """Check the warning as its dry run does (refused alike: exit 2, or 3 with the rule
    errors) and keep it for review; nothing is sent, no incident opened, no CAP written.
    The same request already waiting for review is refused (exit 2)."""
    who = operators.operator(inp.operator)
    mode = _mode(given_mode)
    report = _dry_run(mode, inp, config, incident, only, env)
    given = _hash(mode, inp, incident, only, cap_out, config)  # as typed: the same twice is one
    if has_errors(report.findings):
        errors = [f for f in report.findings if f.severity == Severity.ERROR]
        exc = RejectedError(N_("{count} rule error(s); the warning was not held for review: "
                               "{code} {message}").format(count=len(errors), code=errors[0].code,
                                                          message=errors[0].message),
                            hint=errors[0].hint)
        exc.findings = report.findings  # type: ignore[attr-defined]
        raise exc
    assert report.preview is not None
    req = _resolved(mode, inp, config, report, only, cap_out)
    files: tuple[DraftFile, ...] = ()
    if req.inp.file is not None:
        files = drafted.files_of(load_message(req.inp.file, config.city.languages,
                                              kind=Kind.WARNING), config.city.languages)
    with Store.open(config.store) as store:
        drafts = DraftStore(store)
        made = drafts.add(
            kind=Kind.WARNING, path=str(req.inp.file or ""), message_hash=given,
            title=report.title, channels=report.preview.channels,
            plan={**report.preview.as_dict(), "request": req.as_dict(),
                  "findings": [f.as_dict() for f in report.findings]},
            due=None, forced=False, author=who, files=files)
        if made is None:
            (same, *_) = drafts.waiting(given)
            raise UsageError(N_("this warning is already waiting for review ({ref}, drafted "
                                "by {author})").format(ref=same.ref, author=same.author),
                             hint=N_("see: citychan review show {ref}").format(ref=same.ref))
    return made, report


def request_of(d: Draft) -> Request:
    return Request.from_dict(d.plan["request"])


@contextmanager
def source(drafts: DraftStore, config: Config, d: Draft) -> Iterator[drafted.Source]:
    """The warning file where it is on this machine, else its copy kept with ``d``."""
    req = request_of(d)
    with drafted.source(drafts, d, req.inp.file, req.file_hash, config.city.languages,
                        Kind.WARNING) as src:
        yield src


def problem(config: Config, d: Draft, env: Mapping[str, str] | None = None,
            src: drafted.Source | None = None) -> tuple[str | None, WarnReport | None]:
    """Why ``d`` can no longer be sent as drafted (or None), and its dry run now; the file
    read from ``src`` (see ``source``) when given."""
    req = _from(request_of(d), src)
    if src is not None and src.problem is not None:
        return src.problem, None
    if req.inp.file is not None:
        name = req.inp.file.name
        try:
            now_hash = load_message(req.inp.file, config.city.languages,
                                    kind=Kind.WARNING).content_hash
        except CitychanError as exc:
            return N_("{name} cannot be read any more ({error}); nothing was sent").format(
                name=name, error=exc.message), None
        if now_hash != req.file_hash:
            return N_("{name} changed since it was drafted as {ref} (was message {was}, now "
                      "{now}); nothing was sent").format(
                name=name, ref=d.ref, was=(req.file_hash or "")[:12], now=now_hash[:12]), None
    now = config.now()
    if req.expires is not None and req.expires <= now:
        return N_("the warning drafted as {ref} expired at {when}; nothing was sent").format(
            ref=d.ref, when=f"{req.expires.astimezone(now.tzinfo):%d.%m.%Y %H:%M}"), None
    try:
        return None, _dry_run(req.mode, req.inp, config, req.incident, req.only, env)
    except UsageError as exc:  # cleared meanwhile; the same warning is out already; …
        return N_("{ref} can no longer be sent as drafted: {error}; nothing was "
                  "sent").format(ref=d.ref, error=exc.message), None


def send(config: Config, d: Draft, *, operator: str, confirm: Confirm | None,
         env: Mapping[str, str] | None = None, src: drafted.Source | None = None
         ) -> WarnReport:
    """The stored request through the normal warn path, sent under ``operator``'s name (the
    file read from ``src`` when given)."""
    req = _from(request_of(d), src)
    inp = replace(req.inp, operator=operator)
    return run(req.mode, inp, config, incident=req.incident, only=req.only,
               cap_out=req.cap_out, dry_run=False, confirm=confirm, on_event=None, env=env)


def _from(req: Request, src: drafted.Source | None) -> Request:
    """``req`` with its file read from the drafted copy, where that is what ``src`` is."""
    if src is None or not src.copied or src.path is None:
        return req
    return replace(req, inp=replace(req.inp, file=src.path))


def _mode(text: str) -> Mode:
    for mode in MODES:
        if text == mode:
            return mode
    raise ValueError(f"not a warn mode: {text!r}")


def _dry_run(mode: Mode, inp: WarnInput, config: Config, incident: str | None,
             only: tuple[str, ...], env: Mapping[str, str] | None) -> WarnReport:
    return run(mode, inp, config, incident=incident, only=only, cap_out=None, dry_run=True,
               confirm=None, on_event=None, env=env)  # as `warn --dry-run` sees the channels


def _resolved(mode: Mode, inp: WarnInput, config: Config, report: WarnReport,
              only: tuple[str, ...], cap_out: str | None) -> Request:
    """The request with what depends on the moment fixed: the expiry (``6h``, a level's
    default lifetime) and a template's ``--time`` as absolute times, the incident's id."""
    assert report.preview is not None
    expires = report.preview.cap.expires if mode != "allclear" else None
    time = (parse_when(inp.time, base=config.now(), tz=config.city.timezone).isoformat()
            if inp.time and inp.time.strip() else inp.time)
    file = inp.file.resolve() if inp.file is not None else None
    fixed = replace(inp, file=file, time=time, operator=None,
                    expires=expires.isoformat() if expires is not None else inp.expires)
    file_hash = (load_message(file, config.city.languages, kind=Kind.WARNING).content_hash
                 if file is not None else None)
    if cap_out:  # absolute: the approver may run citychan in another folder
        folder = cap_out.endswith(("/", os.sep))
        cap_out = str(Path(cap_out).resolve()) + (os.sep if folder else "")
    return Request(mode=mode, inp=fixed, incident=report.incident if mode != "new" else None,
                   only=only, cap_out=cap_out, file_hash=file_hash, expires=expires)


def _hash(mode: Mode, inp: WarnInput, incident: str | None, only: tuple[str, ...],
          cap_out: str | None, config: Config) -> str:
    """The request as given (a file by its content): the same command twice is one draft."""
    req = Request(mode=mode, inp=replace(inp, operator=None), incident=incident, only=only,
                  cap_out=cap_out, file_hash=None, expires=None).as_dict()
    if inp.file is not None:
        req["input"]["file"] = str(inp.file.resolve())
        req["file_hash"] = load_message(inp.file, config.city.languages,
                                        kind=Kind.WARNING).content_hash
    text = json.dumps({"warning": req}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()
