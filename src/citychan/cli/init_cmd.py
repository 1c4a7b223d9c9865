"""citychan init: write a starter config."""

from __future__ import annotations

from pathlib import Path

import typer

from citychan.cli import common, views
from citychan.cli.options import OutputOption
from citychan.i18n import N_, gettext

_ = gettext

# user-facing texts of this command, in one place
HELP_CITY = N_("The city's name (default: Bautzen, with its geography).")
HELP_WHATSAPP = N_("The WhatsApp Channel invite link (https://whatsapp.com/channel/…).")
HELP_SENDER = N_("The CAP sender of warnings: the city's e-mail address.")
ASK_CITY = N_("City name")
ASK_WHATSAPP = N_("WhatsApp Channel invite link (empty: set it later)")
ASK_SENDER = N_("CAP sender for warnings, e.g. warnung@bautzen.de (empty: set it later)")
WROTE = N_("Wrote {path}. Add your channels, then: citychan config, citychan check FILE")
STILL_MISSING = N_("Not set yet (left out, nothing made up): {what}")


def register(app: typer.Typer) -> None:
    @app.command("init")
    def init(
        path: Path = typer.Option(Path("citychan.toml"), "--path", help=N_("Where to write it.")),
        city: str | None = typer.Option(None, "--city", help=HELP_CITY),
        whatsapp: str | None = typer.Option(None, "--whatsapp", help=HELP_WHATSAPP),
        sender: str | None = typer.Option(None, "--sender", help=HELP_SENDER),
        force: bool = typer.Option(False, "--force", help=N_("Overwrite an existing file.")),
        output: OutputOption = "text",
    ) -> None:
        """Write a starter citychan.toml (offline channels, quiet hours, daily cap).

        Offline outbox and feed channels, and house rules for info posts: quiet hours
        21:00-07:00 and at most 3 a day (warnings ignore both). On a terminal it asks for
        what is not given; what is left empty stays out of the file (no example values).

        Example: citychan init --city Bautzen --whatsapp https://whatsapp.com/channel/0029Va…
        --sender warnung@bautzen.de
        """
        from citychan.api import setup

        if output == "text" and common.is_interactive():
            city = city if city is not None else _ask(_(ASK_CITY), setup.BAUTZEN)
            whatsapp = whatsapp if whatsapp is not None else _ask(_(ASK_WHATSAPP), "")
            default = setup.BAUTZEN_SENDER if city.casefold() == "bautzen" else ""
            sender = sender if sender is not None else _ask(_(ASK_SENDER), default)
        starter = setup.Starter(city, whatsapp or None, sender or None)
        written = common.run(lambda: setup.init(path, force=force, starter=starter))
        data = setup.starter_config(starter)
        missing = [w for w, v in (("[subscribe] url", data["subscribe"].get("url")),
                                  ("[alerts] sender", data["alerts"].get("sender"))) if not v]
        if output == "json":
            common.emit_json("init", True, {"path": str(written), "missing": missing})
            return
        typer.echo(_(WROTE).format(path=views.plain(written)))
        if missing:
            typer.echo(_(STILL_MISSING).format(what=", ".join(missing)))


def _ask(question: str, default: str) -> str:
    return str(typer.prompt(question, default=default, show_default=bool(default))).strip()
