"""citychan templates / new: the city's templates and the built-in ones, and a notice or
warning file written from one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from citychan.cli import common, setup_views
from citychan.cli.options import ConfigOption, OutputOption
from citychan.i18n import N_

# user-facing texts of these commands, in one place
HELP_FILE = N_("Where to write it (default: NAME-DATE.md here).")
HELP_DATE = N_("The notice's day: 30.11.2026, 2026-11-30 or 7d ahead (default: the "
               "template's own, e.g. a week ahead for a road closure).")
HELP_FORCE = N_("Overwrite an existing file.")
HELP_LEVEL = N_("A warning's level: low, medium or high (niedrig, mittel, hoch; default: "
                "medium). Only for warning templates.")


def register(app: typer.Typer) -> None:
    app.command("templates")(templates)
    app.command("new")(new)


def templates(config: ConfigOption = None, output: OutputOption = "text") -> None:
    """List the notice and warning templates and where each comes from.

    The city's own, from its template folder ([paths] templates; default: templates/
    beside the config), come first; one there replaces the built-in one of the same name.

    Example: citychan templates
    """
    from citychan import api
    from citychan.api import templates as template_api

    def run() -> dict[str, Any]:
        cfg = api.load(config)
        return {"folder": str(cfg.templates_dir),
                "templates": [t.as_dict() for t in template_api.templates(cfg)]}

    result = common.run(run)
    if output == "json":
        common.emit_json("templates", True, result)
        return
    setup_views.templates_table(result)


def new(
    template: str = typer.Argument(..., help=N_("The template: citychan templates lists them.")),
    file: Path | None = typer.Argument(None, help=HELP_FILE, show_default=False),
    date: str | None = typer.Option(None, "--date", help=HELP_DATE),
    force: bool = typer.Option(False, "--force", help=HELP_FORCE),
    level: str | None = typer.Option(None, "--level", help=HELP_LEVEL, show_default=False),
    config: ConfigOption = None,
    output: OutputOption = "text",
) -> None:
    """Write a notice (or a warning file) from a template, with its dates filled in.

    What only you know stays in ‹angle quotes›: fill it in, then check the file. The
    file's folder must exist (a typo in it is refused, not made).

    Example: citychan new strassensperrung toepferstrasse.md --date 07.12.2026
    Warning: citychan new sturm sturm.md --level hoch
    """
    from citychan import api
    from citychan.api import templates as template_api

    result = common.run(lambda: template_api.new(api.load(config), template, file,
                                                 day=date, force=force, level=level))
    if output == "json":
        common.emit_json("new", True, result.as_dict())
        return
    setup_views.written(result)
