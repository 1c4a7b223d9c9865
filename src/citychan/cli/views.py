"""How results look on a terminal (rich). Diagnostics go to stderr, results to stdout."""

from __future__ import annotations

import contextlib
import sys
from typing import Any

import typer

from citychan.cli import common

nullcontext = contextlib.nullcontext
_SEV = {"error": "[bold red]error[/]", "warning": "[yellow]warning[/]"}
_STATUS = {
    "sent": "green",
    "failed": "red",
    "unknown": "yellow",
    "skipped": "dim",
    "pending": "yellow",
}


def findings_table(findings: list[Any], console: Any) -> None:
    for f in findings:
        where = _esc(f" [{f.channel}]") if f.channel else ""  # [md] is not a style
        hint = f" [dim]— {f.hint}[/]" if f.hint else ""
        console.print(
            f"  {_SEV[str(f.severity)]} {f.code} {f.name}{where}: {_esc(f.message)}{hint}"
        )


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def checked(results: list[Any]) -> None:
    console = common.out_console()
    for r in results:
        if r.error:
            console.print(f"[bold red]✗[/] {_esc(str(r.path))}: {_esc(r.error)}")
            continue
        mark = "[green]✓[/]" if r.ok else "[bold red]✗[/]"
        langs = "+".join(r.message.langs)
        console.print(
            f"{mark} {_esc(str(r.path))} [dim]({r.message.kind}, {langs})[/] "
            f"{_esc(r.message.title)}"
        )
        findings_table(r.findings, console)
    bad = sum(not r.ok for r in results)
    console.print(f"\n{len(results) - bad} of {len(results)} file(s) ok.")


def plan_dict(plan: Any) -> dict[str, Any]:
    from citychan.render import measure_text

    return {
        "message": plan.message.content_hash,
        "title": plan.message.title,
        "kind": plan.message.kind,
        "targets": [
            {
                "channel": t.name,
                "type": t.type,
                "dialect": str(t.capabilities.dialect),
                "langs": list(t.langs),
                "title": t.rendered.title,
                "title_field": t.capabilities.title_field,  # sent as a separate title
                "text": t.rendered.text,
                "html": t.rendered.html,
                "length": measure_text(t.rendered.text, t.capabilities),
                # with an image the text is its caption, under the caption limit
                "limit": (t.capabilities.caption_max
                          if plan.message.image is not None and t.capabilities.images
                          and t.capabilities.caption_max else t.capabilities.max_length),
                "unit": str(t.capabilities.length_unit),
                "summary_used": t.summary_used,
            }
            for t in plan.targets
        ],
        "skipped": [{"channel": s.name, "reason": s.reason} for s in plan.skipped],
        "findings": [f.as_dict() for f in plan.findings],
    }


def previews(plan: Any) -> None:
    from rich.console import Console
    from rich.panel import Panel
    from rich.text import Text

    console = Console(highlight=False)  # wraps inside the panel: nothing of the text hidden
    data = plan_dict(plan)
    for t in data["targets"]:
        limit = f"{t['limit']} {t['unit']}" if t["limit"] else "no limit"
        over = t["limit"] is not None and t["length"] > t["limit"]
        size = f"[{'red' if over else 'green'}]{t['length']}[/] / {limit}"
        note = " · summary + link" if t["summary_used"] else ""
        # exactly what goes out: a separate title only where the channel has a title field
        title = t["title"] if t["title"] and t["title_field"] else ""
        body = (f"Title: {title}\n\n" if title else "") + t["text"]
        console.print(
            Panel(
                Text(body, overflow="fold"),
                title=f"{t['channel']} ({t['dialect']}, {'+'.join(t['langs'])})",
                subtitle=f"{size}{note}",
                title_align="left",
                subtitle_align="right",
            )
        )
    for s in data["skipped"]:
        console.print(f"[dim]{s['channel']}: skipped — {_esc(s['reason'])}[/]")
    if plan.findings:
        console.print("Findings:")
        findings_table(plan.findings, console)


def confirm_plan(plan: Any) -> bool:
    err = common.err_console()
    names = ", ".join(t.name for t in plan.targets) or "no channel"
    err.print(f"[bold]{_esc(plan.message.title)}[/] → {_esc(names)}")
    findings_table(plan.findings, err)
    return typer.confirm("Post now?", default=False, err=True)


def report(rep: Any) -> None:
    if rep.findings:
        findings_table(rep.findings, common.err_console())
    if rep.dry_run:
        typer.echo(f"Dry run: '{rep.title}' passes the rules; nothing was sent.")
        return
    if not sys.stdout.isatty():  # cron, CI, a pipe: plain lines, one per channel
        typer.echo(rep.title)
        for r in rep.results:
            cells = (r.channel, str(r.status), r.url or r.remote_id or "", r.error or "")
            typer.echo("  ".join(c for c in cells if c))
        return
    from rich.table import Table

    console = common.out_console()
    table = Table(title=_esc(rep.title), title_justify="left")
    for col in ("channel", "status", "remote id / URL", "error"):
        table.add_column(col, overflow="fold")
    for r in rep.results:
        st = str(r.status)
        table.add_row(
            r.channel,
            f"[{_STATUS.get(st, 'white')}]{st}[/]",
            _esc(r.url or r.remote_id or ""),
            _esc(r.error or ""),
        )
    console.print(table)


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
            table.add_row(name, state)
        return table

    def event(self, channel: str, what: str, detail: str) -> None:
        with self._lock:
            self._state[channel] = f"[{_STATUS.get(what, 'cyan')}]{what}[/] {_esc(detail)}"
            if self._live is None:
                from rich.live import Live

                self._live = Live(self._render(), console=common.err_console(),
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

    table = Table(title="Channels", title_justify="left")
    cols = ["name", "type", "enabled", "kinds", "languages", "source"] + (
        ["check"] if checks else []
    )
    for col in cols:
        table.add_column(col, overflow="fold")
    for r in rows:
        cells = [
            r["name"],
            r["type"],
            "yes" if r["enabled"] else "no",
            ",".join(r["kinds"]),
            ",".join(r["languages"]) or "all",
            r["source"],
        ]
        if checks:
            c = checks.get(r["name"])
            cells.append(
                ""
                if c is None
                else "[red]" + _esc("; ".join(c["problems"])) + "[/]"
                if not c["ok"]
                else "[green]ok[/]"
                if c.get("checked", True)
                else "[dim]config ok; this service has no check without posting[/]"
            )
        table.add_row(*cells)
    common.out_console().print(table)


def retry_table(rows: list[dict[str, Any]], list_only: bool) -> None:
    from rich.table import Table

    console = common.out_console()
    if not rows:
        console.print("Nothing to retry: every delivery is resolved.")
        return
    table = Table(title="Unresolved deliveries" if list_only else "Retry", title_justify="left")
    cols = ["#", "title", "channel", "status"] + ([] if list_only else ["action", "now", "detail"])
    for col in cols:
        table.add_column(col, overflow="fold")
    for r in rows:
        cells = [str(r["id"]), _esc(r["title"]), r["channel"], r["status"]]
        if not list_only:
            st = r["new_status"]
            cells += [r["action"], f"[{_STATUS.get(st, 'white')}]{st}[/]", _esc(r["detail"])]
        table.add_row(*cells)
    console.print(table)
    if any(r.get("action") == "left" and r["detail"] in ("not resent",
           "cannot be read back; not resent") for r in rows) and not common.is_interactive():
        common.err_console().print(
            "Hint: without a terminal nobody was asked; look at the channel, then run "
            "'citychan retry --yes' to resend what is left")


def incidents_table(incidents: list[dict[str, Any]], console: Any) -> None:
    """Open incidents with their expiry; overdue ones (no all-clear yet) stand out."""
    from rich.table import Table

    table = Table(title="Open incidents", title_justify="left")
    for col in ("incident", "level", "headline", "expires", "channels"):
        table.add_column(col, overflow="fold")
    for i in incidents:
        expires = i["expires"][:16].replace("T", " ")
        if i["overdue"]:
            expires = f"[bold red]{expires} OVERDUE: send the all-clear[/]"
        table.add_row(i["id"], i["level"], _esc(i["headline"]), expires, ", ".join(i["channels"]))
    console.print(table)
