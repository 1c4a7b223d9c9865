"""Shared by the QR tests: decode every output format with a real decoder (zxing-cpp),
rasterising SVG with resvg and PDF with pdfium, both shipped as PyPI wheels; a config with
subscription links; the qr command on a bare Typer app."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner, Result

from citychan.cli import qr_cmd
from citychan.config import Config, load_config
from citychan.qr.make import QrOptions, QrResult, make_qr
from tests.support.config import write_config as write_toml

URL = "https://whatsapp.com/channel/0029VaQ7rN5Jf3kLm9XwT21b"
LINKS = {
    "telegram": "https://t.me/bautzen_info",
    "mastodon": "https://bautzen.social/@stadt",
    "feed": "https://www.bautzen.de/aktuelles/feed.xml",
}


def decode_image(img: Any) -> list[str]:
    import zxingcpp

    return sorted(b.text for b in zxingcpp.read_barcodes(img.convert("L")))


def decode_png(data: bytes) -> list[str]:
    from PIL import Image

    return decode_image(Image.open(io.BytesIO(data)))


def rasterise_svg(text: str, dpi: float = 300) -> Any:
    """resvg honours the physical size (mm) at the given DPI, as a print RIP would."""
    import resvg_py
    from PIL import Image

    png = bytes(resvg_py.svg_to_bytes(svg_string=text, dpi=dpi))
    return Image.open(io.BytesIO(png))


def decode_svg(text: str, dpi: float = 300) -> list[str]:
    return decode_image(rasterise_svg(text, dpi))


def render_pdf(path: Path, dpi: float = 200) -> Any:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return pdf[0].render(scale=dpi / 72).to_pil()
    finally:
        pdf.close()


def decode_pdf(path: Path, dpi: float = 200) -> list[str]:
    return decode_image(render_pdf(path, dpi))


def pdf_text_and_size(path: Path) -> tuple[str, tuple[float, float]]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        page = pdf[0]
        return page.get_textpage().get_text_range(), (page.get_width(), page.get_height())
    finally:
        pdf.close()


def write_config(folder: Path, links: dict[str, str] | None = None,
                 languages: tuple[str, ...] = ("de", "hsb"),
                 names: dict[str, str] | None = None) -> Path:
    """citychan.toml in ``folder`` with the city, the subscription URL and its links."""
    city = {"names": names or {"de": "Bautzen", "hsb": "Budyšin"}, "languages": list(languages)}
    subscribe = {"url": URL, "links": LINKS if links is None else links}
    return write_toml(folder / "citychan.toml", city=city, subscribe=subscribe)


def make_logo(path: Path, size: tuple[int, int] = (400, 480)) -> Path:
    """A coat-of-arms-like shield with transparency, as a real city logo would be."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", size, (0, 0, 0, 0))
    w, h = size
    draw = ImageDraw.Draw(img)
    draw.polygon([(0, 0), (w, 0), (w, int(h * 0.62)), (w // 2, h), (0, int(h * 0.62))],
                 fill=(180, 20, 40, 255))
    draw.rectangle([w * 0.37, h * 0.17, w * 0.63, h * 0.62], fill=(255, 215, 0, 255))
    img.save(path)
    return path


def qr_config(folder: Path, **kw: Any) -> Config:
    """The loaded config of ``write_config(folder, **kw)``."""
    return load_config(write_config(folder, **kw))


def make(cfg: Config, out: str | None, **kw: Any) -> QrResult:
    return make_qr(QrOptions(out=Path(out) if out else None, **kw), cfg)


def run(*args: str) -> Result:
    """The qr command on a bare Typer app, independent of the other commands."""
    app = typer.Typer()
    qr_cmd.register(app)

    @app.callback()
    def _root() -> None:  # keeps 'qr' a subcommand, as in citychan
        pass

    return CliRunner().invoke(app, ["qr", *args])
