"""citychan init: write a starter config."""

from __future__ import annotations

from pathlib import Path

import typer

from citychan.cli import common, views
from citychan.cli.options import OutputOption
from citychan.i18n import N_


def register(app: typer.Typer) -> None:
    @app.command("init")
    def init(
        path: Path = typer.Option(Path("citychan.toml"), "--path", help=N_("Where to write it.")),
        force: bool = typer.Option(False, "--force", help=N_("Overwrite an existing file.")),
        output: OutputOption = "text",
    ) -> None:
        """Write a starter citychan.toml (offline channels, quiet hours, daily cap).

        Offline outbox and feed channels, and house rules for info posts: quiet hours
        21:00-07:00 and at most 3 a day (warnings ignore both).

        Example: citychan init --path citychan.toml
        """
        from citychan.api import setup

        written = common.run(lambda: setup.init(path, force=force))
        if output == "json":
            common.emit_json("init", True, {"path": str(written)})
        else:
            typer.echo(f"Wrote {views.plain(written)}. Add your channels, then: "
                       "citychan check examples/*.md")
