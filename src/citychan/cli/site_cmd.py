"""citychan site rebuild: write every page of the website feed again from the store (a new
machine, or after an upgrade that changed the pages), and upload them where the feed
uploads. Posts go on meanwhile."""

from __future__ import annotations

from typing import Any

import typer

from citychan.cli import common
from citychan.cli.options import ConfigOption, OutputOption
from citychan.i18n import N_, gettext

_ = gettext

TEXT = {
    "written": N_("{channel}: {entries} entry pages, {months} month pages and {other} other "
                  "files written in {seconds:.1f} s to {folder}"),
    "uploaded": N_("{channel}: {uploaded} files uploaded to {upload} (the others it had "
                   "already)"),
    "local": N_("{channel}: not uploaded (no upload configured, or --no-upload); the folder "
                "is ready for the web server"),
    "failed": N_("Error: {channel}: upload to {upload} failed: {error}"),
    "failed_hint": N_("Hint: the files stay written and the rest is owed to the server: "
                      "'citychan retry' or the next post sends it, or run the rebuild again"),
}

site_app = typer.Typer(
    name="site",
    help=N_("The website the feed channel writes: write every page again from the store.\n\n"
    "Examples:\n\n  citychan site rebuild\n\n  citychan site rebuild --channel website "
    "--no-upload"),
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def register(app: typer.Typer) -> None:
    app.add_typer(site_app)


@site_app.command("rebuild")
def rebuild(
    channel: str | None = typer.Option(
        None, "--channel", help=N_("Only this feed channel (default: every enabled one).")),
    upload: bool = typer.Option(
        True, "--upload/--no-upload",
        help=N_("Upload what changed where the channel uploads (default), or only write.")),
    config: ConfigOption = None,
    output: OutputOption = "text",
) -> None:
    """Write every page of the website feed again from the entries in the store: the entry
    pages, the month pages, the front page, feed.xml and feed.json. Run it once on a new
    machine, and after an upgrade that changed the pages. Posts and warnings from every
    machine go on meanwhile.

    Example: citychan site rebuild
    """
    from citychan import api
    from citychan.api import site

    report = common.run(lambda: site.rebuild(api.load(config), channel=channel,
                                             upload=upload))
    code = int(report.exit_code)
    if output == "json":
        common.emit_json("site", code == 0, report.as_dict(), code)
        raise typer.Exit(code)
    for r in report.feeds:
        _show(r.as_dict())
    raise typer.Exit(code)


def _show(r: dict[str, Any]) -> None:
    typer.echo(_(TEXT["written"]).format(channel=r["channel"], entries=r["entry_pages"],
                                         months=r["month_pages"], other=r["other_files"],
                                         seconds=r["seconds"], folder=r["folder"]))
    if r["upload_error"] is not None:
        typer.echo(_(TEXT["failed"]).format(channel=r["channel"], upload=r["upload"],
                                            error=r["upload_error"]), err=True)
        typer.echo(_(TEXT["failed_hint"]), err=True)
    elif r["upload"] is not None:
        typer.echo(_(TEXT["uploaded"]).format(**r))
    else:
        typer.echo(_(TEXT["local"]).format(channel=r["channel"]))
