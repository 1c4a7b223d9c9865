"""Feed entries: an HTML fragment for Atom ``content type="html"`` and the archive page."""

from __future__ import annotations

from citychan.hygiene import xml_text
from citychan.render.htmlout import sections_html
from citychan.render.plain import plain_text
from citychan.render.sections import Job
from citychan.render.types import Dialect, Rendered


def render_feed(job: Job) -> Rendered:
    """The entry has its own title, so the first language starts without one; further
    languages start with an ``<h2>`` title."""
    html = sections_html(job, 2, wrap_lang=True, first_title=False)
    # everything here goes into Atom (XML): nothing XML forbids may pass
    return Rendered(Dialect.FEED, xml_text(plain_text(job, first_title=False)), html=html,
                    title=xml_text(job.title))
