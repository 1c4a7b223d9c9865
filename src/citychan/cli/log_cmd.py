"""citychan log: what went out, where, with remote ids and URLs."""

from __future__ import annotations

from typing import Any

import typer

from citychan.cli import common, views
from citychan.cli.options import ConfigOption, OutputOption

LIMIT_MAX = 100_000  # a number SQLite takes; more deliveries than any terminal shows


def register(app: typer.Typer) -> None:
    app.command("log")(log)


def log(
    limit: int = typer.Option(
        20, "--limit", "-n", min=1, max=LIMIT_MAX, help="How many deliveries."),
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
                "timezone": cfg.city.timezone, "reviews": review.events(cfg, limit)}

    from citychan.api import review  # issue 15 (review): drafts, approvals, rejections

    result = common.run(run)
    if output == "json":
        common.emit_json("log", True, result)
        return
    views.deliveries_table(result)
    if result["reviews"]:
        from citychan.cli.review_cmd import log_lines

        log_lines(result["reviews"], result["timezone"])


def _incidents(cfg: Any) -> dict[str, Any]:
    from citychan.api import warnings

    return {"incidents": warnings.incidents(cfg)}
