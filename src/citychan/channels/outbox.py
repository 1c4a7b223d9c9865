"""The ``outbox`` channel: one file per message and channel, exactly as rendered.

Offline and always available: the press office can read what would go out, or copy the
WhatsApp text into the app by hand when no gateway is configured. A warning's CAP document
lies beside its file (citychan.warn.cap_files writes it there)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from citychan import clock
from citychan.channels.base import (
    Capabilities,
    ChannelConfigError,
    ChannelContext,
    ChannelError,
    Dialect,
    Option,
    Post,
    Receipt,
)
from citychan.fsutil import atomic_write, locked
from citychan.i18n import N_

_EXT = {
    Dialect.TELEGRAM: "html",
    Dialect.MATRIX: "html",
    Dialect.FEED: "html",
    Dialect.EMAIL: "eml.txt",
    Dialect.NTFY: "md",
    Dialect.MARKDOWN: "md",
}


def slug(text: str, length: int = 40) -> str:
    table = str.maketrans(
        {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
    )
    s = re.sub(r"[^A-Za-z0-9]+", "-", text.translate(table)).strip("-").lower()
    return s[:length].rstrip("-") or "notice"


def _capabilities(dialect: Dialect) -> Capabilities:
    # a correction rewrites the file in place; a withdrawal is a file of its own (the
    # press office copies it by hand, as it did the notice)
    return Capabilities(dialect=dialect, network=False, images=True,
                        title_field=dialect in (Dialect.NTFY, Dialect.EMAIL, Dialect.FEED),
                        can_edit=True)


class OutboxChannel:
    type_name: ClassVar[str] = "outbox"
    options: ClassVar[dict[str, Option]] = {
        "path": Option(str, default="citychan-out/outbox"),
        "dialect": Option(str, default="whatsapp"),
    }

    def __init__(self, name: str, path: Path, dialect: Dialect) -> None:
        self.name = name
        self.path = path
        self.capabilities = _capabilities(dialect)

    @classmethod
    def declare(cls, options: Mapping[str, Any]) -> Capabilities:
        """The dialect is an option; an unknown one is refused by from_config."""
        try:
            return _capabilities(Dialect(options.get("dialect", "whatsapp")))
        except ValueError:
            return _capabilities(Dialect.WHATSAPP)

    @classmethod
    def from_config(
        cls, name: str, options: Mapping[str, Any], ctx: ChannelContext
    ) -> OutboxChannel:
        try:
            dialect = Dialect(options.get("dialect", "whatsapp"))
        except ValueError:
            raise ChannelConfigError(
                f"[channels.{name}] unknown dialect {options.get('dialect')!r}; one of: "
                + ", ".join(d.value for d in Dialect)
            ) from None
        path = Path(options.get("path") or "citychan-out/outbox")
        return cls(name, path if path.is_absolute() else ctx.base_dir / path, dialect)

    def __repr__(self) -> str:
        return f"OutboxChannel(name={self.name!r}, path={str(self.path)!r})"

    def file_for(self, post: Post) -> Path:
        ext = _EXT.get(self.capabilities.dialect, "txt")
        return self.path / f"{slug(post.title)}-{post.message_id[:12]}.{self.name}.{ext}"

    def send(self, post: Post) -> Receipt:
        return self._write(self.file_for(post), post, [])

    def edit(self, post: Post) -> Receipt:
        """The file ``post.replaces`` names, written again with the corrected text under a
        "korrigiert" line saying when and what changed."""
        name = post.replaces or ""
        if not name or Path(name).name != name:  # a file name of ours, never a path
            raise ChannelError(N_("outbox: {name!r} is not a file of {path}; nothing "
                                  "changed").format(name=name, path=self.path))
        when = (post.sent or clock.utcnow().astimezone()).strftime("%d.%m.%Y, %H:%M Uhr")
        note = f": {post.note}" if post.note else ""
        return self._write(self.path / name, post, [f"[korrigiert am {when}{note}]\n\n"])

    def _write(self, target: Path, post: Post, parts: list[str]) -> Receipt:
        r = post.rendered
        if r.title and self.capabilities.title_field:
            parts.append(f"Subject: {r.title}\n" if r.dialect is Dialect.EMAIL else f"{r.title}\n")
        parts.append(r.text.rstrip("\n") + "\n")
        if r.html:
            parts.append("\n" + r.html.rstrip("\n") + "\n")
        if post.image:
            parts.append(f"\n[image: {post.image.name} — {post.image_alt or ''}]\n")
        try:
            with locked(self.path):
                atomic_write(target, "".join(parts))
        except OSError as exc:
            raise ChannelError(
                N_("cannot write {target}: {strerror}").format(
                    target=target, strerror=exc.strerror), outcome_known=True
            ) from None
        return Receipt(remote_id=target.name, url=target.resolve().as_uri())
