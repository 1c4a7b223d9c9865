"""What a warning will look like before it goes out: the CAP summary, the channel list and,
per channel, the very text the plan rendered for it (the one the publisher sends). A dry
run, `citychan preview` of a warning file and the confirmation all read this one value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from citychan.alerts import CapStatus, MsgType, Warning, level_info
from citychan.alerts.cap import cap_scale
from citychan.alerts.rules import REVIEW_CODE
from citychan.findings import Finding, warning
from citychan.i18n import N_
from citychan.notices.target import Plan, Skip, Target

# The words a German duty officer reads in the confirmation: no CAP English.
MSG_TYPE_DE: Mapping[MsgType, str] = {
    MsgType.ALERT: "Warnung", MsgType.UPDATE: "Aktualisierung", MsgType.CANCEL: "Entwarnung"}
STATUS_DE: Mapping[CapStatus, str] = {
    CapStatus.ACTUAL: "Ernstfall", CapStatus.EXERCISE: "Übung", CapStatus.TEST: "Test"}


@dataclass(frozen=True)
class CapSummary:
    """The CAP message in one glance: what a reader of the CAP file sees first."""

    identifier: str
    msg_type: MsgType
    status: CapStatus
    event: str
    level: str | None
    level_label: str  # the primary language's label ("Gefahr"), or the all-clear's
    severity: str
    urgency: str
    certainty: str
    area: Mapping[str, str]  # per language
    expires: datetime | None
    langs: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "identifier": self.identifier, "msg_type": str(self.msg_type),
            "status": str(self.status), "event": self.event, "level": self.level,
            "severity": self.severity, "urgency": self.urgency, "certainty": self.certainty,
            "area": dict(self.area),
            "expires": self.expires.isoformat() if self.expires else None,
            "langs": list(self.langs),
        }


def cap_summary(w: Warning) -> CapSummary:
    scale = cap_scale(w) if w.level is not None or w.msg_type is MsgType.CANCEL else None
    severity, urgency, certainty = (str(x) for x in scale) if scale else ("", "", "")
    primary = w.langs[0] if w.langs else "de"
    label = (MSG_TYPE_DE[MsgType.CANCEL] if w.msg_type is MsgType.CANCEL
             else level_info(w.level).label(primary) if w.level is not None else "")
    return CapSummary(
        identifier=w.identifier, msg_type=w.msg_type, status=w.status, event=w.event,
        level=str(w.level) if w.level is not None else None, level_label=label,
        severity=severity, urgency=urgency, certainty=certainty,
        area={lang: w.area.description(lang) for lang in w.langs}, expires=w.expires,
        langs=w.langs)


@dataclass(frozen=True)
class Failing:
    """A channel that cannot start (missing secret, broken table): it fails alone."""

    name: str
    reason: str


@dataclass(frozen=True)
class WarnPreview:
    """Everything the duty officer must see before a warning goes out."""

    warning: Warning
    cap: CapSummary
    targets: tuple[Target, ...]  # exactly what each channel gets
    failing: tuple[Failing, ...] = ()
    skipped: tuple[Skip, ...] = ()
    findings: tuple[Finding, ...] = field(default=())

    @property
    def channels(self) -> tuple[str, ...]:
        """Every channel the warning goes to, the failing ones included."""
        return tuple(t.name for t in self.targets) + tuple(f.name for f in self.failing)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cap": self.cap.as_dict(),
            "channels": list(self.channels),
            "targets": [t.as_dict() for t in self.targets],
            "failing": [{"channel": f.name, "reason": f.reason} for f in self.failing],
            "skipped": [{"channel": s.name, "reason": s.reason} for s in self.skipped],
        }


def preview_of(w: Warning, plan: Plan, broken: Mapping[str, str]) -> WarnPreview:
    """The plan's targets as they go out; a channel that cannot start is listed as failing
    instead of with a text it would never send."""
    return WarnPreview(
        warning=w, cap=cap_summary(w),
        targets=tuple(t for t in plan.targets if t.name not in broken),
        failing=tuple(Failing(t.name, broken[t.name]) for t in plan.targets
                      if t.name in broken),
        skipped=tuple(plan.skipped), findings=tuple(plan.findings))


def fold_review(findings: list[Finding]) -> list[Finding]:
    """CC409 once: one short line with the count of the parts no native speaker has checked
    (`citychan check FILE` names them); a line per language on every warning is noise the
    duty officer learns to skip."""
    review = [f for f in findings if f.code == REVIEW_CODE]
    if not review:
        return findings
    langs = [f.message.split(":", 1)[0] for f in review]
    parts = sum(len(f.message.split(_REVIEWED, 1)[-1].split(", ")) for f in review)
    folded = warning(REVIEW_CODE, N_("{parts} text part(s) in {langs} not yet checked by a "
                                     "native speaker").format(parts=parts, langs=", ".join(langs)))
    first = findings.index(review[0])
    others = [f for f in findings if f.code != REVIEW_CODE]
    return others[:first] + [folded] + others[first:]


_REVIEWED = "native speaker: "  # check_review's message: "<lang>: … speaker: part, part"
