"""How results look on a terminal (rich). Diagnostics go to stderr, results to stdout.

Views draw the typed results the library returns and compute nothing: a length, a limit or
a verdict shown here was worked out once by the library. Nothing of citychan.cli is imported
here, so every command module may import this one."""

from __future__ import annotations

import contextlib
import sys
from typing import Any

import typer

from citychan.i18n import N_, Msg, gettext, localize

_ = gettext
nullcontext = contextlib.nullcontext
_SEV = {"error": "bold red", "warning": "yellow"}
_STATUS = {
    "sent": "green",
    "failed": "red",
    "unknown": "yellow",
    "skipped": "dim",
    "pending": "yellow",
    "dismissed": "dim",
}
# values of the library shown as words (statuses, severities, length units, a channel
# type's source): marked here so that they are in the catalog, translated where shown
SHOWN_WORDS = (N_("sent"), N_("failed"), N_("unknown"), N_("skipped"), N_("pending"),
               N_("dismissed"), N_("error"), N_("warning"), N_("info"), N_("chars"),
               N_("bytes"), N_("built-in"),
               # drafts, scheduled posts, incidents, and what a correction did
               N_("approving"), N_("approved"), N_("rejected"), N_("refused"), N_("urgent"),
               N_("scheduled"), N_("sending"), N_("cancelled"), N_("active"), N_("updated"),
               N_("cleared"), N_("expired"), N_("correction"), N_("withdrawal"),
               N_("expiry"), N_("edit"), N_("delete"), N_("follow-up"),
               # a channel's progress while the fan-out runs
               N_("retrying"), N_("interrupted"),
               # warning levels (--level takes the German words, too)
               N_("low"), N_("medium"), N_("high"))


# emoji=False: ":car:" in a title is text, not 🚗 (markup of another kind)
def err_console() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False, emoji=False, soft_wrap=True)


def out_console() -> Any:
    from rich.console import Console

    return Console(highlight=False, emoji=False, soft_wrap=True)


def styled(style: str, text: object) -> str:
    """``text`` shown in a rich style; the text itself is never markup."""
    return f"[{style}]{esc(text)}[/]"


def status(value: object, note: str = "") -> str:
    return styled(_STATUS.get(str(value), "white"), f"{_(str(value))}{note}")


def findings_table(findings: list[Any], console: Any) -> None:
    for f in findings:
        where = esc(f" [{f.channel}]") if f.channel else ""  # [md] is not a style
        hint = " " + styled("dim", f"— {localize(f.hint)}") if f.hint else ""  # "[city]" stays
        console.print(
            f"  {styled(_SEV.get(str(f.severity), 'white'), _(str(f.severity)))} {esc(f.code)} "
            f"{esc(f.name)}{where}: {esc(localize(f.message))}{hint}"
        )


# What a terminal would obey instead of show: C0 and C1 controls and DEL (escape sequences
# start with ESC or a C1 control; BEL, CR and backspace rewrite what is seen), the bidi
# overrides and isolates that make a title read backwards, line and paragraph separators,
# and lone surrogates (an undecodable file name, which no terminal can even be sent).
# They are drawn the way Python writes them, \x1b and \u202e: seen, never obeyed.
_BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
_ONE_LINE = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))} | {
    c: f"\\u{c:04x}" for c in (*_BIDI, 0x2028, 0x2029, *range(0xD800, 0xE000))
}
_LINES = {c: shown for c, shown in _ONE_LINE.items() if chr(c) not in "\n\t"}


def plain(text: object, lines: bool = False) -> str:
    """Any text from a file, the store, a server or an error, safe to write to a terminal:
    control, escape and bidi characters made visible (``lines``: newlines and tabs kept).
    Every value citychan writes for a person goes through here (or :func:`esc`)."""
    return str(text).translate(_LINES if lines else _ONE_LINE)


def esc(text: object, lines: bool = False) -> str:
    """:func:`plain`, for rich: square brackets in the text are not markup either."""
    from rich.markup import escape

    return escape(plain(text, lines))


def checked(results: list[Any]) -> None:
    console = out_console()
    for r in results:
        if r.error:  # the error names the file itself when it is this one
            said = r.error.removeprefix(f"{r.path}: ")
            console.print(f"[bold red]✗[/] {esc(r.path)}: {esc(localize(said))}")
            if r.hint:
                console.print(f"  {styled('dim', _('hint:'))} {esc(localize(r.hint))}")
            continue
        mark = "[green]✓[/]" if r.ok else "[bold red]✗[/]"
        langs = "+".join(r.message.langs)
        console.print(
            f"{mark} {esc(r.path)} {styled('dim', f'({_(str(r.message.kind))}, {langs})')} "
            f"{esc(r.message.title)}"
        )
        findings_table(r.findings, console)
    bad = sum(not r.ok for r in results)
    console.print("\n" + _("{ok} of {n} file(s) ok.").format(ok=len(results) - bad,
                                                              n=len(results)))


def formatted(r: Any, verb: str, unchanged: str) -> None:
    """`citychan fmt`: each file, and each line it changes as before and after (stdout); a
    file it cannot read or fix, with its hint (stderr)."""
    console = out_console()
    if r.error:
        said = r.error.removeprefix(f"{r.path}: ")
        err = err_console()
        err.print(f"[bold red]✗[/] {esc(r.path)}: {esc(localize(said))}")
        if r.hint:
            err.print(f"  {styled('dim', _('hint:'))} {esc(localize(r.hint))}")
        return
    if not r.changes:
        console.print(f"  {esc(r.path)}: {styled('dim', unchanged)}")
        return
    console.print(f"[yellow]~[/] {esc(r.path)}: {verb}")
    for c in r.changes:
        console.print("  " + esc(_("line {line} ({why}):").format(line=c.line,
                                                                  why=localize(c.why))))
        console.print(f"    [red]- {esc(plain(c.old.rstrip(chr(10))))}[/]")
        console.print(f"    [green]+ {esc(plain(c.new.rstrip(chr(10))))}[/]")


def previews(plan: Any) -> None:
    """Each target exactly as it goes out, with the length the rules judged (red and
    marked when it is over the limit)."""
    from rich.console import Console

    # not soft_wrap: it wraps inside the panel, so nothing of the text is hidden
    console = Console(highlight=False, emoji=False)
    for t in plan.targets:
        console.print(target_panel(t))
    for s in plan.skipped:
        console.print(styled("dim", _("{name}: skipped — {reason}").format(
            name=s.name, reason=localize(s.reason))))
    if plan.findings:
        console.print(_("Findings:"))
        findings_table(plan.findings, console)


def target_panel(t: Any, title: str | None = None) -> Any:
    """One target's text exactly as it goes out, its length against the channel's limit."""
    from rich.panel import Panel
    from rich.text import Text

    return Panel(
        Text(plain(_as_sent(t), lines=True), overflow="fold"),
        title=esc(title or f"{t.name} ({t.capabilities.dialect}, {'+'.join(t.langs)})"),
        subtitle=_length(t.length) + (_(" · summary + link") if t.summary_used else ""),
        title_align="left",
        subtitle_align="right",
    )


def _as_sent(target: Any) -> str:
    """A separate title only where the channel has a title field; else the text carries it."""
    title = target.rendered.title if target.capabilities.title_field else None
    head = _("Title: {title}").format(title=title) + "\n\n" if title else ""
    return head + target.rendered.text


def _length(length: Any) -> str:
    if length is None:
        return ""
    if length.limit is None:
        no_limit = _("no limit")
        return f"{styled('green', length.size)} / {no_limit}"
    colour, note = ("red", _(" · too long")) if length.over else ("green", "")
    return f"{styled(colour, length.size)} / {esc(f'{length.limit} {_(str(length.unit))}{note}')}"


def confirm_plan(plan: Any) -> bool:
    err = err_console()
    names = ", ".join(t.name for t in plan.targets) or _("no channel")
    err.print(f"{styled('bold', plan.message.title)} → {esc(names)}")
    findings_table(plan.findings, err)
    return typer.confirm(_("Post now?"), default=False, err=True)


def report(rep: Any, findings: bool = True) -> None:
    """A post's results; ``findings=False`` when the confirmation showed them already."""
    if rep.findings and findings:
        findings_table(rep.findings, err_console())
    if rep.dry_run:
        typer.echo(_("Dry run: '{title}' passes the rules; nothing was sent.").format(
            title=plain(rep.title)))
        return
    if not sys.stdout.isatty():  # cron, CI, a pipe: plain lines, one per channel
        typer.echo(plain(rep.title))
        for r in rep.results:
            cells = (r.channel, _(str(r.status)), _said(r.url) or r.remote_id or "",
                     localize(r.error) or "")
            typer.echo("  ".join(plain(c) for c in cells if c))
        return
    from rich.table import Table

    console = out_console()
    table = Table(title=esc(rep.title), title_justify="left")
    for col in (_("channel"), _("status"), _("length"), _("remote id / URL"), _("error")):
        table.add_column(col, overflow="fold")
    for r in rep.results:
        table.add_row(
            esc(r.channel),
            status(r.status),
            _length(r.length),
            esc(_said(r.url) or r.remote_id or ""),
            esc(localize(r.error) or ""),
        )
    console.print(table)


def warn_report(rep: Any, findings_shown: bool = False) -> None:
    """A warning's results, then its CAP files and incident on stderr (the findings only
    if no confirmation showed them: once per run), then the incident id alone as the last
    line on stdout (`ID=$(citychan warn … --yes | tail -n 1)`)."""
    report(rep, findings=not findings_shown)
    err = err_console()
    for f in rep.cap_files or []:
        err.print(f"CAP: {esc(f)}")
    err.print(_("Incident: {incident} ({msg_type} {identifier})").format(
        incident=esc(rep.incident), msg_type=esc(rep.msg_type), identifier=esc(rep.identifier)))
    typer.echo(plain(rep.incident))


def resend_wanted(delivery: Any, why: str) -> bool:
    """`retry` asks about one delivery whose outcome cannot be proven."""
    return typer.confirm(
        plain(f"#{delivery.id} '{delivery.title}' → {delivery.channel}: {localize(why)}.")
        + " " + _("Send it again?"),
        default=False,
        err=True,
    )


class Progress:
    """A live line per channel on a terminal while the fan-out runs.

    The display starts with the first delivery event, not on entering: the confirmation
    prompt comes before any event, and a running display would redraw over it."""

    def __init__(self) -> None:
        import threading

        self._state: dict[str, str] = {}
        self._live: Any = None
        self._lock = threading.Lock()  # events come from every sender thread at once

    def _render(self) -> Any:
        from rich.table import Table

        table = Table.grid(padding=(0, 2))
        for name, state in self._state.items():
            table.add_row(esc(name), state)
        return table

    def event(self, channel: str, what: str, detail: str) -> None:
        with self._lock:
            shown = styled(_STATUS.get(what, "cyan"), _(what))
            self._state[channel] = f"{shown} {esc(localize(detail))}"
            if self._live is None:
                from rich.live import Live

                self._live = Live(self._render(), console=err_console(),
                                  transient=True, refresh_per_second=8)
                self._live.__enter__()
            self._live.update(self._render())

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: Any) -> None:
        with self._lock:
            if self._live is not None:
                self._live.__exit__(*exc)


def channel_table(rows: list[dict[str, Any]], checks: dict[str, dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table(title=_("Channels"), title_justify="left")
    cols = [_("name"), _("type"), _("enabled"), _("kinds"), _("languages"), _("source")] + (
        [_("check")] if checks else []
    )
    for col in cols:
        table.add_column(col, overflow="fold")
    for r in rows:
        cells = [esc(cell) for cell in (
            r["name"],
            r["type"],
            _("yes") if r["enabled"] else _("no"),
            ",".join(_(str(k)) for k in r["kinds"]),
            ",".join(r["languages"]) or _("all"),
            _(r["source"]),
        )]
        if checks:
            c = checks.get(r["name"])
            cell = (
                ""
                if c is None
                else styled("red", "; ".join(map(str, map(localize, c["problems"]))))
                if not c["ok"]
                else styled("green", _("ok"))
                if c.get("checked", True)
                else styled("dim", _("config ok; this service has no check without posting"))
            )
            if c is not None and c.get("notes"):
                cell += ("; " if cell else "") + esc("; ".join(map(str, map(localize, c["notes"]))))
            if c is not None and c.get("warnings"):
                cell += ("; " if cell else "") + styled(
                    "yellow", "; ".join(map(str, map(localize, c["warnings"]))))
            cells.append(cell)
        table.add_row(*cells)
    out_console().print(table)


def retry_table(rows: list[dict[str, Any]], list_only: bool, unasked: bool = False) -> None:
    """``unasked``: some deliveries were left because no terminal could ask about them."""
    from rich.table import Table

    console = out_console()
    if not rows:
        console.print(_("Nothing to retry: every delivery is resolved."))
        return
    table = Table(title=_("Unresolved deliveries") if list_only else _("Retry"),
                  title_justify="left")
    cols = ["#", _("title"), _("channel"), _("status")] + (
        [] if list_only else [_("action"), _("now"), _("detail")])
    for col in cols:
        table.add_column(col, overflow="fold")
    for r in rows:
        cells = [esc(r["id"]), esc(r["title"]), esc(r["channel"]), status(r["status"])]
        if not list_only:
            cells += [esc(_(r["action"])), status(r["new_status"]), esc(localize(r["detail"]))]
        table.add_row(*cells)
    console.print(table)
    if unasked:
        err_console().print(
            _("Hint: without a terminal nobody was asked; look at the channel, then run "
              "'citychan retry --yes' to resend what is left"))


def incidents_table(incidents: list[dict[str, Any]], console: Any) -> None:
    """Open incidents with their expiry; overdue ones (no all-clear yet) stand out."""
    from rich.table import Table

    table = Table(title=_("Open incidents"), title_justify="left")
    table.add_column(_("incident"), no_wrap=True)  # copied into `warn update ID`: one piece
    for col in (_("level"), _("headline"), _("expires"), _("channels")):
        table.add_column(col, overflow="fold")
    for i in incidents:
        from datetime import datetime

        expires = f"{datetime.fromisoformat(i['expires']):{date_form()}}"
        expires = (styled("bold red", _("{expires} OVERDUE: send the all-clear").format(
                       expires=expires))
                   if i["overdue"] else esc(expires))
        table.add_row(esc(i["id"]), esc(_(i["level"]) if i["level"] else ""),
                      esc(i["headline"]), expires,
                      esc(", ".join(i["channels"])))
    console.print(table)


def deliveries_table(result: dict[str, Any]) -> None:
    """`citychan log`: open incidents first, then one row per notice (or, with --detail, per
    delivery), in the city's time; `log REF`: that notice's history."""
    console = out_console()
    if "history" in result:
        history_table(result["history"], result["timezone"], console)
        return
    if result.get("incidents"):
        incidents_table(result["incidents"], console)
    rows = result["notices"] if "notices" in result else result["deliveries"]
    if not rows:
        console.print(_(LOG_WORDS["empty"]))
        return
    if "notices" in result:
        notices_table(rows, result["timezone"], console)
    else:
        _detail_table(rows, result["timezone"], console)
    console.print(styled("dim", _(LOG_WORDS["legend"])))
    console.print(styled("dim", _(LOG_WORDS["local"]).format(tz=result["timezone"])))


# the log's words and marks, in one place
LOG_WORDS = {
    "empty": N_("Nothing sent yet."),
    "notices": N_("Notices (newest first)"),
    "detail": N_("Deliveries (newest first)"),
    "history": N_("History of {title} ({message})"),
    "legend": N_("✓ sent  ? unknown  ✗ failed  ⋯ pending  – dismissed or skipped; "
                 "--detail shows each delivery, citychan log REF one notice's history."),
    "local": N_("Times are {tz} local time."),
    "dismissed": N_("{channel}: dismissed by {by}: {reason}"),
}
MARKS = {"sent": "✓", "unknown": "?", "failed": "✗", "pending": "⋯", "dismissed": "–",
         "skipped": "–"}


def notices_table(rows: list[dict[str, Any]], timezone: str, console: Any) -> None:
    """One row per notice: each channel's status as a mark with the channel's name."""
    from rich.table import Table

    table = Table(title=_(LOG_WORDS["notices"]), title_justify="left")
    table.add_column(_("when"), no_wrap=True)
    table.add_column(_("notice"), no_wrap=True)
    table.add_column(_("title"), overflow="fold", ratio=2)
    table.add_column(_("channels"), overflow="fold", ratio=3)
    table.add_column(_("by"), overflow="fold")
    for n in rows:
        marks = "  ".join(styled(_STATUS.get(st, "white"), f"{MARKS.get(st, st)} {ch}")
                          for ch, st in n["channels"].items())
        notes = [_(str(p)) for p in n["purposes"]] + ([_("expired")] if n["expired"] else [])
        notes += [_(LOG_WORDS["dismissed"]).format(channel=d["channel"], by=d["dismissed_by"],
                                                reason=d["dismiss_reason"])
                  for d in n["deliveries"] if d.get("dismissed_by")]
        if notes:
            marks = f"{marks}\n{esc('; '.join(notes))}"
        why = next((d["not_a_warning"] for d in n["deliveries"] if d.get("not_a_warning")),
                   None)  # CC201 overridden on purpose: said where the title is read
        title = esc(n["title"]) + (styled("dim", _(" (not a warning: {why})").format(why=why))
                                   if why else "")
        table.add_row(_local(n["first"], timezone), esc(n["message"][:12]), title,
                      marks, esc(", ".join(n["operators"])))
    console.print(table)


def history_table(h: dict[str, Any], timezone: str, console: Any) -> None:
    """`citychan log REF`: every post, correction, withdrawal and dismissal, oldest first."""
    console.print(_(LOG_WORDS["history"]).format(title=esc(h["title"]),
                                                 message=esc(h["message"])))
    _detail_table(h["deliveries"], timezone, console, title=None)
    console.print(styled("dim", _(LOG_WORDS["local"]).format(tz=timezone)))


def _detail_table(rows: list[dict[str, Any]], timezone: str, console: Any,
                  title: str | None = LOG_WORDS["detail"]) -> None:
    from rich.table import Table

    table = Table(title=_(title) if title else None, title_justify="left")
    table.add_column(_("when"), no_wrap=True)
    table.add_column("#", no_wrap=True)
    table.add_column(_("channel"), no_wrap=True)
    table.add_column(_("status"), no_wrap=True)
    table.add_column(_("title"), overflow="fold", ratio=2)
    table.add_column(_("where / error"), overflow="fold", ratio=3)
    table.add_column(_("by"), overflow="fold")
    for d in rows:
        where = _where(d["url"] or d["remote_id"] or "")
        if d["error"]:
            where = f"{where} {localize(d['error'])}".strip()
        if d.get("dismissed_by"):
            where = f"{where}; " + _("dismissed by {who}: {reason}").format(
                who=d["dismissed_by"], reason=d["dismiss_reason"])
        title = esc(d["title"]) + (styled("dim", _(" (not a warning: {why})").format(
            why=d["not_a_warning"])) if d.get("not_a_warning") else "")
        life = _life(d).removeprefix(" · ")  # under the title: the status column stays narrow
        if life:
            title += "\n" + styled("dim", life)
        table.add_row(
            _local(d["created"], timezone),
            str(d["id"]),
            esc(d["channel"]),
            status(d["status"], _(" (forced)") if d["forced"] else ""),
            title,
            esc(where),
            esc(d.get("operator") or ""),
        )
    console.print(table)


def _life(d: dict[str, Any]) -> str:
    """What a delivery did to an earlier one (issue 12), and whether its notice expired."""
    note = ""
    if d.get("purpose"):
        note += " · " + _("{purpose} ({action}) of #{id}").format(
            purpose=_(str(d["purpose"])), action=_(str(d.get("action"))), id=d.get("relates_to"))
    return note + (_(" · expired") if d.get("expired") else "")


def _local(created: str, timezone: str) -> str:
    """The store records UTC; the duty officer reads the city's clock, in the form of the
    locale, with the year (German: 29.11.2026 20:10; else 2026-11-29 20:10)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return f"{datetime.fromisoformat(created).astimezone(ZoneInfo(timezone)):{date_form()}}"


def date_form() -> str:
    """The date form of the interface's language: $CITYCHAN_LANG, else the locale's."""
    import os

    for var in ("CITYCHAN_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "%d.%m.%Y %H:%M" if value.lower().startswith("de") else "%Y-%m-%d %H:%M"
    return "%Y-%m-%d %H:%M"


def _where(url: str) -> str:
    """file:// URLs of the outbox as a path relative to here, when that is shorter."""
    if not url.startswith("file://"):
        return url
    from pathlib import Path
    from urllib.parse import unquote, urlsplit

    path = Path(unquote(urlsplit(url).path))
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def retry_hint(command: str) -> None:
    """After an exit 4: the exact `citychan retry` that resolves what did not go out."""
    err_console().print(esc(_("Hint: to resolve what did not go out, run: {command}").format(
        command=command)))


def _said(text: str | None) -> str | None:
    """A receipt's URL as the report shows it: a message of ours (feed: "written locally,
    not uploaded: …") in the interface's language, a server's URL as it is."""
    return localize(text) if isinstance(text, Msg) else text
