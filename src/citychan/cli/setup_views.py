"""How `citychan templates`, `new` and `config` look on a terminal. Like views.py, these
draw what the library returned and compute nothing; their words are kept together here."""

from __future__ import annotations

from typing import Any

import typer

from citychan.cli.views import esc, out_console, plain, styled

ORIGIN = {"city": "city folder", "built-in": "built-in"}
OVERRIDES = " (replaces the built-in)"
NO_CITY_FOLDER = "The city's folder {folder} does not exist yet: put a .md (notice) or " \
                 ".toml (warning) template there to add or replace one."
WROTE = "Wrote {files} from template '{template}' ({kind}, day {day})."
FILL_IN = "Fill in: {blanks}"
NEXT = "Then: citychan check {file}"
PLACEHOLDER = ("[subscribe] url is an example, not your channel: set it to your channel's "
               "invite link before printing a QR code")


def templates_table(result: dict[str, Any]) -> None:
    from pathlib import Path

    from rich.table import Table

    table = Table(title="Templates", title_justify="left")
    for col in ("name", "kind", "from", "what for"):
        table.add_column(col, overflow="fold")
    for t in result["templates"]:
        origin = ORIGIN.get(t["origin"], t["origin"])
        where = f"{origin}{OVERRIDES if t['overrides'] else ''}"
        cell = styled("bold", where) if t["origin"] == "city" else esc(where)
        table.add_row(esc(t["name"]), esc(t["kind"]), cell, esc(t["description"]))
    console = out_console()
    console.print(table)
    if not Path(result["folder"]).is_dir():
        console.print(styled("dim", NO_CITY_FOLDER.format(folder=result["folder"])))


def written(result: Any) -> None:
    files = ", ".join(plain(p) for p in result.files)
    typer.echo(WROTE.format(files=files, template=result.template, kind=result.kind,
                            day=f"{result.day:%d.%m.%Y}"))
    if result.blanks:
        typer.echo(FILL_IN.format(blanks=" ".join(result.blanks)))
    typer.echo(NEXT.format(file=plain(result.files[0])))


def config_view(info: dict[str, Any]) -> None:
    from rich.table import Table

    console = out_console()
    where = info["path"] or "embedded default"
    console.print(f"Config: {styled('bold', where)}")
    console.print(f"Why:    {esc(info['why'])}")
    console.print(f"City:   {esc(info['city'])} ({esc(', '.join(info['languages']))})")
    console.print(f"Store:  {esc(info['store'])}")
    console.print(f"Templates: {esc(info['templates'])}")
    console.print(f"CAP sender: {esc(info['cap_sender'] or 'not set (needed for warnings)')}")
    console.print(f"WhatsApp invite: {esc(info['subscribe_url'] or 'not set')}")
    if info["subscribe_url_placeholder"]:
        console.print(styled("yellow", PLACEHOLDER))
    table = Table(title="Channels", title_justify="left")
    for col in ("name", "type", "enabled", "kinds", "languages"):
        table.add_column(col, overflow="fold")
    for c in info["channels"]:
        table.add_row(esc(c["name"]), esc(c["type"]), "yes" if c["enabled"] else "no",
                      esc(", ".join(c["kinds"])), esc(", ".join(c["languages"]) or "all"))
    console.print(table)
