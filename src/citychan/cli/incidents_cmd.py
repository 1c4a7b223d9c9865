"""citychan incidents: the warning incidents, open ones first, with their state."""

from __future__ import annotations

from typing import Any

import typer

from citychan.cli import common, views
from citychan.cli.options import ConfigOption, OutputOption
from citychan.i18n import N_

LIMIT_MAX = 100_000


def register(app: typer.Typer) -> None:
    app.command("incidents")(incidents)


def incidents(
    limit: int = typer.Option(
        20, "--limit", "-n", min=1, max=LIMIT_MAX, help=N_("How many incidents.")),
    config: ConfigOption = None,
    output: OutputOption = "text",
) -> None:
    """List warning incidents: open ones first, then those given the all-clear.

    Each with its event, level, area, state (active, updated, cleared, expired), latest
    message and expiry; an open incident past its expiry is OVERDUE (send the all-clear).
    Where an incident id is expected, 'latest' names the newest open one.

    Example: citychan incidents --output json
    """
    from citychan import api
    from citychan.api import incidents as api_incidents

    def run() -> dict[str, Any]:
        cfg = api.load(config)
        return {"incidents": api_incidents.incidents(cfg, limit),
                "timezone": cfg.city.timezone}

    result = common.run(run)
    if output == "json":
        common.emit_json("incidents", True, result)
        return
    _table(result["incidents"], result["timezone"])


_STATE_STYLE = {"active": "bold red", "updated": "dark_orange", "cleared": "green",
                "expired": "dim"}


def _table(rows: list[dict[str, Any]], timezone: str) -> None:
    from rich.table import Table

    console = views.out_console()
    if not rows:
        console.print("No incidents yet.")
        return
    table = Table(title="Incidents (open first, newest first)", title_justify="left")
    table.add_column("incident", no_wrap=True)  # copied into `warn update ID`: one piece
    for col in ("event", "level", "area", "state", "last message", "expires"):
        table.add_column(col, overflow="fold")
    for i in rows:
        last = i["last_message"] or {}
        said = f"{last.get('msg_type', '')}{' (repeat)' if last.get('repeat') else ''}"
        when = _local(last["sent"], timezone) if last else ""
        expires = _local(i["expires"], timezone)
        table.add_row(
            views.esc(i["id"]), views.esc(i["event_name"]), views.esc(i["level"] or ""),
            views.esc(i["area"]), views.styled(_STATE_STYLE.get(i["state"], "white"), i["state"]),
            views.esc(f"{said} {when}: {last.get('headline', '')}" if last else ""),
            views.styled("bold red", f"{expires} OVERDUE: send the all-clear")
            if i["overdue"] else views.esc(expires),
        )
    console.print(table)
    console.print(views.styled("dim", f"Times are {timezone} local time."))


def _local(when: str, timezone: str) -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return f"{datetime.fromisoformat(when).astimezone(ZoneInfo(timezone)):%d.%m. %H:%M}"
