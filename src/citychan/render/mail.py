"""E-mail: a text/plain part and a complete small HTML document; the title is the subject.
(Named ``mail`` so that it never shadows the standard library's ``email`` package.)"""

from __future__ import annotations

from citychan.render.htmlout import attr, esc, sections_html
from citychan.render.plain import plain_text
from citychan.render.sections import Job
from citychan.render.types import Dialect, Rendered


def render_email(job: Job) -> Rendered:
    """Both parts carry every title: a mail body is read on its own, apart from the subject."""
    body = sections_html(job, 1, wrap_lang=True)
    doc = (
        f'<!DOCTYPE html>\n<html lang="{attr(job.lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(job.title)}</title>\n</head>\n<body>\n{body}</body>\n</html>\n"
    )
    return Rendered(Dialect.EMAIL, plain_text(job), html=doc, title=job.title)
