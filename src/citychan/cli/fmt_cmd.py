"""citychan fmt: put front-matter values in quotes and escape dates where they need it."""

from __future__ import annotations

from pathlib import Path

import typer

from citychan.cli import common, views
from citychan.cli.options import OutputOption
from citychan.i18n import N_, gettext

_ = gettext

# the command's words in one place (for translation)
WOULD_CHANGE = N_("would change")
CHANGED = N_("changed")
UNCHANGED = N_("nothing to change")
SUMMARY = N_("{changed} of {total} file(s) {verb}.")


def register(app: typer.Typer) -> None:
    app.command("fmt")(fmt)


def fmt(
    files: list[Path] = typer.Argument(..., help=N_("Notice files (Markdown with front matter).")),
    check: bool = typer.Option(
        False, "--check", help=N_("Change nothing; exit 1 when a file would change (for CI).")),
    output: OutputOption = "text",
) -> None:
    """Fix what YAML and Markdown would misread, in place; nothing else changes.

    A value with ': ' in it is put in quotes (title: "Achtung: Töpferstraße gesperrt"), and
    a line starting with a date is escaped (- 24\\. November), so that it is no numbered list.

    Example: citychan fmt notices/*.md    (in CI: citychan fmt --check notices/*.md)
    """
    from citychan.api import writing

    results = common.run(lambda: writing.fmt(files, write=not check))
    broken = any(r.error for r in results)
    changed = sum(bool(r.changes) for r in results)
    code = 2 if broken else 1 if check and changed else 0
    if output == "json":
        common.emit_json("fmt", code == 0, {"files": [r.as_dict() for r in results]}, code)
        raise typer.Exit(code)
    for r in results:
        views.formatted(r, _(WOULD_CHANGE if check else CHANGED), _(UNCHANGED))
    verb = WOULD_CHANGE if check else CHANGED
    typer.echo(_(SUMMARY).format(changed=changed, total=len(results), verb=_(verb)))
    raise typer.Exit(code)
