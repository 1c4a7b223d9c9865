"""WhatsApp: `*bold*`, `_italic_`, `~strike~`, ```` ```mono``` ````, `- ` lists and `> `
quotes. There is no link syntax, so a link becomes ``text: URL``; headings become bold lines."""

from __future__ import annotations

from citychan.render.sections import Job
from citychan.render.text import TextStyle, compose, display_url, identity, indent
from citychan.render.types import Dialect, Rendered


def _link(text: str, href: str, auto: bool) -> str:
    shown = display_url(href)
    return shown if auto or text in ("", shown) else f"{text}: {shown}"


def _mono(code: str) -> str:
    return f"```{code}```"


def _bold_line(text: str) -> str:
    """One bold line. WhatsApp has no escape: a '*' inside would end the bold early (and
    '**' would show), so it becomes the look-alike '∗'; a line break becomes a space."""
    text = " ".join(text.replace("*", "\u2217").split())
    return f"*{text}*" if text else ""


STYLE = TextStyle(
    escape=identity,
    strong=("*", "*"),
    em=("_", "_"),
    strike=("~", "~"),
    code=_mono,
    link=_link,
    heading=lambda text, level: _bold_line(text),
    code_block=lambda code, info: _mono(code),
    quote=lambda inner: indent(inner, "> "),
    title=_bold_line,
    bullet="- ",
    trim_marks=True,
    heading_bold=True,
)


def render_whatsapp(job: Job) -> Rendered:
    """The WhatsApp text: title as the first bold line, then the body."""
    return Rendered(Dialect.WHATSAPP, compose(job, STYLE), title=job.title)
