"""The ``feed`` channel: the city website's pages, its Atom feed and JSON Feed.

The folder holds ``index.html`` (the front page), ``archiv/<month>.html``, one permanent
page per entry ``meldung/<anchor>.html`` with its pictures in ``bilder/`` (channels/
feed_pages.py), ``feed.xml`` (Atom, stable ids) and ``feed.json`` (JSON Feed 1.1); a
warning's entry links its CAP document under ``cap/``, which citychan.warn.cap_files writes
beside the CAP index ``alerts.xml``. The entries themselves are kept as channels/feed_store.py
says. A post rewrites only what it changes: its entry page, the front page, its month's
page, the two feeds (and the pages of entries whose expiry passed meanwhile). Every file is
written atomically, under a lock that every run holds while it changes them (``.feed.lock``
beside the folder), so runs posting at the same time never lose each other's entries.

With the store (``ChannelContext.feeds``, every run of the CLI) the entries live there: a
change is one step holding the store's write lock, from reading the entries to writing its
pages, so runs on several machines posting to one feed (one ``public_url``) take turns, and
each writes its pages from every machine's entries. The files go into place once the store
has the change; its pictures are on the machine that posted it (and on the web server)."""

from __future__ import annotations

import html
import json
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from citychan import clock
from citychan.channels.base import (
    Capabilities,
    ChannelContext,
    ChannelError,
    Dialect,
    FeedEntries,
    Option,
    Post,
    Receipt,
    require_https,
)
from citychan.channels.feed_images import scaled_copies
from citychan.channels.feed_pages import (
    FRONT_ENTRIES,
    MONTH_PAGE,
    WARNING_BADGES,
    entry_page,
    entry_page_name,
    front_page,
    html_page,
    month_of,
    month_page_name,
    month_pages,
    old_articles,
    reusable,
    status_lines,
    warning_badge,
    warning_state,
)
from citychan.channels.feed_store import (
    RECENT,
    EntryStore,
    Staged,
    StoredEntries,
    dumps,
    is_open,
    merge_records,
    read_copy,
    record,
    sweep_temps,
    teaser,
)
from citychan.channels.jsonfeed import item_line, item_lines, json_feed_of_lines
from citychan.channels.upload import UploadTarget, owe, parse_upload, upload_changed
from citychan.errors import StoreError
from citychan.fsutil import locked
from citychan.hygiene import xml_text
from citychan.i18n import N_
from citychan.store.feed_entries import ANCHOR, MONTH

__all__ = ["ATOM", "MAX_ENTRIES", "WARNING_BADGES", "FeedChannel", "atom_feed", "html_page",
           "status_lines", "warning_badge"]

ATOM = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 100  # in feed.xml and feed.json; the month pages keep all
_LOCK = threading.Lock()  # several feed channels may share a folder (and their threads the
# process-wide lock file, which every run changing the feed's files holds: fsutil.locked)
_INCIDENT_KEYS = ("incident", "state", "expires")  # what a resend keeps of its entry
REBUILD_BATCH = 400  # entries a rebuild reads and writes at a time, holding no lock
UPLOAD_CHUNK = 500  # files a rebuild's upload sends at a time, holding the folder's lock
UPLOAD_ROUNDS = 3  # a chunk asks the store again after it went up, and sends what changed
_FRONT = ("index.html", "feed.xml", "feed.json")


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
                                can_edit=True, can_delete=True, image_redrawn=True)

    def __init__(self, name: str, path: Path, title: str, public_url: str,
                 upload: UploadTarget | None = None, feeds: FeedEntries | None = None) -> None:
        self.name = name
        self.path = path
        self.title = title
        self.public_url = public_url.rstrip("/")
        self.upload = upload
        self.feeds = feeds  # None: the entries are the folder's files

    @classmethod
    def from_config(cls, name: str, options: Mapping[str, Any], ctx: ChannelContext) -> FeedChannel:
        path = Path(options.get("path") or "citychan-out/feed")
        return cls(
            name,
            path if path.is_absolute() else ctx.base_dir / path,
            str(options.get("title") or "Stadtinformationen"),
            # every link on the pages and in the feeds starts with it
            require_https(name, "public_url",
                          str(options.get("public_url") or "https://www.example.org/aktuelles")),
            parse_upload(name, str(options["upload"]), options, ctx.env)
            if options.get("upload") else None,
            ctx.feeds,
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

    def page_url(self, anchor: str) -> str:
        """The entry's permanent page."""
        return f"{self.public_url}/{entry_page_name(anchor)}"

    def entry_id(self, message_id: str) -> str:
        return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.public_url}#{message_id}"))

    def send(self, post: Post) -> Receipt:
        # keep the city's offset (post.sent is city time): the pages show local time
        now = (post.sent or clock.utcnow().astimezone()).replace(microsecond=0)
        try:
            with _LOCK, locked(self.path):  # other runs too: each adds its entry to the last
                with self._step() as store:
                    index, taken_over = self._index(store)
                    entry = self._entry(post, now, store)
                    written = taken_over + self._commit(store, index, [entry], now, top=entry)
                self._upload(written)  # the files stay here whatever happens there
        except OSError as exc:
            raise ChannelError(N_("cannot write the feed in {path}: {why}").format(
                path=self.path, why=exc.strerror)) from None
        return self._receipt(entry)

    def _receipt(self, entry: Mapping[str, Any]) -> Receipt:
        if self.upload is None:  # nothing reached the web server: say so, and where it is
            return Receipt(remote_id=entry["id"],
                           url=N_("written locally, not uploaded: {path}").format(
                               path=self.page_file.resolve()))
        return Receipt(remote_id=entry["id"], url=N_("uploaded: {url}").format(
            url=self.page_url(entry["anchor"])))

    def _anchor(self, message_id: str, store: EntryStore) -> tuple[str, dict[str, Any] | None]:
        """The entry's short name (its page's, its file's) and the entry as stored: the
        message hash's first 12 digits, or where another entry has them, its id's."""
        entry_id = self.entry_id(message_id)
        for anchor in (message_id[:12], entry_id.rsplit(":", 1)[-1].replace("-", "")[:16]):
            old = store.load(anchor)
            if old is None or old.get("id") == entry_id:
                return anchor, old
        raise ChannelError(N_("the feed in {path} has two entries named {name}").format(
            path=self.path, name=message_id[:12]))

    def _entry(self, post: Post, now: datetime, store: EntryStore) -> dict[str, Any]:
        entry_id = self.entry_id(post.message_id)
        anchor, old = self._anchor(post.message_id, store)
        entry: dict[str, Any] = {
            "id": entry_id,
            "title": post.rendered.title or post.title,
            "html": post.rendered.html or html.escape(post.rendered.text),
            "text": post.rendered.text,
            "link": post.link or self.page_url(anchor),
            "page": self.page_url(anchor),
            "anchor": anchor,
            "kind": str(post.kind),
            "langs": list(post.langs),
            "summary": post.summary,
            "tags": list(post.tags),
            "published": old["published"] if old else now.isoformat(),
            "updated": now.isoformat(),
        }
        if post.parts:  # each language apart: each title shows once, with its lang
            entry["parts"] = [{"lang": p.lang, "title": p.title, "html": p.html}
                              for p in post.parts]
            entry["titles"] = [[p.lang, p.title] for p in post.parts]
        if post.cap_file:
            entry["cap"] = self.cap_url(post.cap_file)
        entry |= {k: old[k] for k in _INCIDENT_KEYS if old and k in old}  # a resend
        if post.expires:
            entry["expires"] = post.expires.isoformat()
        if post.image is not None:
            entry["images"] = scaled_copies(post.image, self.path, anchor)
            entry["image"] = f"{self.public_url}/{entry['images'][-1]['file']}"
            entry["image_alt"] = post.image_alt or ""
        entry["teaser"] = teaser(entry)
        return entry

    def mark_incident(self, incident: str, state: str, expires: str | None) -> None:
        """Every entry of a warning incident (its CAP files are named ``<incident>.<n>``)
        shows the incident's state now: active, updated or cleared, and until when it runs
        (the pages show it expired after that). OSError when the folder cannot be written;
        a failed upload is owed and goes up with the next one (OSError too when the store
        cannot take the change)."""
        now = clock.utcnow().astimezone().replace(microsecond=0)
        with _LOCK, locked(self.path):
            try:
                with self._step() as store:
                    index, written = self._index(store)
                    prefix = f"{self.public_url}/cap/{incident}."
                    anchors = dict.fromkeys([*index["open"],
                                             *(r["anchor"] for r in index["recent"])])
                    mine = [e for e in map(store.load, anchors) if e is not None and (
                        e.get("incident") == incident
                        or str(e.get("cap", "")).startswith(prefix))]
                    for e in mine:
                        e.update(incident=incident, state=state, expires=expires)
                    if mine:
                        written += self._commit(store, index, mine, now)
            except ChannelError as exc:
                raise OSError(exc.message) from None
            if not written:
                return
            try:
                self._upload(written)
            except ChannelError:
                pass  # owed: the upload manifest keeps it for the next post or retry

    def edit(self, post: Post) -> Receipt:
        """The entry ``post.replaces`` takes the corrected text in place: same id and
        ``published``, a new ``updated``, and a visible "korrigiert" line (with what
        changed) on the pages and in the feed."""
        now = (post.sent or clock.utcnow().astimezone()).replace(microsecond=0)

        def correct(entry: dict[str, Any]) -> None:
            entry.update(title=post.rendered.title or post.title,
                         html=post.rendered.html or html.escape(post.rendered.text),
                         text=post.rendered.text, updated=now.isoformat(),
                         corrected=now.isoformat(), correction=post.note or "")
            if post.parts:
                entry["parts"] = [{"lang": p.lang, "title": p.title, "html": p.html}
                                  for p in post.parts]
                entry["titles"] = [[p.lang, p.title] for p in post.parts]
            if post.expires:
                entry["expires"] = post.expires.isoformat()
            entry.pop("teaser", None)
            entry["teaser"] = teaser(entry)

        return self._change(post, now, correct, missing_ok=False)

    def delete(self, post: Post) -> Receipt:
        """The entry ``post.replaces`` leaves the feeds; its pages keep its title, marked
        withdrawn with the reason, without its text. An entry not there is gone: done."""
        now = (post.sent or clock.utcnow().astimezone()).replace(microsecond=0)

        def withdraw(entry: dict[str, Any]) -> None:
            entry.update(updated=now.isoformat(), withdrawn=now.isoformat(),
                         reason=post.note or "")

        return self._change(post, now, withdraw, missing_ok=True)

    def _change(self, post: Post, now: datetime, change: Callable[[dict[str, Any]], None], *,
                missing_ok: bool) -> Receipt:
        try:
            with _LOCK, locked(self.path):
                with self._step() as store:
                    index, taken_over = self._index(store)
                    entry = store.find(post.replaces or "", index)
                    if entry is None:
                        if missing_ok:
                            return Receipt(remote_id=post.replaces)
                        raise ChannelError(N_("the feed in {path} has no entry {entry}; nothing "
                                              "changed").format(path=self.path,
                                                                entry=post.replaces))
                    change(entry)
                    written = taken_over + self._commit(store, index, [entry], now)
                self._upload(written)  # a correction reaches the website like a post
        except OSError as exc:
            raise ChannelError(N_("cannot write the feed in {path}: {why}").format(
                path=self.path, why=exc.strerror)) from None
        return Receipt(remote_id=entry["id"], url=self.page_url(entry["anchor"]))

    def refresh(self) -> bool:
        """Write the pages again where an entry expired since they were written (the front
        page, its month and entry page and the feeds mark it then); True if they were."""
        now = clock.utcnow()
        try:
            if self.feeds is not None and not self._may_change(now):
                # asked every minute by cron: a read, no write lock, no store made (a store
                # not there yet, say a share not mounted, stays not there); owed uploads go up
                with _LOCK, locked(self.path):
                    self._upload([])
                return False
            with _LOCK, locked(self.path):
                with self._step() as store:
                    index, written = self._index(store)
                    due = [e for e in map(store.load, list(index["open"]))
                           if e is not None and _expired(e, now) and not e.get("expired")]
                    if due:
                        written += self._commit(store, index, due, now)
                self._upload(written)
                if not due:
                    return bool(written)
        except OSError as exc:
            raise ChannelError(N_("cannot write the feed in {path}: {why}").format(
                path=self.path, why=exc.strerror)) from None
        return True

    def _may_change(self, now: datetime) -> bool:
        """Whether :meth:`refresh` has anything to do: an old folder to take into the store,
        or an open entry whose expiry has passed."""
        index = self.path / "entries.json"
        if index.is_file():
            try:
                taken = json.loads(index.read_text(encoding="utf-8")).get("in_store")
            except (OSError, ValueError, AttributeError):
                return True  # the step reads it again and says what is wrong
            if not taken:
                return True
        with self._reading() as rows:
            open_ = list(rows.open())
            return any(_expired(e, now) and not e.get("expired")
                       for e in rows.some(open_).values()) if open_ else False

    def entries(self) -> list[dict[str, Any]]:
        """Every entry in full, newest first (reads every entry: for tools and tests; a
        post never does)."""
        if self.feeds is None:
            return EntryStore(self.path).every_entry()
        with self._reading() as rows:
            return rows.every()

    def latest(self, n: int = MAX_ENTRIES) -> list[dict[str, Any]]:
        """The newest ``n`` entries without their text, as feed.xml lists them. The caller
        holds the folder's lock."""
        if self.feeds is None:
            return list(EntryStore(self.path).index()["recent"][:n])
        with self._reading() as rows:
            return rows.recent(n)

    def rebuild(self, batch: int = REBUILD_BATCH) -> list[Path]:
        """Write every page again from the entries (after a change of the page layout, or
        on a machine whose folder lacks the other machines' entry pages). Returns the files
        the website serves, as written (upload them with :meth:`publish`).

        With the store it holds no lock for long, so posts go on meanwhile: the entries are
        read ``batch`` at a time without the store's write lock and their pages written
        beside their places; then, holding the folder's lock for a moment, the batch is read
        again and an entry changed meanwhile (a correction, an expiry, a warning's state)
        written anew from the store before the pages go into place, so that a page never
        replaces a newer one a post wrote. Each month's pages the same way. Last, in one
        short step under the store's write lock, the front page, feed.xml and feed.json
        from the store as it stands then (and the pages of entries expired by now). First,
        the temporary files a rebuild killed midway left are removed. What another machine
        changes after this is written is caught when the files go up (:meth:`publish`)."""
        at = clock.utcnow()
        with _LOCK, locked(self.path):  # a rebuild killed midway left its staged files
            sweep_temps(self.path)
        if self.feeds is None:  # the folder's own files: one step, as a post takes
            with _LOCK, locked(self.path):
                store = EntryStore(self.path)
                return self._commit(store, store.index(), store.every_entry(), at.astimezone(),
                                    quick=True, reuse=False)
        with _LOCK, locked(self.path), self._step() as stored:
            stored.index()  # an old folder's entries go into the store first
        written: list[Path] = []
        folder = EntryStore(self.path)  # the folder's copy of each entry and month
        with self._reading() as rows:
            after = ""
            while got := rows.after(after, batch):
                after = got[-1]["anchor"]
                written += self._in_place(
                    {e["anchor"]: e for e in got}, rows.some,
                    lambda changed: self._entry_files(changed, folder, at))
            for month in rows.months():
                written += self._in_place(
                    {month: rows.month(month)}, lambda months: {m: rows.month(m) for m in months},
                    lambda changed: self._month_files(changed, folder, at))
        with _LOCK, locked(self.path):
            with self._step() as store:
                index = store.index()
                written += self._commit(store, index, [], at.astimezone(), quick=True,
                                        reuse=False)
        return list(dict.fromkeys(written))

    def _in_place(self, read: dict[str, Any], again: Callable[[list[str]], dict[str, Any]],
                  render: Callable[[dict[str, Any]], tuple[dict[Path, str], list[Path]]]
                  ) -> list[Path]:
        """Write the files of what was ``read`` beside their places, without any lock; then
        under the folder's lock read it ``again``, write anew what changed meanwhile, and put
        every file in place. Every run changing the folder holds that lock from its store
        step until its files are in place, so nothing older replaces what it wrote."""
        write = Staged(durable=False)
        try:
            files, shown = render(read)
            for path, text in files.items():
                write(path, text)
            with _LOCK, locked(self.path):
                now = again(list(read))
                changed = {k: v for k, v in now.items() if read.get(k) != v}
                if changed:
                    files, more = render(changed)
                    for path, text in files.items():
                        write(path, text)  # renamed after the first: this one stays
                    shown += more
                write.commit()
        except BaseException:
            write.discard()
            raise
        return shown

    def _entry_files(self, entries: dict[str, dict[str, Any]], folder: EntryStore,
                     at: datetime) -> tuple[dict[Path, str], list[Path]]:
        """Each entry's page (and the folder's copy of it); the page and its pictures (where
        they are on this machine) are what the website serves."""
        files: dict[Path, str] = {}
        shown: list[Path] = []
        for anchor, e in entries.items():
            files[folder.entry_file(anchor)] = dumps(e)
            page = self.path / entry_page_name(anchor)
            files[page] = entry_page(self.title, self.public_url, e, at)
            shown += [page, *(p for f in e.get("images") or ()
                              if (p := self.path / f["file"]).is_file())]
        return files, shown

    def _month_files(self, months: dict[str, list[dict[str, Any]]], folder: EntryStore,
                     at: datetime) -> tuple[dict[Path, str], list[Path]]:
        files: dict[Path, str] = {}
        shown: list[Path] = []
        for month, records in months.items():
            files[folder.month_file(month)] = dumps(records)
            for name, text in month_pages(self.title, self.public_url, month, records,
                                          at).items():
                files[self.path / name] = text
                shown.append(self.path / name)
        return files, shown

    def publish(self, written: list[Path], chunk: int = UPLOAD_CHUNK) -> int:
        """Upload those of ``written`` the web server does not have yet (a rebuild's), a
        chunk at a time, each holding the folder's lock only for itself, so that posts go
        on (and their uploads too). Another machine may have changed an entry since the
        rebuild wrote its pages, and uploaded its own: so each chunk is first checked
        against the store and written anew where it changed, and asked again once it went
        up (:meth:`_send_chunk`). Returns how many files went up; ChannelError if the
        upload fails: the files stay written, and the rest is owed (``citychan retry``, the
        next post, or the rebuild run again sends it)."""
        if self.upload is None:
            return 0
        sent: set[str] = set()
        for start in range(0, len(written), chunk):
            with _LOCK, locked(self.path):
                try:
                    sent.update(self._send_chunk(written[start:start + chunk]))
                except ChannelError:
                    owe(self.path, written[start + chunk:], self.upload)
                    raise
        return len(sent)

    def _send_chunk(self, files: list[Path]) -> list[str]:
        """Upload ``files`` at least as new as the store: what changed in the store since
        it was written is written anew first; and since another machine's upload may end
        while this one runs, the store is asked again after it, and what changed meanwhile
        goes up again (that machine's upload ended before, so ours is the newer). The
        caller holds the folder's lock."""
        assert self.upload is not None
        sent: list[str] = []
        todo = [*files, *self._renew(files)]
        for _ in range(UPLOAD_ROUNDS):
            sent += upload_changed(self.path, todo, self.upload)
            todo = self._renew(files)
            if not todo:
                break
        else:
            sent += upload_changed(self.path, todo, self.upload)
        return sent

    def _renew(self, files: list[Path]) -> list[Path]:
        """Write anew from the store those of ``files`` (a rebuild's) whose entries changed
        since they were written: an entry's page whose entry differs from the folder's copy
        of it (the copy is written with the page), a month's pages whose records differ, and
        the front page and feeds when the newest records, the open entries or the months
        do. One read each of the entries, of each month, of the newest. Returns the files
        written (none without a store: then every change is this folder's own). The caller
        holds the folder's lock."""
        if self.feeds is None:
            return []
        anchors: list[str] = []
        months: set[str] = set()
        front = False
        for path in files:
            rel = path.relative_to(self.path).as_posix()
            if rel.startswith("meldung/") and rel.endswith(".html"):
                anchors.append(rel.removeprefix("meldung/").removesuffix(".html"))
            elif rel.startswith("archiv/") and rel.endswith(".html"):
                months.add(rel.removeprefix("archiv/")[:7])
            front = front or rel in _FRONT
        folder = EntryStore(self.path)
        with self._reading() as rows:
            entries = {a: e for a, e in rows.some([a for a in anchors if ANCHOR.fullmatch(a)])
                       .items() if read_copy(folder.entry_file(a)) != e}
            by_month = {m: got for m in sorted(months) if MONTH.fullmatch(m)
                        and (got := rows.month(m)) != read_copy(folder.month_file(m))}
            copy = read_copy(folder.index_file) if front else None
            stale = front and (not isinstance(copy, dict) or (
                copy.get("recent"), copy.get("open"), copy.get("months"))
                != (rows.recent(RECENT), rows.open(), rows.months()))
        at = clock.utcnow()
        written: list[Path] = []
        if entries or by_month:
            write = Staged(durable=False)
            try:
                for texts, shown in (self._entry_files(entries, folder, at),
                                     self._month_files(by_month, folder, at)):
                    for path, text in texts.items():
                        write(path, text)
                    written += shown
                write.commit()
            except BaseException:
                write.discard()
                raise
        if stale:  # as a post writes them: from the store as it stands, holding its lock
            with self._step() as store:
                written += self._commit(store, store.index(), [], at.astimezone(),
                                        quick=True, reuse=False)
        return list(dict.fromkeys(written))

    @contextmanager
    def _step(self) -> Iterator[EntryStore]:
        """The entries for one change; the caller holds the folder's lock. In the store:
        one write transaction, holding the store's write lock across machines, and the
        change's files put in place once it is committed. Else the folder's files."""
        if self.feeds is None:
            yield EntryStore(self.path)
            return
        stored: StoredEntries | None = None
        try:
            with self.feeds.step(self.public_url) as rows:
                stored = StoredEntries(self.path, rows)
                yield stored
        except BaseException as exc:
            if stored is not None:
                stored.discard()
            if isinstance(exc, StoreError):
                raise ChannelError(N_("cannot keep the feed's entries in the store: {why}").format(
                    why=exc.message)) from None
            raise
        stored.commit_files()

    @contextmanager
    def _reading(self) -> Iterator[Any]:
        assert self.feeds is not None
        try:
            with self.feeds.read(self.public_url) as rows:
                yield rows
        except StoreError as exc:
            raise ChannelError(N_("cannot read the feed's entries from the store: {why}").format(
                why=exc.message)) from None

    def _index(self, store: EntryStore) -> tuple[dict[str, Any], list[Path]]:
        """The index, and the pages written to take over an old ``entries.json`` (every
        entry gets its page once; the files go up with the post's own)."""
        index = store.index()
        if not store.imported:
            return index, []
        every = store.every_entry()
        written = self._commit(store, index, every, clock.utcnow().astimezone(), quick=True)
        return store.index(), written

    def _upload(self, written: list[Path]) -> None:
        if self.upload is not None:
            upload_changed(self.path, written, self.upload)

    def _commit(self, store: EntryStore, index: dict[str, Any], changed: list[dict[str, Any]],
                now: datetime, top: dict[str, Any] | None = None, quick: bool = False,
                reuse: bool = True) -> list[Path]:
        """Store ``changed`` (``top``: the entry just sent, first in the feeds) and write what
        shows them; returns the files the website serves (the entries are ours). ``reuse``:
        the unchanged entries' parts of the pages and feeds are taken as last written (not
        in a rebuild, which writes them all in the layout of today)."""
        at = clock.utcnow()
        by_anchor = {e["anchor"]: e for e in changed}
        for anchor in list(index["open"]):  # expired since the last writing
            e = by_anchor.get(anchor) or store.load(anchor)
            if e is None:
                index["open"].pop(anchor)
            elif _expired(e, at) and not e.get("expired"):
                by_anchor[anchor] = e
        for e in by_anchor.values():
            if _expired(e, at):
                e["expired"] = True
        records = {a: record(e) for a, e in by_anchor.items()}
        recent = index["recent"]
        if top is not None:
            recent = [records[top["anchor"]]] + [r for r in recent if r["id"] != top["id"]]
        index["recent"] = [records.get(r["anchor"], r) for r in recent][:RECENT]
        for a, e in by_anchor.items():
            if is_open(e):
                index["open"][a] = month_of(e)
            else:
                index["open"].pop(a, None)
        write = Staged(durable=not quick)
        try:
            written = self._write(store, index, by_anchor, records, now, at, write, reuse)
            store.keep(by_anchor.values(), records, top["anchor"] if top else None)
            store.settle(write)
        except BaseException:
            write.discard()
            raise
        return written

    def _write(self, store: EntryStore, index: dict[str, Any],
               by_anchor: dict[str, dict[str, Any]], records: dict[str, dict[str, Any]],
               now: datetime, at: datetime, write: Staged, reuse: bool = True) -> list[Path]:
        written: list[Path] = []
        for e in by_anchor.values():
            write(store.entry_file(e["anchor"]), dumps(e))
            page = self.path / entry_page_name(e["anchor"])
            write(page, entry_page(self.title, self.public_url, e, at))
            # another machine's pictures are not here: its upload put them on the web server
            written += [page, *(p for f in e.get("images") or ()
                                if (p := self.path / f["file"]).is_file())]
        by_month: dict[str, list[dict[str, Any]]] = {}
        for r in records.values():
            by_month.setdefault(month_of(r), []).append(r)
        for month, changed_records in by_month.items():
            merged = merge_records(store.month(month), changed_records)
            write(store.month_file(month), dumps(merged))
            before = -(-index["months"].get(month, 0) // MONTH_PAGE)  # its pages written last
            old = old_articles((_read(self.path / month_page_name(month, n))
                                for n in range(1, before + 1)), by_anchor) if reuse else {}
            index["months"][month] = len(merged)
            for name, text in month_pages(self.title, self.public_url, month, merged, at,
                                          old).items():
                write(self.path / name, text)
                written.append(self.path / name)
        index["months"] = dict(sorted(index["months"].items(), reverse=True))
        write(store.index_file, dumps(index))
        written.append(self._front(store, index, by_anchor, at, write, reuse))
        written += self._feeds(store, index, by_anchor, now, write, reuse)
        return written

    def _front(self, store: EntryStore, index: Mapping[str, Any],
               fresh: Mapping[str, dict[str, Any]], at: datetime, write: Staged,
               reuse: bool = True) -> Path:
        """The front page: warnings in force on top, then the latest that still hold."""
        def full(anchor: str) -> dict[str, Any] | None:
            return fresh.get(anchor) or store.load(anchor)

        warnings = [e for e in map(full, index["open"]) if e is not None
                    and e["kind"] == "warning" and warning_state(e, at) in ("active", "updated")]
        warnings.sort(key=lambda e: str(e["published"]), reverse=True)
        shown = {e["id"] for e in warnings}
        latest = [r for r in index["recent"] if not r.get("expired") and r["id"] not in shown]
        old = old_articles([_read(self.page_file)], fresh) if reuse else {}
        # only the entries whose article is not on the page as it stands are read in full
        entries = [r if reusable(r, old) else full(r["anchor"]) or r
                   for r in latest[:FRONT_ENTRIES]]
        write(self.page_file, front_page(self.title, self.public_url, warnings, entries,
                                         list(index["months"]), at, old))
        return self.page_file

    def _feeds(self, store: EntryStore, index: Mapping[str, Any],
               fresh: Mapping[str, dict[str, Any]], now: datetime, write: Staged,
               reuse: bool = True) -> list[Path]:
        """feed.xml and feed.json: the newest entries not withdrawn. An entry that did not
        change keeps its part of the files as written last time (no need to read it): the
        same record as the folder's copy of the index says the files were written from.
        Another machine sharing the store may have changed it since (a correction, a
        withdrawal, a warning's state): then it is written anew from the store."""
        window = [r for r in index["recent"] if not r.get("withdrawn")][:MAX_ENTRIES]
        atom_head = _atom_head(self.title, self.public_url,
                               window[0]["updated"] if window else now.isoformat())
        old_atom = _atom_entries(_read(self.feed_file), self.public_url) if reuse else {}
        old_json = (item_lines(_read(self.json_feed_file), self.title, self.public_url)
                    if reuse else {})
        written_from = _records_of(store.copy()) if old_atom else {}
        atom, lines = [], []
        for r in window:
            reuse = (r["anchor"] not in fresh and r["id"] in old_atom and r["id"] in old_json
                     and written_from.get(r["id"]) == r)
            if reuse:
                atom.append(old_atom[r["id"]])
                lines.append(old_json[r["id"]])
                continue
            e = fresh.get(r["anchor"]) or store.load(r["anchor"]) or r
            atom.append(atom_entry(e, self.public_url))
            lines.append(item_line(e))
        write(self.feed_file, atom_head + "".join("\n" + a for a in atom) + "\n</feed>\n")
        write(self.json_feed_file, json_feed_of_lines(self.title, self.public_url, lines))
        return [self.feed_file, self.json_feed_file]


def _records_of(index: Any) -> dict[str, Any]:
    """The records of a copy of the index, by entry id (none of a copy that is no index)."""
    recent = index.get("recent") if isinstance(index, dict) else None
    return {r["id"]: r for r in recent if isinstance(r, dict) and "id" in r} \
        if isinstance(recent, list) else {}


def _expired(entry: Mapping[str, Any], now: datetime) -> bool:
    """Whether the entry's ``expires`` has passed at ``now``."""
    expires = entry.get("expires")
    return isinstance(expires, str) and datetime.fromisoformat(expires) <= now


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


# --- Atom ---------------------------------------------------------------------------------

def _atom_head(title: str, public_url: str, updated: str) -> str:
    import xml.etree.ElementTree as ET

    feed = ET.Element("feed", xmlns=ATOM)
    for tag, text in (("id", "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, public_url))),
                      ("title", title), ("updated", updated)):
        ET.SubElement(feed, tag).text = xml_text(text)
    ET.SubElement(feed, "link", rel="self", href=f"{public_url}/feed.xml",
                  type="application/atom+xml")
    ET.SubElement(feed, "link", rel="alternate", href=f"{public_url}/", type="text/html")
    ET.SubElement(ET.SubElement(feed, "author"), "name").text = xml_text(title)
    text = ET.tostring(feed, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + text.removesuffix("</feed>")


def atom_entry(e: Mapping[str, Any], public_url: str) -> str:
    """One ``<entry>`` on one line; ElementTree escapes every text, so a title stays text
    (and no ``<entry>`` appears inside one: the next post finds each by it)."""
    import xml.etree.ElementTree as ET

    entry = ET.Element("entry")

    def sub(tag: str, text: str | None = None, **attrs: str) -> None:
        el = ET.SubElement(entry, tag, attrs)
        if text is not None:
            el.text = xml_text(text)  # one stray control character would break
            # the feed, for every later post too

    sub("id", e["id"])
    sub("title", e["title"], type="text")
    sub("published", e["published"])
    sub("updated", e["updated"])
    sub("link", rel="alternate", href=e["link"], type="text/html")
    if e.get("cap"):
        sub("link", rel="related", href=e["cap"], type="application/cap+xml")
    for f in (e.get("images") or [])[-1:]:
        sub("link", rel="enclosure", href=f"{public_url}/{f['file']}", type="image/jpeg",
            length=str(f["bytes"]))
    sub("category", term=e["kind"])
    if e.get("expired"):
        sub("category", term="expired", label="abgelaufen")
    marks = status_lines(e)
    sub("content", (marks + "\n" if marks else "") + str(e.get("html", "")), type="html")
    return ET.tostring(entry, encoding="unicode").replace("\n", "&#10;")


def _atom_entries(text: str, public_url: str) -> dict[str, str]:
    """The entries of a feed.xml this module wrote, by id (none of any other)."""
    if f'href="{html.escape(public_url)}/feed.xml"' not in text[:2000]:
        return {}
    out = {}
    for chunk in text.split("\n<entry>")[1:]:
        body = chunk.removesuffix("\n</feed>\n")
        if body.startswith("<id>") and body.endswith("</entry>"):
            out[html.unescape(body[4:body.index("</id>")])] = "<entry>" + body
    return out


def atom_feed(title: str, public_url: str, entries: list[dict[str, Any]], now: datetime) -> bytes:
    """An Atom 1.0 document of ``entries`` (newest first)."""
    head = _atom_head(title, public_url, entries[0]["updated"] if entries else now.isoformat())
    body = "".join("\n" + atom_entry(e, public_url) for e in entries)
    return (head + body + "\n</feed>\n").encode("utf-8")
