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
        output: str = typer.Option("text", "--output", callback=common.check_output,
                                   help=common.OUTPUT_HELP),
    ) -> None:
        """Show the latest deliveries, newest first.

        Example: citychan log --limit 50
        """
        from citychan import operations

        def run() -> dict[str, Any]:
            cfg = operations.load(config)
            return {"deliveries": operations.log(cfg, limit), **_incidents(cfg)}

        result = common.run(run)
        if output == "json":
            common.emit_json("log", True, result)
            return
        show(result)


def _incidents(cfg: Any) -> dict[str, Any]:
    try:
        from citychan.alerts import lifecycle
    except ImportError:
        return {}
    return {"incidents": lifecycle.open_incidents(cfg)}


def show(result: dict[str, Any]) -> None:
    from rich.table import Table

    rows = result["deliveries"]
    console = common.out_console()
    if result.get("incidents"):
        common.show_incidents(console, result["incidents"])
    if not rows:
        console.print("Nothing sent yet.")
        return
    table = Table(title="Deliveries (newest first)", title_justify="left")
    for col in ("when", "title", "channel", "status", "remote id / URL", "note"):
        table.add_column(col, overflow="fold")
    colours = {"sent": "green", "failed": "red", "unknown": "yellow", "pending": "yellow"}
    for d in rows:
        status = d["status"] + (" (forced)" if d["forced"] else "")
        table.add_row(d["created"][:16].replace("T", " "), d["title"], d["channel"],
                      f"[{colours.get(d['status'], 'white')}]{status}[/]",
                      d["url"] or d["remote_id"] or "", d["error"] or "")
    console.print(table)
