"""citychan store info | migrate | export FILE | import FILE: the store in use (the SQLite
file or the city's PostgreSQL server), its schema, a readable backup, and moving a city's
records from one laptop's file to the shared server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from citychan.cli import common, views
from citychan.cli.options import ConfigOption, OutputOption
from citychan.i18n import N_, gettext

_ = gettext

store_app = typer.Typer(
    name="store",
    help=N_("The store of every post, delivery, incident and scheduled post: which one is in "
    "use, its schema, export and import.\n\n"
    "Examples:\n\n  citychan store info\n\n  citychan store export backup.jsonl\n\n"
    "  citychan store import citychan-out/citychan.db"),
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# every line a person reads, in one place
TEXT = {
    "store": N_("Store:   {where} ({backend})"),
    "schema": N_("Schema:  {schema} (this citychan: {newest})"),
    "none": N_("No store yet: the first post creates it."),
    "migrated": N_("{store}: schema {before} -> {schema}"),
    "current": N_("{store}: schema {schema}, nothing to migrate"),
    "exported": N_("Exported {store} to {file}:"),
    "imported": N_("Imported {file} into {store}, checked per table (rows, sha256):"),
    "row": N_("  {table:<16} {rows:>7} rows  sha256 {sha}"),
}


def register(app: typer.Typer) -> None:
    app.add_typer(store_app)


@store_app.command("info")
def info(config: ConfigOption = None, output: OutputOption = "text") -> None:
    """Which store is in use (the file, or the server's URL without password), its schema
    version and the rows of each table.

    Example: citychan store info --output json
    """
    from citychan import api
    from citychan.api import store as store_api

    result = common.run(lambda: store_api.info(api.load(config)).as_dict())
    if output == "json":
        common.emit_json("store", True, result)
        return
    console = views.out_console()
    console.print(_(TEXT["store"]).format(where=result["store"], backend=result["backend"]),
                  markup=False, highlight=False)
    if not result["exists"]:
        console.print(_(TEXT["none"]))
        return
    console.print(_(TEXT["schema"]).format(schema=result["schema"],
                                        newest=result["newest_schema"]), highlight=False)
    for table, n in sorted(result["counts"].items()):
        console.print(f"  {table:<16} {n:>7}", markup=False, highlight=False)


@store_app.command("migrate")
def migrate(config: ConfigOption = None, output: OutputOption = "text") -> None:
    """Bring the store to this citychan's schema (every command does it on first use;
    run it explicitly after an upgrade, from one machine, before the others).

    Example: citychan store migrate
    """
    from citychan import api
    from citychan.api import store as store_api

    moved = common.run(lambda: store_api.migrate(api.load(config)))
    result = {"store": moved.store, "before": moved.before, "schema": moved.schema}
    if output == "json":
        common.emit_json("store", True, result)
        return
    key = "migrated" if moved.before != moved.schema else "current"
    typer.echo(_(TEXT[key]).format(**result))


@store_app.command("export")
def export(
    file: Path = typer.Argument(..., help=N_("The file to write (JSON lines).")),
    force: bool = typer.Option(False, "--force", help=N_("Replace FILE if it exists.")),
    config: ConfigOption = None,
    output: OutputOption = "text",
) -> None:
    """Write every table of the store to FILE: one JSON line per row after a header with
    the schema, the rows and a content hash per table. A backup a person can read, and what
    'citychan store import' reads.

    Example: citychan store export backup-2026-11-30.jsonl
    """
    from citychan import api
    from citychan.api import store as store_api

    moved = common.run(lambda: store_api.export_store(api.load(config), file, force=force))
    _moved("exported", moved.as_dict(), output)


@store_app.command("import")
def import_(
    file: Path = typer.Argument(..., help=N_("An SQLite store file or an export.")),
    config: ConfigOption = None,
    output: OutputOption = "text",
) -> None:
    """Fill the store in use (new and empty) from FILE: a laptop's SQLite store
    (citychan-out/citychan.db) or a file 'citychan store export' wrote. Every table is
    checked afterwards: the same rows, the same content hash. FILE is never changed.

    Example: citychan store import ~/alt/citychan-out/citychan.db
    """
    from citychan import api
    from citychan.api import store as store_api

    moved = common.run(lambda: store_api.import_store(api.load(config), file))
    _moved("imported", moved.as_dict(), output)


def _moved(what: str, result: dict[str, Any], output: str) -> None:
    if output == "json":
        common.emit_json("store", True, result)
        return
    typer.echo(_(TEXT[what]).format(**result))
    for t in result["tables"]:
        typer.echo(_(TEXT["row"]).format(table=t["table"], rows=t["rows"], sha=t["sha256"][:16]))
