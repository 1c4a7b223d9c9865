"""Options several commands share, as ``Annotated`` types: one name, one help text, one
check each. A command declares ``config: ConfigOption = None`` and gets the same
``--config/-c`` as every other command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from citychan.cli import common
from citychan.i18n import N_

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c",
        help=N_("Config file (default: $CITYCHAN_CONFIG, ./citychan.toml, user config dir)."),
    ),
]
OutputOption = Annotated[
    str,
    typer.Option(
        "--output", callback=common.check_output, metavar="text|json",
        help=N_("Output format: 'text' for people, 'json' for scripts (stdout, versioned "
                "envelope)."),
    ),
]
YesOption = Annotated[
    bool, typer.Option("--yes", "-y", help=N_("Do not ask for confirmation (scripts, cron)."))
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help=N_("Check and render only; send and record nothing."))
]
ChannelOption = Annotated[
    list[str] | None, typer.Option("--channel", help=N_("Only this channel (repeatable)."))
]
ByOption = Annotated[
    str | None,
    typer.Option("--by", help=N_("Who acts, as recorded (staff only; default: your login name).")),
]
