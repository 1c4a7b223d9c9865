"""citychan incidents: the warning incidents, open ones first, with their state."""

from __future__ import annotations

from typing import Any

import typer

from citychan.cli import common, views
from citychan.cli.options import ConfigOption, OutputOption
from citychan.i18n import N_, gettext

_ = gettext
TEXT = {
    "none": N_("No incidents yet."),
    "title": N_("Incidents (open first, newest first)"),
    "repeat": N_(" (repeat)"),
    "overdue": N_("until {expires} OVERDUE: send the all-clear"),
    "until": N_("until {expires}"),
    "last": N_("last: {said}"),
    "local": N_("Times are {tz} local time."),
}

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
    """One block per incident: its id alone on the first line (copied into `warn update`,
    never cut or wrapped, whatever the terminal's width), then what, where and when."""
    console = views.out_console()
    if not rows:
        console.print(_(TEXT["none"]))
        return
    console.print(_(TEXT["title"]))
    for i in rows:
        last = i["last_message"] or {}
        said = f"{last.get('msg_type', '')}{_(TEXT['repeat']) if last.get('repeat') else ''}"
        when = _local(last["sent"], timezone) if last else ""
        expires = _local(i["expires"], timezone)
        until = (views.styled("bold red", _(TEXT["overdue"]).format(expires=expires))
                 if i["overdue"] else views.esc(_(TEXT["until"]).format(expires=expires)))
        console.print()
        console.print(f"{views.styled('bold', i['id'])}  "
                      f"{views.styled(_STATE_STYLE.get(i['state'], 'white'), _(i['state']))}",
                      soft_wrap=True)
        level = _(i["level"]) if i["level"] else ""
        console.print(f"  {views.esc(i['event_name'])}, {views.esc(level)}: "
                      f"{views.esc(i['area'])}")
        last_line = _(TEXT["last"]).format(said=f"{said} {when}" if last else "-")
        console.print(f"  {views.esc(last_line)} · {until}")
    console.print()
    console.print(views.styled("dim", _(TEXT["local"]).format(tz=timezone)))


def _local(when: str, timezone: str) -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return f"{datetime.fromisoformat(when).astimezone(ZoneInfo(timezone)):%d.%m. %H:%M}"
