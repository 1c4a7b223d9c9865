"""Text hygiene in one place: the characters no text of a notice may carry, and those XML
1.0 forbids. Every writer of XML (CAP, Atom, HTML) and of e-mail passes its text through
:func:`xml_text`; every text read from a person (a file, YAML escapes, a command-line
option) through :func:`clean_controls`."""

from __future__ import annotations

import re

# XML 1.0 Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Also DEL and the C1 controls: XML tolerates them, but no notice means them and a terminal
# may obey them (U+009B starts an escape sequence like ESC [ does).
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_BREAKS = str.maketrans({"\r": "\n", "\v": "\n", "\f": "\n"})


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (C0 controls other than tab, line
    feed and carriage return; lone surrogates; U+FFFE and U+FFFF), so that the document it
    enters stays well-formed for every later reader."""
    return _XML_FORBIDDEN.sub("", text)


def clean_controls(text: str) -> str:
    """Line ends as \\n; a vertical tab or form feed (Word's soft line break) becomes a line
    break; other control characters (ESC of terminal escapes included) are dropped."""
    return _CONTROLS.sub("", text.replace("\r\n", "\n").translate(_BREAKS))
