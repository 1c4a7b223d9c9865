"""A Warning as a normal :class:`citychan.notices.message.Message`, so the ordinary renderers can
put it on every channel: title = headline, body = what happened, what to do, where, until
when, who says so."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from citychan.alerts.levels import MsgType
from citychan.alerts.shorttext import short_text
from citychan.alerts.timeutil import cap_time, human_time
from citychan.alerts.warning import Warning
from citychan.kinds import Kind
from citychan.notices.message import Document, Message

# Field labels of the body. hsb is a draft (see LABEL_REVIEW), flagged by check_review.
BODY_LABELS: Mapping[str, Mapping[str, str]] = {
    "de": {"action": "Was Sie tun sollten", "area": "Gebiet", "until": "Gültig bis",
           "as_of": "Stand", "source": "Quelle"},
    "hsb": {"action": "Što měli činić", "area": "Wobłuk", "until": "Płaćiwe hač do",
            "as_of": "Staw", "source": "Žórło"},
}
LABEL_REVIEW = frozenset({"hsb"})


def warning_body(warning: Warning, lang: str) -> str:
    """The Markdown body of one language (the headline travels as the title)."""
    text = warning.text(lang)
    labels = BODY_LABELS.get(lang, BODY_LABELS["de"])
    if warning.msg_type is MsgType.CANCEL or warning.expires is None:
        when = f"**{labels['as_of']}:** {human_time(warning.sent, lang)}"
    else:
        when = f"**{labels['until']}:** {human_time(warning.expires, lang)}"
    area = warning.area.description(lang)
    # the area once, where it reads naturally: a headline that names it ("Gefahr: Hochwasser
    # - Seidau") needs no "Gebiet:" line repeating it
    named = bool(area) and area.casefold() in text.headline.casefold()
    blocks = [
        text.description,
        f"**{labels['action']}:** {text.instruction}" if text.instruction else "",
        "" if named else f"**{labels['area']}:** {area}",
        when,
        f"**{labels['source']}:** {warning.sender_name or warning.sender}",
    ]
    return "\n\n".join(b for b in blocks if b.strip()) + "\n"


def warning_to_message(warning: Warning, langs: Iterable[str] | None = None, *,
                       link: str | None = None) -> Message:
    """The warning as a Message in ``langs`` (default: all of its languages, in order).

    The short text becomes the ``summary`` small channels fall back to; the warning's
    identity (incident, level, event, status, effective) is in the front matter so the
    content hash changes with every update.
    """
    wanted = tuple(langs) if langs is not None else warning.langs
    docs = []
    path = Path(f"{warning.identifier}.md")
    for lang in (x for x in wanted if x in warning.texts):
        text = warning.text(lang)
        meta = {
            "title": text.headline, "kind": "warning", "lang": lang,
            "level": str(warning.level) if warning.level else None, "event": warning.event,
            "incident": warning.incident, "status": str(warning.status),
            "effective": cap_time(warning.effective), "area": warning.area.description(lang),
            "headline": text.headline, "description": text.description,
            "instruction": text.instruction,
            "identifier": warning.identifier, "msg_type": str(warning.msg_type),
        }
        docs.append(Document(lang=lang, title=text.headline, body=warning_body(warning, lang),
                             path=path, summary=short_text(warning, lang), meta=meta))
    if not docs:
        raise ValueError(f"warning {warning.identifier} has none of the languages {wanted}")
    return Message(path=path, kind=Kind.WARNING, docs=tuple(docs), link=link,
                   expires=cap_time(warning.expires) if warning.expires else None)
