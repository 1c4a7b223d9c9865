"""citychan log: what went out, where, with remote ids and URLs: one row per notice, per
delivery with --detail, or one notice's whole history."""

from __future__ import annotations

from typing import Any

import typer

from citychan.cli import common, views
from citychan.cli.options import ConfigOption, OutputOption
from citychan.i18n import N_

LIMIT_MAX = 100_000  # a number SQLite takes; more deliveries than any terminal shows
# user-facing texts of this command, in one place
HELP_REF = N_("One notice's history: a message hash prefix, 'latest' or a delivery id.")
HELP_LIMIT = N_("How many notices (with --detail: deliveries).")
HELP_DETAIL = N_("One row per delivery (and the per-delivery JSON of before).")
HELP_SINCE = N_("Only since then: 2d, 12h, 29.11.2026 or 2026-11-29T08:00.")
HELP_CHANNEL = N_("Only this channel (repeatable).")
HELP_STATUS = N_("Only this status: sent, unknown, failed, pending, skipped, dismissed "
                 "(repeatable).")
HELP_KIND = N_("Only notices of this kind: info or warning.")


def register(app: typer.Typer) -> None:
    app.command("log")(log)


def log(
    ref: str | None = typer.Argument(None, help=HELP_REF, show_default=False),
    limit: int = typer.Option(20, "--limit", "-n", min=1, max=LIMIT_MAX, help=HELP_LIMIT),
    detail: bool = typer.Option(False, "--detail", help=HELP_DETAIL),
    since: str | None = typer.Option(None, "--since", help=HELP_SINCE),
    channel: list[str] | None = typer.Option(None, "--channel", help=HELP_CHANNEL),
    status: list[str] | None = typer.Option(None, "--status", help=HELP_STATUS),
    kind: str | None = typer.Option(None, "--kind", help=HELP_KIND),
    config: ConfigOption = None,
    output: OutputOption = "text",
) -> None:
    """Show what went out, newest first: one row per notice with each channel's status.

    ✓ sent, ? unknown, ✗ failed, ⋯ pending, – dismissed or skipped. --detail shows one
    row per delivery; citychan log REF shows one notice's posts, corrections, withdrawals
    and dismissals, with who did each.

    Example: citychan log --since 2d --status failed
    """
    from citychan import api
    from citychan.api import notices

    def run() -> dict[str, Any]:
        cfg = api.load(config)
        if ref is not None:
            return {"history": notices.history(cfg, ref), "timezone": cfg.city.timezone}
        filters = notices.parse_filter(cfg, since=since, channels=channel or (),
                                       statuses=status or (), kinds=[kind] if kind else ())
        rows = notices.log(cfg, limit, filters, by_notice=not detail)
        key = "deliveries" if detail else "notices"
        result = {key: rows, **_incidents(cfg), "timezone": cfg.city.timezone,
                  "reviews": review.events(cfg, limit)}
        if not detail:  # as before issue 14: the deliveries of these notices, newest first
            result["deliveries"] = sorted((d for n in rows for d in n["deliveries"]),
                                          key=lambda d: -int(d["id"]))
        return result

    from citychan.api import review  # issue 15 (review): drafts, approvals, rejections

    result = common.run(run)
    if output == "json":
        common.emit_json("log", True, result)
        return
    views.deliveries_table(result)
    if result.get("reviews"):
        from citychan.cli.review_cmd import log_lines

        log_lines(result["reviews"], result["timezone"])


def _incidents(cfg: Any) -> dict[str, Any]:
    from citychan.api import warnings

    return {"incidents": warnings.incidents(cfg)}
