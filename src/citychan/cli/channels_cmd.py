"""citychan channels: the configured channels and where they come from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from citychan.cli import common


def register(app: typer.Typer) -> None:
    app.command("channels")(channels)


def channels(
    config: Path | None = typer.Option(None, "--config", "-c", help=common.CONFIG_HELP),
    output: str = typer.Option("text", "--output", callback=common.check_output, help=common.OUTPUT_HELP),
) -> None:
    """List the configured channels with their type and source (built-in or plugin).

    Example: citychan channels
    """
    from citychan import operations
    from citychan.channels import available_types

    def run() -> list[dict[str, Any]]:
        cfg = operations.load(config)
        types = available_types()
        return [{"name": c.name, "type": c.type, "enabled": c.enabled,
                 "kinds": list(c.kinds), "languages": list(c.languages or ()),
                 "source": types[c.type].source if c.type in types else "?"}
                for c in cfg.channels.values()]

    rows = common.run(run)
    if output == "json":
        common.emit_json("channels", True, {"channels": rows})
        return
    from rich.table import Table

    table = Table(title="Channels", title_justify="left")
    for col in ("name", "type", "enabled", "kinds", "languages", "source"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["name"], r["type"], "yes" if r["enabled"] else "no", ",".join(r["kinds"]),
                      ",".join(r["languages"]) or "all", r["source"])
    common.out_console().print(table)
