"""Rendering: a message's Markdown, parsed once, written in each dialect.

- :mod:`citychan.render.notice`  render(), render_summary(), message_links(): a notice in a
  dialect
- :mod:`citychan.render.types`   Dialect, Rendered, LengthUnit and the one measure() of length;
  imports nothing of citychan's, so every layer may hold these values
- one module per dialect (whatsapp, telegram, matrix, plain, markdown for ntfy and the outbox,
  mail, feed) over the shared parse and sections

This package's own module imports nothing, so that importing ``render.types`` costs nothing
more; markdown-it-py is loaded on the first parse.
"""
