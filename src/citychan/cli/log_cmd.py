"""citychan log: what went out, where, with remote ids and URLs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from citychan.cli import common


def register(app: typer.Typer) -> None:
    @app.command("log")
    def log(
        limit: int = typer.Option(20, "--limit", "-n", min=1, help="How many deliveries."),
        config: Path | None = typer.Option(None, "--config", "-c", help=common.CONFIG_HELP),
        output: str = typer.Option(
            "text", "--output", callback=common.check_output, help=common.OUTPUT_HELP
        ),
    ) -> None:
        """Show the latest deliveries, newest first.

        Example: citychan log --limit 50
        """
        from citychan import api as operations

        def run() -> dict[str, Any]:
            cfg = operations.load(config)
            return {"deliveries": operations.log(cfg, limit), **_incidents(cfg),
                    "timezone": cfg.city.timezone}

        result = common.run(run)
        if output == "json":
            common.emit_json("log", True, result)
            return
        show(result)


def _incidents(cfg: Any) -> dict[str, Any]:
    from citychan.warn.incidents import open_incidents

    return {"incidents": open_incidents(cfg)}


def _local(created: str, timezone: str) -> str:
    """The store records UTC; the duty officer reads the city's clock."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return f"{datetime.fromisoformat(created).astimezone(ZoneInfo(timezone)):%m-%d %H:%M}"


def show(result: dict[str, Any]) -> None:
    from rich.table import Table

    rows = result["deliveries"]
    console = common.out_console()
    if result.get("incidents"):
        from citychan.cli import views

        views.incidents_table(result["incidents"], console)
    if not rows:
        console.print("Nothing sent yet.")
        return
    table = Table(title="Deliveries (newest first)", title_justify="left")
    table.add_column("when", no_wrap=True)
    table.add_column("channel", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("title", overflow="fold", ratio=2)
    table.add_column("where / error", overflow="fold", ratio=3)
    colours = {"sent": "green", "failed": "red", "unknown": "yellow", "pending": "yellow"}
    for d in rows:
        status = d["status"] + (" (forced)" if d["forced"] else "")
        where = _where(d["url"] or d["remote_id"] or "")
        if d["error"]:
            where = f"{where} {d['error']}".strip()
        table.add_row(
            _local(d["created"], result["timezone"]),
            d["channel"],
            f"[{colours.get(d['status'], 'white')}]{status}[/]",
            d["title"],
            where,
        )
    console.print(table)
    console.print(f"[dim]Times are {result['timezone']} local time.[/]")


def _where(url: str) -> str:
    """file:// URLs of the outbox as a path relative to here, when that is shorter."""
    if not url.startswith("file://"):
        return url
    from urllib.parse import unquote, urlsplit

    path = Path(unquote(urlsplit(url).path))
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
