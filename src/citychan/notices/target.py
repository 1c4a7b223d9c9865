"""What a plan is: the targets a message goes to (each rendered for its channel, with the
length the rules judged), the channels skipped and why, and every finding. Plain values that
the delivery layer reads; :mod:`citychan.notices.plan` makes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from citychan.channels.base import Capabilities, LangPart, Length, Rendered
from citychan.errors import ExitCode, RejectedError
from citychan.findings import Finding, Severity, has_errors
from citychan.i18n import N_
from citychan.notices.message import Message


@dataclass(frozen=True)
class Target:
    """One channel that gets the message: rendered for it, and the length the rules judged
    (preview and the results show this figure; nobody measures again)."""

    name: str
    type: str
    capabilities: Capabilities
    langs: tuple[str, ...]
    rendered: Rendered
    summary_used: bool = False
    length: Length | None = None  # None only for a target rebuilt from a recorded delivery

    def as_dict(self) -> dict[str, Any]:
        caps, length = self.capabilities, self.length
        return {
            "channel": self.name,
            "type": self.type,
            "dialect": str(caps.dialect),
            "langs": list(self.langs),
            "title": self.rendered.title,
            "title_field": caps.title_field,  # the title goes out in a field of its own
            "text": self.rendered.text,
            "html": self.rendered.html,
            "length": length.size if length else None,  # what the rules judged
            "limit": length.limit if length else None,  # with an image: the caption limit
            "unit": str(caps.length_unit),
            "over": length.over if length else False,
            "summary_used": self.summary_used,
        }


@dataclass(frozen=True)
class Skip:
    name: str
    reason: str


@dataclass
class Plan:
    message: Message
    targets: list[Target] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    parts: tuple[LangPart, ...] = ()  # every language apart (the webhook's payload)

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)

    @property
    def exit_code(self) -> ExitCode:
        """0, or 3 when the rules found errors (nothing would be sent)."""
        return ExitCode.OK if self.ok else ExitCode.REJECTED

    def reject_if_errors(self) -> None:
        """Raise RejectedError (exit 3) when the rules found errors: nothing is sent then."""
        if not self.ok:
            errors = [f for f in self.findings if f.severity == Severity.ERROR]
            exc = RejectedError(
                N_("{n_errors} rule error(s); nothing was sent: {code} {message}").format(
                    n_errors=len(errors), code=errors[0].code, message=errors[0].message),
                hint=errors[0].hint,
            )
            exc.findings = self.findings  # type: ignore[attr-defined]
            raise exc

    def as_dict(self) -> dict[str, Any]:
        return {
            "message": self.message.content_hash,
            "title": self.message.title,
            "kind": self.message.kind,
            "targets": [t.as_dict() for t in self.targets],
            "skipped": [{"channel": s.name, "reason": s.reason} for s in self.skipped],
            "findings": [f.as_dict() for f in self.findings],
        }
