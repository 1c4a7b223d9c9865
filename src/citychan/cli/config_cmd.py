"""citychan config: which config file is in effect, why, and its channels."""

from __future__ import annotations

import typer

from citychan.cli import common, setup_views
from citychan.cli.options import ConfigOption, OutputOption


def register(app: typer.Typer) -> None:
    app.command("config")(config_cmd)


def config_cmd(config: ConfigOption = None, output: OutputOption = "text") -> None:
    """Show which config file is in effect and why, with its channels.

    citychan reads the first of: --config, $CITYCHAN_CONFIG, ./citychan.toml, the user
    config dir (~/.config/citychan/citychan.toml); with none of them, the embedded default.

    Example: citychan config
    """
    from citychan.api import setup

    info = common.run(lambda: setup.config_info(config))
    if output == "json":
        common.emit_json("config", True, info.as_dict())
        return
    setup_views.config_view(info.as_dict())
