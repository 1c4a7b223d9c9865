"""A post as a channel gets it, and as the store keeps it: built from a plan's target,
written as JSON before the first attempt, read back by `citychan retry` to send the very
same thing with the same idempotency key.

A post sent from a notice's copy (a draft approved, or a scheduled post sent, on a machine
without the notice's folder) names its picture in the temporary folder of that copy, which
is gone afterwards: `citychan retry` then takes the picture from the files the draft or the
scheduled post keeps in the store (:func:`with_kept_picture`), matched by the message's
content hash, which covers the picture's bytes."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path, PurePosixPath

from citychan.channels.base import Action, Dialect, Kind, LangPart, Level, Post, Rendered
from citychan.errors import UsageError
from citychan.links import clean_url
from citychan.notices.target import Plan, Target
from citychan.store.db import Store
from citychan.store.kept_files import picture_of
from citychan.timeparse import parse_when


def make_post(
    plan: Plan, target: Target, key: str, now: datetime, level: Level | None,
    cap_file: str | None = None, expires: datetime | None = None,
) -> Post:
    msg = plan.message
    docs = [d for d in msg.docs if d.lang in target.langs] or [msg.primary]
    return Post(
        message_id=msg.content_hash,
        channel=target.name,
        kind=Kind(msg.kind),
        title=" / ".join(d.title for d in docs),
        rendered=target.rendered,
        langs=target.langs,
        link=clean_url(msg.link)[0] if msg.link else None,
        summary=docs[0].summary,
        image=msg.image if target.capabilities.images else None,
        image_alt=docs[0].image_alt,
        tags=msg.tags,
        level=level,
        idempotency_key=key,
        sent=now,
        cap_file=cap_file,
        expires=expires,
        parts=tuple(p for lang in target.langs for p in plan.parts if p.lang == lang),
    )


def expiry_of(expires: str | None, now: datetime) -> datetime | None:
    """When a notice's ``expires:`` falls, read at the time of posting (``2d`` counts from
    then); None without one, or where it cannot be read in the city's time (check says so)."""
    if not expires:
        return None
    try:
        return parse_when(expires, base=now, tz=now.tzinfo or "Europe/Berlin")
    except UsageError:
        return None


def post_to_json(post: Post) -> str:
    r = post.rendered
    return json.dumps(
        {
            "message_id": post.message_id,
            "channel": post.channel,
            "kind": str(post.kind),
            "title": post.title,
            "langs": list(post.langs),
            "link": post.link,
            "summary": post.summary,
            # absolute: `citychan retry` may run from another folder
            "image": str(post.image.resolve()) if post.image else None,
            "image_alt": post.image_alt,
            "tags": list(post.tags),
            "level": post.level,
            "idempotency_key": post.idempotency_key,
            "sent": post.sent.isoformat() if post.sent else None,
            "cap_file": post.cap_file,
            "recipients": list(post.recipients),
            "action": str(post.action),
            "replaces": post.replaces,
            "expires": post.expires.isoformat() if post.expires else None,
            "note": post.note,
            "parts": [[p.lang, p.title, p.text, p.html, p.summary] for p in post.parts],
            "rendered": {
                "dialect": str(r.dialect),
                "text": r.text,
                "html": r.html,
                "title": r.title,
            },
        },
        ensure_ascii=False,
        default=str,
    )


def post_from_json(text: str) -> Post:
    d = json.loads(text)
    r = d["rendered"]
    return Post(
        message_id=d["message_id"],
        channel=d["channel"],
        kind=Kind(d["kind"]),
        title=d["title"],
        rendered=Rendered(Dialect(r["dialect"]), r["text"], r["html"], r["title"]),
        langs=tuple(d["langs"]),
        link=d["link"],
        summary=d["summary"],
        image=Path(d["image"]) if d["image"] else None,
        image_alt=d["image_alt"],
        tags=tuple(d["tags"]),
        level=Level(d["level"]) if d["level"] else None,
        idempotency_key=d["idempotency_key"],
        sent=datetime.fromisoformat(d["sent"]) if d["sent"] else None,
        cap_file=d.get("cap_file"),  # absent in rows of notices from before store schema 3
        recipients=tuple(d.get("recipients") or ()),  # issue 10: absent in older rows
        # absent in rows from before corrections and withdrawals: a plain send
        action=Action(d.get("action") or Action.SEND),
        replaces=d.get("replaces"),
        expires=datetime.fromisoformat(d["expires"]) if d.get("expires") else None,
        note=d.get("note"),
        parts=tuple(LangPart(*p) for p in d.get("parts", ())),  # absent before issue 13
    )


@contextmanager
def with_kept_picture(store: Store, message_hash: str, post: Post) -> Iterator[Post]:
    """``post`` as recorded; where its picture is gone (it was sent from a temporary copy),
    with the picture a draft or a scheduled post of ``message_hash`` keeps in the store,
    written into a private temporary folder in its layout (so that a record of it names it
    as the kept file again) for as long as the block runs. Without a kept picture, ``post``
    as recorded (as before: the channel goes without it, or says it is missing)."""
    if post.image is None or post.image.exists():
        yield post
        return
    kept = picture_of(store, message_hash, post.image)
    if kept is None:
        yield post
        return
    with tempfile.TemporaryDirectory(prefix="citychan-retry-") as tmp:
        path = Path(tmp).joinpath(*PurePosixPath(kept.name).parts)
        if not path.resolve().is_relative_to(Path(tmp).resolve()):
            yield post  # a name that would lead out of the folder is not written
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(kept.data)
        yield replace(post, image=path)
