"""How a warning looks before it goes out: the dry run (`warn --dry-run`, `preview` of a
warning file) on stdout and the confirmation on stderr. Both draw the one WarnPreview the
library made from the plan the publisher sends: per channel the very text, its length
against the limit, the CAP summary and the channels. The warning is German, so is this
(no CAP English such as "Alert" where the duty officer decides)."""

from __future__ import annotations

from typing import Any

import typer

from citychan.cli.views import (
    err_console,
    esc,
    findings_table,
    out_console,
    plain,
    styled,
    target_panel,
)
from citychan.i18n import gettext, localize

_ = gettext


def _when(dt: Any) -> str:
    return f"{dt:%d.%m.%Y, %H:%M} Uhr" if dt is not None else "—"


def _headline(preview: Any) -> str:
    """"Warnung · Gefahr · Hochwasser (Übung)": what kind of message, in German."""
    from citychan.api.warnings import MSG_TYPE_DE, STATUS_DE

    cap, w = preview.cap, preview.warning
    parts = [MSG_TYPE_DE[cap.msg_type]]
    if cap.level_label and cap.level_label != parts[0]:
        parts.append(cap.level_label)
    parts.append(w.event_name(w.langs[0]) if w.langs else cap.event)
    status = f" ({STATUS_DE[cap.status]})" if str(cap.status) != "Actual" else ""
    return " · ".join(parts) + status


def _summary(preview: Any, console: Any) -> None:
    """Kind, area, expiry and channels: the lines a duty officer checks first."""
    cap = preview.cap
    lines = [styled("bold red", _headline(preview))]
    lines += [f"  Gebiet ({esc(lang)}): {esc(area)}" for lang, area in cap.area.items()]
    lines.append(f"  Gültig bis: {esc(_when(cap.expires))}")
    names = [t.name + (" (Kurzfassung)" if t.summary_used else "") for t in preview.targets]
    lines.append(f"  Kanäle: {esc(', '.join(names) or 'keiner')}")
    lines += ["  " + styled("red", f"Kanal {f.name} fällt aus: {localize(f.reason)}")
              for f in preview.failing]
    lines += ["  " + styled("dim", f"{s.name}: übersprungen — {localize(s.reason)}")
              for s in preview.skipped]
    for line in lines:
        console.print(line, soft_wrap=True)


def _cap_line(cap: Any) -> str:
    scale = " / ".join(x for x in (cap.severity, cap.urgency, cap.certainty) if x)
    return (f"  CAP: {esc(cap.identifier)} · msgType {esc(cap.msg_type)} · "
            f"{esc(cap.status)} · {esc(scale)}")


def warn_plan(rep: Any) -> None:
    """Summary, CAP, every channel's text as sent, the findings: the dry run without its
    verdict (`review show` of a warning draft shows this, too)."""
    from rich.console import Console

    preview = rep.preview
    console = Console(highlight=False, emoji=False)  # panels wrap: nothing is hidden
    _summary(preview, console)
    console.print(_cap_line(preview.cap), soft_wrap=True)
    for t in preview.targets:
        console.print(target_panel(t))
    if rep.findings:
        console.print(_("Findings:"))
        findings_table(rep.findings, console)


def warn_preview(rep: Any) -> None:
    """The dry run: summary, CAP, every channel's text as sent, the findings, the verdict."""
    warn_plan(rep)
    for f in rep.cap_files or []:
        err_console().print(f"CAP: {esc(f)}")
    verdict = (_("Dry run: rule errors, this warning would be refused; nothing was sent.")
               if int(rep.exit_code) == 3 else _("Dry run: nothing was sent."))
    out_console().print(verdict)
    err_console().print(esc(_("Incident: {incident} ({msg_type} {identifier}) - dry run, not "
                              "recorded").format(incident=rep.incident, msg_type=rep.msg_type,
                                                 identifier=rep.identifier)))


def _full_text(preview: Any) -> Any:
    """The target that shows the whole text in the most languages (the one to read)."""
    whole = [t for t in preview.targets if not t.summary_used] or list(preview.targets)
    return max(whole, key=lambda t: len(t.langs), default=None)


def warning_confirmation(preview: Any) -> None:
    """What a duty officer reads before confirming: kind, area, expiry, channels, the full
    text in every language as a channel gets it, and the findings (once)."""
    err = err_console()
    _summary(preview, err)
    shown = _full_text(preview)
    if shown is not None:
        from rich.console import Console

        boxed = Console(stderr=True, highlight=False, emoji=False)
        boxed.print(target_panel(shown, title=f"Text wie auf {shown.name} "
                                              f"({'+'.join(shown.langs)})"))
    findings_table(list(preview.findings), err)


def confirm_warning(preview: Any) -> bool:
    """The full text, the channels and the expiry in German, then the level's guard: none,
    a yes/no question, or typing the event name (high)."""
    from citychan.api.warnings import guard_accepts, guard_phrase, needs_yes

    w = preview.warning
    warning_confirmation(preview)
    phrase = guard_phrase(w)
    if phrase:
        typed = typer.prompt(
            f"Zum Senden den Namen des Ereignisses eintippen ({plain(phrase)})",
            err=True,
            default="",
            show_default=False,
        )
        return guard_accepts(w, typed)
    if not needs_yes(w):
        return True
    answer = typer.prompt("Jetzt senden? [j/N]", err=True, default="", show_default=False)
    return answer.strip().casefold() in {"j", "ja", "y", "yes"}
