"""citychan qr: the subscription QR code as PNG, SVG, PDF poster, or in the terminal."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from citychan.cli import common, views
from citychan.cli.options import ConfigOption, OutputOption
from citychan.i18n import N_, gettext, localize

_ = gettext


def register(app: typer.Typer) -> None:
    app.command("qr")(qr)


def qr(
    out: Path | None = typer.Option(None, "--out", "-o",
            help=N_("code.png, code.svg or poster.pdf (format by extension).")),
    poster: bool | None = typer.Option(
        None, "--poster/--plain",
            help=N_("Poster (PDF only; the default for .pdf) or the bare code.")),
    size: str | None = typer.Option(None, "--size",
            help=N_("Printed width of the code itself, e.g. 5cm, 50mm, 2in.")),
    distance: str | None = typer.Option(None, "--distance",
            help=N_("Reading distance, e.g. 2m: warns below distance/10.")),
    paper: str = typer.Option("a4", "--paper", help=N_("Poster paper: a4, a5 or a6.")),
    logo: Path | None = typer.Option(
        None, "--logo", help=N_("Logo image (PNG/JPEG) for the centre of the code and the poster "
        "header; raises error correction to H.")),
    logo_size: str = typer.Option("10%", "--logo-size", help=N_("Share of the code the logo covers "
                                  "(at most 15%).")),
    url: str | None = typer.Option(None, "--url", help=N_("Encode this https URL instead of the "
                                   "config's subscribe url.")),
    fg: str = typer.Option("#000000", "--fg", help=N_("Module colour (dark).")),
    bg: str = typer.Option("#ffffff", "--bg", help=N_("Background colour (light).")),
    show: bool = typer.Option(False, "--show", help=N_("Print the code in the terminal.")),
    config: ConfigOption = None,
    output: OutputOption = "text",
) -> None:
    """Make the subscription QR code: PNG, SVG, or a bilingual PDF poster.

    A 300 DPI PNG, an exact-size SVG, or a PDF poster with steps in German and Sorbian and
    codes for the other channels. Without --out the code is shown in the terminal.

    Example: citychan qr --out poster.pdf --poster --paper a4
    """
    from citychan.api.qr import QrOptions

    options = QrOptions(out=out, url=url, poster=poster, paper=paper, size=size,
                        distance=distance, logo=logo, logo_size=logo_size, fg=fg, bg=bg)
    result, shown = common.run(lambda: _make(options, config, show or out is None))
    for warning in result["warnings"]:
        typer.echo(_("Warning: {message}").format(message=views.plain(localize(warning))),
                   err=True)
    if output == "json":
        common.emit_json("qr", True, result)
        if shown:
            sys.stderr.write(shown)
        return
    if shown:
        sys.stdout.write(shown)
    if out is not None:
        _summary(result)


def _make(options: Any, config: Path | None, show: bool) -> tuple[dict[str, Any], str]:
    from citychan import api
    from citychan.api import qr

    cfg = api.load(config)
    result = qr.make(options, cfg).as_dict()
    shown = qr.terminal(options, cfg, colour=sys.stdout.isatty()) if show else ""
    return result, shown


# every line a person reads, in one place
TEXT = {
    "poster": N_("poster ({paper})"),
    "code": N_("{format} code"),
    "wrote": N_("Wrote {path}: {what}, code {size} cm wide ({modules}×{modules} modules of "
                "{module_mm} mm, level {level}) → {url}"),
    "others": N_("Also on the poster: {codes}"),
}


def _summary(r: dict[str, Any]) -> None:
    what = (_(TEXT["poster"]).format(paper=r["paper"].upper()) if r["poster"]
            else _(TEXT["code"]).format(format=r["format"].upper()))
    typer.echo(views.plain(_(TEXT["wrote"]).format(
        path=r["path"], what=what, size=f"{r['printed_mm'] / 10:.2f}", modules=r["modules"],
        module_mm=f"{r['module_mm']:.2f}", level=r["error_level"], url=r["url"])))
    if r["other_codes"]:
        typer.echo(views.plain(_(TEXT["others"]).format(codes=", ".join(r["other_codes"]))))
