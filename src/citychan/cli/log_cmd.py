"""citychan log: what went out, where, with remote ids and URLs."""

from __future__ import annotations

from typing import Any

import typer

from citychan.cli import common, views
from citychan.cli.options import ConfigOption, OutputOption
from citychan.i18n import N_

LIMIT_MAX = 100_000  # a number SQLite takes; more deliveries than any terminal shows


def register(app: typer.Typer) -> None:
    app.command("log")(log)


def log(
    limit: int = typer.Option(
        20, "--limit", "-n", min=1, max=LIMIT_MAX, help=N_("How many deliveries.")),
    config: ConfigOption = None,
    output: OutputOption = "text",
) -> None:
    """Show the latest deliveries, newest first.

    Example: citychan log --limit 50
    """
    from citychan import api
    from citychan.api import notices

    def run() -> dict[str, Any]:
        cfg = api.load(config)
        return {"deliveries": notices.log(cfg, limit), **_incidents(cfg),
                "timezone": cfg.city.timezone}

    result = common.run(run)
    if output == "json":
        common.emit_json("log", True, result)
        return
    views.deliveries_table(result)


def _incidents(cfg: Any) -> dict[str, Any]:
    from citychan.api import warnings

    return {"incidents": warnings.incidents(cfg)}
