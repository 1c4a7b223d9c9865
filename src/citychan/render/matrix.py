"""Matrix ``m.notice``: a plain ``body`` and an ``org.matrix.custom.html`` formatted_body."""

from __future__ import annotations

from citychan.render.htmlout import sections_html
from citychan.render.plain import plain_text
from citychan.render.sections import Job
from citychan.render.types import Dialect, Rendered


def render_matrix(job: Job) -> Rendered:
    """Plain body and HTML with each title as ``<h3>`` (Element shows h1 very large)."""
    html = sections_html(job, 3, wrap_lang=False)  # Matrix allows no lang attribute
    return Rendered(Dialect.MATRIX, plain_text(job), html=html, title=job.title)
