"""The ``feed`` channel: the city website's Atom feed plus a static HTML archive page.

Entries live in ``entries.json`` beside the feed (the feed is regenerated from it), ids are
stable (derived from the message), and every file is written atomically, under a lock that
every run holds while it changes them (``.citychan.lock`` in the folder), so runs posting at
the same time never lose each other's entries. A warning's entry
links its CAP document under ``cap/``; citychan.warn.cap_files writes that document and the
CAP index ``alerts.xml`` beside the feed."""

from __future__ import annotations

import html
import json
import threading
import uuid
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from citychan import clock
from citychan.channels.base import (
    Capabilities,
    ChannelContext,
    ChannelError,
    Dialect,
    Option,
    Post,
    Receipt,
    require_https,
)
from citychan.channels.jsonfeed import json_feed
from citychan.channels.upload import UploadTarget, parse_upload, upload_changed
from citychan.fsutil import atomic_write, locked
from citychan.hygiene import xml_text

ATOM = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 100  # in feed.xml; the archive page keeps all
_LOCK = threading.Lock()  # several feed channels may share a folder (and their threads the
# process-wide lock file, which every run changing the feed's files holds: fsutil.locked)


class FeedChannel:
    type_name: ClassVar[str] = "feed"
    options: ClassVar[dict[str, Option]] = {
        "path": Option(str, default="citychan-out/feed"),
        "title": Option(str, default="Stadtinformationen"),
        "public_url": Option(str, default="https://www.example.org/aktuelles"),
        # publishing: channels/upload.py
        "upload": Option(str),
        "upload_key_env": Option(str),
        "upload_password_env": Option(str),
        "upload_known_hosts": Option(str),
    }
    capabilities = Capabilities(dialect=Dialect.FEED, network=False, title_field=True, images=True,
                                can_edit=True, can_delete=True)

    def __init__(self, name: str, path: Path, title: str, public_url: str,
                 upload: UploadTarget | None = None) -> None:
        self.name = name
        self.path = path
        self.title = title
        self.public_url = public_url.rstrip("/")
        self.upload = upload

    @classmethod
    def from_config(cls, name: str, options: Mapping[str, Any], ctx: ChannelContext) -> FeedChannel:
        path = Path(options.get("path") or "citychan-out/feed")
        return cls(
            name,
            path if path.is_absolute() else ctx.base_dir / path,
            str(options.get("title") or "Stadtinformationen"),
            # every link on the archive page and in the feed starts with it
            require_https(name, "public_url",
                          str(options.get("public_url") or "https://www.example.org/aktuelles")),
            parse_upload(name, str(options["upload"]), options, ctx.env)
            if options.get("upload") else None,
        )

    def __repr__(self) -> str:
        return f"FeedChannel(name={self.name!r}, path={str(self.path)!r})"

    @property
    def feed_file(self) -> Path:
        return self.path / "feed.xml"

    @property
    def json_feed_file(self) -> Path:
        return self.path / "feed.json"

    @property
    def page_file(self) -> Path:
        return self.path / "index.html"

    @property
    def cap_folder(self) -> Path:
        """Where the CAP documents the entries link lie."""
        return self.path / "cap"

    def cap_url(self, name: str) -> str:
        return f"{self.public_url}/cap/{name}"

    def entry_id(self, message_id: str) -> str:
        return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.public_url}#{message_id}"))

    def send(self, post: Post) -> Receipt:
        # keep the city's offset (post.sent is city time): the page shows local time
        now = (post.sent or clock.utcnow().astimezone()).replace(microsecond=0)
        entry_id = self.entry_id(post.message_id)
        try:
            with _LOCK, locked(self.path):  # other runs too: each adds its entry to the last
                entries = self.entries()
                old = next((e for e in entries if e["id"] == entry_id), None)
                entry = {
                    "id": entry_id,
                    "title": post.rendered.title or post.title,
                    "html": post.rendered.html or html.escape(post.rendered.text),
                    "text": post.rendered.text,
                    "link": post.link or f"{self.public_url}/#{post.message_id[:12]}",
                    "anchor": post.message_id[:12],
                    "kind": str(post.kind),
                    "langs": list(post.langs),
                    "summary": post.summary,
                    "tags": list(post.tags),
                    "published": old["published"] if old else now.isoformat(),
                    "updated": now.isoformat(),
                }
                if post.cap_file:
                    entry["cap"] = self.cap_url(post.cap_file)
                entry |= {k: old[k] for k in _INCIDENT_KEYS if old and k in old}  # a resend
                if post.expires:
                    entry["expires"] = post.expires.isoformat()
                entries = [entry] + [e for e in entries if e["id"] != entry_id]
                # the archive keeps every notice; the feed the newest
                written = self._save(entries, now)
                if self.upload is not None:  # the files stay here whatever happens there
                    upload_changed(self.path, written, self.upload)
        except OSError as exc:
            raise ChannelError(f"cannot write the feed in {self.path}: {exc.strerror}") from None
        if self.upload is None:  # nothing reached the web server: say so, and where it is
            return Receipt(remote_id=entry_id,
                           url=f"written locally, not uploaded: {self.page_file.resolve()}")
        return Receipt(remote_id=entry_id,
                       url=f"uploaded: {self.public_url}/#{entry['anchor']}")

    def mark_incident(self, incident: str, state: str, expires: str | None) -> None:
        """Every entry of a warning incident (its CAP files are named ``<incident>.<n>``)
        shows the incident's state now: active, updated or cleared, and until when it runs
        (the page shows it expired after that). OSError when the folder cannot be written."""
        now = clock.utcnow().astimezone().replace(microsecond=0)
        with _LOCK, locked(self.path):
            entries = self.entries()
            prefix = f"{self.public_url}/cap/{incident}."
            mine = [e for e in entries
                    if e.get("incident") == incident or str(e.get("cap", "")).startswith(prefix)]
            if not mine:
                return
            for e in mine:
                e.update(incident=incident, state=state, expires=expires)
            self._save(entries, now)

    def edit(self, post: Post) -> Receipt:
        """The entry ``post.replaces`` takes the corrected text in place: same id and
        ``published``, a new ``updated``, and a visible "korrigiert" line (with what
        changed) on the page and in the feed."""
        now = (post.sent or clock.utcnow().astimezone()).replace(microsecond=0)

        def correct(entry: dict[str, Any]) -> None:
            entry.update(title=post.rendered.title or post.title,
                         html=post.rendered.html or html.escape(post.rendered.text),
                         text=post.rendered.text, updated=now.isoformat(),
                         corrected=now.isoformat(), correction=post.note or "")
            if post.expires:
                entry["expires"] = post.expires.isoformat()

        return self._change(post, now, correct, missing_ok=False)

    def delete(self, post: Post) -> Receipt:
        """The entry ``post.replaces`` leaves feed.xml; the page keeps its title, marked
        withdrawn with the reason, without its text. An entry not there is gone: done."""
        now = (post.sent or clock.utcnow().astimezone()).replace(microsecond=0)

        def withdraw(entry: dict[str, Any]) -> None:
            entry.update(updated=now.isoformat(), withdrawn=now.isoformat(),
                         reason=post.note or "")

        return self._change(post, now, withdraw, missing_ok=True)

    def _change(self, post: Post, now: datetime, change: Any, *, missing_ok: bool) -> Receipt:
        try:
            with _LOCK, locked(self.path):
                entries = self.entries()
                entry = next((e for e in entries if e["id"] == post.replaces), None)
                if entry is None:
                    if missing_ok:
                        return Receipt(remote_id=post.replaces)
                    raise ChannelError(f"the feed in {self.path} has no entry {post.replaces}; "
                                       "nothing changed")
                change(entry)
                written = self._save(entries, now)
                if self.upload is not None:  # a correction reaches the website like a post
                    upload_changed(self.path, written, self.upload)
        except OSError as exc:
            raise ChannelError(f"cannot write the feed in {self.path}: {exc.strerror}") from None
        return Receipt(remote_id=entry["id"], url=f"{self.public_url}/#{entry['anchor']}")

    def refresh(self) -> bool:
        """Write the feed's files again when an entry expired since they were written (the
        front page and feed.xml mark it then); True if they were."""
        now = clock.utcnow()
        try:
            with _LOCK, locked(self.path):
                entries = self.entries()
                due = [e for e in entries if _expired(e, now) and not e.get("expired")]
                if not due:
                    return False
                self._save(entries, now)
        except OSError as exc:
            raise ChannelError(f"cannot write the feed in {self.path}: {exc.strerror}") from None
        return True

    def entries(self) -> list[dict[str, Any]]:
        """Every entry, newest first, as ``entries.json`` keeps them."""
        store = self.path / "entries.json"
        if not store.is_file():
            return []
        try:
            data = json.loads(store.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise ChannelError(f"{store}: is damaged; move it away to start a new feed") from None
        return list(data.get("entries", []))

    def _save(self, entries: list[dict[str, Any]], now: datetime) -> list[Path]:
        """Write every file; returns those the website serves (entries.json is ours)."""
        at = clock.utcnow()
        for e in entries:  # expired as of this writing: refresh() knows it is done
            if _expired(e, at):
                e["expired"] = True
        atomic_write(
            self.path / "entries.json",
            json.dumps({"version": 1, "entries": entries}, ensure_ascii=False, indent=1),
        )
        # a withdrawn notice leaves the feed; an expired one stays in it, marked
        recent = [e for e in entries if not e.get("withdrawn")][:MAX_ENTRIES]
        atomic_write(self.feed_file, atom_feed(self.title, self.public_url, recent, now))
        atomic_write(self.json_feed_file, json_feed(self.title, self.public_url, recent))
        # the front page: what still holds; once a notice expired, the archive page keeps
        # every notice, marked
        current = [e for e in entries if not e.get("expired")]
        archive = ARCHIVE_PAGE if len(current) < len(entries) else None
        atomic_write(self.page_file, html_page(self.title, self.public_url, current,
                                               archive=archive, now=now))
        if archive:
            atomic_write(self.path / archive,
                         html_page(self.title + " – Archiv", self.public_url, entries, now=now))
        return [self.feed_file, self.json_feed_file, self.page_file] + (
            [self.path / archive] if archive else [])


ARCHIVE_PAGE = "archiv.html"


def _expired(entry: dict[str, Any], now: datetime) -> bool:
    """Whether the entry's ``expires`` has passed at ``now``."""
    expires = entry.get("expires")
    return isinstance(expires, str) and datetime.fromisoformat(expires) <= now


def _when(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%d.%m.%Y, %H:%M Uhr")


def status_lines(e: dict[str, Any]) -> str:
    """What became of an entry since it was posted, as HTML: corrected (and what changed),
    withdrawn (and why), expired."""
    esc = html.escape
    lines = []
    if e.get("withdrawn"):
        reason = f": {esc(e['reason'])}" if e.get("reason") else ""
        lines.append(f'<p class="withdrawn"><strong>Zurückgezogen am {_when(e["withdrawn"])}'
                     f"</strong>{reason}</p>")
    if e.get("corrected"):
        what = f": {esc(e['correction'])}" if e.get("correction") else ""
        lines.append(f'<p class="corrected"><strong>korrigiert am {_when(e["corrected"])}'
                     f"</strong>{what}</p>")
    if e.get("expired") and e.get("expires"):
        lines.append(f'<p class="expired"><strong>abgelaufen</strong> seit '
                     f'{_when(e["expires"])}</p>')
    return "\n".join(lines)


def atom_feed(title: str, public_url: str, entries: list[dict[str, Any]], now: datetime) -> bytes:
    """An Atom 1.0 document; ElementTree escapes every text, so a title stays text."""
    import xml.etree.ElementTree as ET

    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            el.text = xml_text(text)  # one stray control character would break
        return el                                  # the feed, for every later post too

    sub(feed, "id", "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, public_url)))
    sub(feed, "title", title)
    sub(feed, "updated", entries[0]["updated"] if entries else now.isoformat())
    sub(feed, "link", rel="self", href=f"{public_url}/feed.xml", type="application/atom+xml")
    sub(feed, "link", rel="alternate", href=f"{public_url}/", type="text/html")
    author = sub(feed, "author")
    sub(author, "name", title)
    for e in entries:
        entry = sub(feed, "entry")
        sub(entry, "id", e["id"])
        sub(entry, "title", e["title"], type="text")
        sub(entry, "published", e["published"])
        sub(entry, "updated", e["updated"])
        sub(entry, "link", rel="alternate", href=e["link"], type="text/html")
        if e.get("cap"):
            sub(entry, "link", rel="related", href=e["cap"], type="application/cap+xml")
        sub(entry, "category", term=e["kind"])
        if e.get("expired"):
            sub(entry, "category", term="expired", label="abgelaufen")
        marks = status_lines(e)
        sub(entry, "content", (marks + "\n" if marks else "") + e["html"], type="html")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")


# A warning's badge follows its incident's state: (CSS class, label). An entry written
# before states were kept reads as an active warning.
_INCIDENT_KEYS = ("incident", "state", "expires")
WARNING_BADGES: dict[str, tuple[str, str]] = {
    "active": ("warn", "Warnmeldung"),
    "updated": ("warn-updated", "Aktualisiert"),
    "cleared": ("warn-cleared", "Entwarnung"),
    "expired": ("warn-expired", "Abgelaufen"),
}


def warning_badge(entry: Mapping[str, Any], now: datetime | None = None) -> str:
    """The badge of a warning entry on the archive page (colour and label by its incident's
    state; an active or updated one whose expiry has passed by ``now`` reads expired)."""
    state = str(entry.get("state") or "active")
    expires = entry.get("expires")
    if (state in ("active", "updated") and expires and now is not None
            and datetime.fromisoformat(expires) <= now):
        state = "expired"
    css, label = WARNING_BADGES.get(state, WARNING_BADGES["active"])
    return f' <span class="{css}" data-state="{html.escape(state)}">{label}</span>'


def html_page(title: str, public_url: str, entries: list[dict[str, Any]],
              archive: str | None = None, now: datetime | None = None) -> str:
    """A static page for the website, newest first, every text escaped: the front page
    (with a link to ``archive``) or the archive of every notice."""
    esc = html.escape
    items = []
    for e in entries:
        when = datetime.fromisoformat(e["published"]).strftime("%d.%m.%Y, %H:%M Uhr")
        badge = warning_badge(e, now) if e["kind"] == "warning" else ""
        cap = f' · <a href="{esc(e["cap"])}">CAP</a>' if e.get("cap") else ""
        items.append(
            f'<article id="{esc(e["anchor"])}" lang="{esc(e["langs"][0])}">\n'
            f'<h2><a href="{esc(e["link"])}">{esc(e["title"])}</a>{badge}</h2>\n'
            f'<p class="meta"><time datetime="{esc(e["published"])}">{when}</time>{cap}</p>\n'
            + (status_lines(e) + "\n" if status_lines(e) else "")
            + ("" if e.get("withdrawn") else f'<div class="content">{e["html"]}</div>\n')
            + "</article>"
        )
    body = "\n".join(items) or "<p>Noch keine Meldungen.</p>"
    more = f' · <a href="{esc(archive)}">Archiv: alle Meldungen</a>' if archive else ""
    return f"""<!doctype html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<link rel="alternate" type="application/atom+xml" title="{esc(title)}" href="feed.xml">
<style>
body {{ font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.5; color: #1a1a1a; }}
article {{ border-bottom: 1px solid #ddd; padding: 1rem 0; }}
/* a long URL or word wraps instead of widening the page past a phone's screen */
h1, h2, .content {{ overflow-wrap: anywhere; }}
img {{ max-width: 100%; height: auto; }}
pre, table {{ max-width: 100%; overflow-x: auto; }}
h2 {{ margin: 0 0 .25rem; font-size: 1.25rem; }}
.meta {{ color: #555; margin: 0 0 .5rem; font-size: .9rem; }}
.warn, .warn-updated, .warn-cleared, .warn-expired {{ background: #b00020; color: #fff;
         font-size: .8rem; padding: .1rem .4rem; border-radius: .2rem; }}
.warn-updated {{ background: #a04000; }}
.warn-cleared {{ background: #1e6b2e; }}
.warn-expired {{ background: #5f6368; }}
</style>
</head>
<body>
<h1>{esc(title)}</h1>
<p><a href="feed.xml">Atom-Feed abonnieren</a>{more}</p>
{body}
</body>
</html>
"""
