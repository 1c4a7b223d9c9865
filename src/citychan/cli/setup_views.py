"""How `citychan templates`, `new` and `config` look on a terminal. Like views.py, these
draw what the library returned and compute nothing; their words are kept together here."""

from __future__ import annotations

from typing import Any

import typer

from citychan.cli.views import esc, out_console, plain, styled
from citychan.i18n import N_, gettext, localize

_ = gettext

ORIGIN = {"city": N_("city folder"), "built-in": N_("built-in")}
OVERRIDES = N_(" (replaces the built-in)")
NO_CITY_FOLDER = N_("The city's folder {folder} does not exist yet: put a .md (notice) or "
                    ".toml (warning) template there to add or replace one.")
WROTE = N_("Wrote {files} from template '{template}' ({kind}, day {day}).")
FILL_IN = N_("Fill in: {blanks}")
NEXT = N_("Then: citychan check {file}")
PLACEHOLDER = N_("[subscribe] url is an example, not your channel: set it to your channel's "
                 "invite link before printing a QR code")
CONFIG_LINES = (N_("Config: {where}"), N_("Why:    {why}"), N_("City:   {city} ({languages})"),
                N_("Store:  {store}"), N_("Templates: {templates}"),
                N_("CAP sender: {sender}"), N_("WhatsApp invite: {url}"))


def templates_table(result: dict[str, Any]) -> None:
    from pathlib import Path

    from rich.table import Table

    table = Table(title=_("Templates"), title_justify="left")
    for col in (_("name"), _("kind"), _("from"), _("what for")):
        table.add_column(col, overflow="fold")
    for t in result["templates"]:
        origin = _(ORIGIN.get(t["origin"], t["origin"]))
        where = f"{origin}{_(OVERRIDES) if t['overrides'] else ''}"
        cell = styled("bold", where) if t["origin"] == "city" else esc(where)
        table.add_row(esc(t["name"]), esc(_(t["kind"])), cell, esc(t["description"]))
    console = out_console()
    console.print(table)
    if not Path(result["folder"]).is_dir():
        console.print(styled("dim", _(NO_CITY_FOLDER).format(folder=result["folder"])))


def written(result: Any) -> None:
    files = ", ".join(plain(p) for p in result.files)
    typer.echo(_(WROTE).format(files=files, template=result.template, kind=_(result.kind),
                            day=f"{result.day:%d.%m.%Y}"))
    if result.blanks:
        typer.echo(_(FILL_IN).format(blanks=" ".join(result.blanks)))
    typer.echo(_(NEXT).format(file=plain(result.files[0])))


def config_view(info: dict[str, Any]) -> None:
    from rich.table import Table

    console = out_console()
    where, why, city, store, templates, sender, url = (_(line) for line in CONFIG_LINES)
    console.print(where.format(where=styled("bold", info["path"] or _("embedded default"))))
    console.print(esc(why.format(why=localize(info["why"]))))
    console.print(esc(city.format(city=info["city"], languages=", ".join(info["languages"]))))
    console.print(esc(store.format(store=info["store"])))
    console.print(esc(templates.format(templates=info["templates"])))
    console.print(esc(sender.format(
        sender=info["cap_sender"] or _("not set (needed for warnings)"))))
    console.print(esc(url.format(url=info["subscribe_url"] or _("not set"))))
    if info["subscribe_url_placeholder"]:
        console.print(styled("yellow", _(PLACEHOLDER)))
    table = Table(title=_("Channels"), title_justify="left")
    for col in (_("name"), _("type"), _("enabled"), _("kinds"), _("languages")):
        table.add_column(col, overflow="fold")
    for c in info["channels"]:
        table.add_row(esc(c["name"]), esc(c["type"]), _("yes") if c["enabled"] else _("no"),
                      esc(", ".join(c["kinds"])), esc(", ".join(c["languages"]) or _("all")))
    console.print(table)
