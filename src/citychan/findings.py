"""Findings: what the rules say about a message. Codes are stable; tools may match on them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from citychan.i18n import language, localize


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"  # says how an input was read; never blocks, never asks for a change


# code -> short name. Never renumber: scripts and docs refer to these.
CODES: dict[str, str] = {
    "CC001": "unknown-key",
    "CC002": "bad-field",
    "CC003": "missing-translation",
    "CC004": "image-without-alt",
    "CC005": "image-missing",
    "CC006": "image-unusable",
    "CC007": "image-outside-folder",
    "CC009": "template-blank",  # issue 14 (setup): a ‹part› of a template not filled in
    "CC101": "too-long",
    "CC102": "summary-fallback",
    "CC104": "no-channel",
    "CC105": "language-not-tagged",
    "CC106": "channel-setup",  # issue 10 (gw): what a channel's config lacks (WAHA's API key)
    "CC201": "info-sounds-like-warning",
    "CC202": "link-domain-not-allowed",
    "CC203": "tracking-parameters-removed",
    "CC204": "bad-link",
    "CC301": "quiet-hours",
    "CC302": "daily-cap",
    "CC303": "forced",
    "CC304": "near-duplicate",
    "CC401": "warning-field-missing",
    "CC402": "warning-headline",
    "CC403": "warning-instruction",
    "CC404": "warning-expired",
    "CC405": "warning-text-order",
    "CC406": "warning-short-text",
    "CC407": "cell-broadcast",
    "CC408": "warning-level",
    "CC409": "translation-needs-review",
    "CC410": "warning-placeholder",
    "CC411": "input-read-as",
    "CC420": "warning-area-unplaced",
    # issue 14 (writing): help while writing
    "CC008": "unknown-language",
    "CC205": "date-read-as-list",
    "CC206": "not-a-warning",  # CC201 overridden by `not_a_warning:` in the front matter
}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    channel: str | None = None
    hint: str | None = None

    @property
    def name(self) -> str:
        return CODES.get(self.code, "")

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["severity"] = str(self.severity)
        d["name"] = self.name
        # the English message stays (scripts and the store read it, like the code); the
        # interface's language beside it when that is not English
        if language() != "en":
            d["message_localized"] = localize(self.message)
            d["hint_localized"] = localize(self.hint)
        return d


def error(
    code: str, message: str, *, channel: str | None = None, hint: str | None = None
) -> Finding:
    return Finding(code, Severity.ERROR, message, channel, hint)


def warning(
    code: str, message: str, *, channel: str | None = None, hint: str | None = None
) -> Finding:
    return Finding(code, Severity.WARNING, message, channel, hint)


def info(
    code: str, message: str, *, channel: str | None = None, hint: str | None = None
) -> Finding:
    return Finding(code, Severity.INFO, message, channel, hint)


def has_errors(findings: list[Finding] | tuple[Finding, ...]) -> bool:
    return any(f.severity == Severity.ERROR for f in findings)
