"""citychan channels / retry: the configured channels, pre-flight checks, and resolving
deliveries that failed or whose outcome is unknown."""

from __future__ import annotations

from typing import Any

import typer

from citychan.cli import common, views
from citychan.cli.options import ByOption, ConfigOption, OutputOption
from citychan.i18n import N_


def register(app: typer.Typer) -> None:
    app.command("channels")(channels)
    app.command("retry")(retry)


def channels(
    test: bool = typer.Option(False, "--test", help=N_("Run pre-flight checks (no posting).")),
    config: ConfigOption = None,
    output: OutputOption = "text",
) -> None:
    """List the configured channels with their source; --test checks them without posting.

    Example: citychan channels --test
    """
    from citychan import api
    from citychan.api import channels as channel_api

    def run() -> tuple[dict[str, Any], int]:
        cfg = api.load(config)
        result: dict[str, Any] = {"channels": _listing(cfg)}
        checks = channel_api.test(cfg) if test else []
        if test:
            result["checks"] = [c.as_dict() for c in checks]
        return result, int(channel_api.checks_exit_code(checks))

    result, code = common.run(run)
    ok = code == 0
    if output == "json":
        common.emit_json("channels", ok, result, code)
        raise typer.Exit(code)
    views.channel_table(result["channels"], {c["channel"]: c for c in result.get("checks", [])})
    raise typer.Exit(code)


def _listing(cfg: Any) -> list[dict[str, Any]]:
    from citychan.api import channels as channel_api

    types = channel_api.types()
    return [
        {
            "name": c.name,
            "type": c.type,
            "enabled": c.enabled,
            "kinds": list(c.kinds),
            "languages": list(c.languages or ()),
            "source": types[c.type].source if c.type in types else "?",
        }
        for c in cfg.channels.values()
    ]


def retry(
    yes: bool = typer.Option(
        False, "--yes", "-y", help=N_("Resend where nothing can be proven, without asking.")
    ),
    list_only: bool = typer.Option(False, "--list", help=N_("Only show what is unresolved.")),
    dismiss: list[str] | None = typer.Option(
        None, "--dismiss", help=N_("Close this delivery (id, or message hash prefix): it will "
        "never go (removed channel, refused for good). Repeatable; recorded with who and why.")),
    dismiss_failed: bool = typer.Option(
        False, "--dismiss-failed",
        help=N_("Close every failed delivery and every open one to a removed channel.")),
    reason: str | None = typer.Option(None, "--reason", help=N_("Why it is closed (recorded).")),
    by: ByOption = None,
    config: ConfigOption = None,
    output: OutputOption = "text",
) -> None:
    """Resolve failed and unknown deliveries; resend only what is provably missing.

    Reads back where the API allows, resends only what is provably missing, and asks where
    nothing can be proven.

    Example: citychan retry
    Give up: citychan retry --dismiss 12 --reason "channel removed"
    """
    from citychan import api
    from citychan.api import channels as channel_api

    def ask(delivery: Any, why: str) -> bool:
        if yes:
            return True
        if not common.is_interactive():
            return False
        return views.resend_wanted(delivery, why)

    def run() -> tuple[list[dict[str, Any]], int]:
        cfg = api.load(config)
        if dismiss or dismiss_failed:
            closed = channel_api.dismiss_deliveries(cfg, dismiss or [], by=by, reason=reason,
                                                    failed=dismiss_failed)
            return ([r.as_dict() for r in closed],
                    int(channel_api.open_exit_code(r.status for r in closed)))
        if list_only:
            open_ = channel_api.unresolved(cfg)
            return ([d.as_dict() for d in open_],
                    int(channel_api.open_exit_code(d.status for d in open_)))
        resolved = channel_api.retry(cfg, ask=ask)
        return ([r.as_dict() for r in resolved],
                int(channel_api.open_exit_code(r.status for r in resolved)))

    rows, code = common.run(run)
    if output == "json":
        common.emit_json("retry", code == 0, {"deliveries": rows}, code)
        raise typer.Exit(code)
    views.retry_table(rows, list_only, unasked=_unasked(rows) and not common.is_interactive())
    raise typer.Exit(code)


def _unasked(rows: list[dict[str, Any]]) -> bool:
    """Deliveries left because nobody could be asked whether to resend them."""
    return any(r.get("declined") for r in rows)
