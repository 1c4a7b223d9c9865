"""The store behind the outbox, the audit log and the incidents: one connection, its
migrations, and transactions. Never credentials, never subscriber data. It is an SQLite file
(the default) or a PostgreSQL database a city's operators share (``[store] url``): the same
migrations, the same SQL, the same guarantees (see citychan.store.sqlite and .pg).

Migrations are a list, only ever appended to (one form for both backends, ``PerBackend``
where the dialects differ); the schema version is SQLite's ``user_version`` or the
``citychan_schema`` table. Every database error leaves this package as a ``StoreError``.

    with Store.open(path) as store:
        with store.transaction() as tx:
            tx.execute("UPDATE ...", (...))
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from citychan.errors import StoreError
from citychan.i18n import N_
from citychan.store import journal
from citychan.store.backend import (
    Backend,
    Conflict,
    Cursor,
    Dialect,
    Location,
    Migration,
    PerBackend,
    Transaction,
    migration_sql,
    statements,
)
from citychan.store.pg import PgBackend, reason
from citychan.store.sqlite import SqliteBackend, writable


def _cap_out_of_deliveries(db: Transaction) -> None:
    """Migration 3: a warning's CAP document was copied into the post JSON of every delivery
    (``extra.cap_xml``). It moves to the CAP message it belongs to (``alerts.cap``, matched
    by identifier, else by message hash); the post keeps the file name as ``cap_file``.
    A document no CAP message can be found for stays where it is: nothing recorded is lost."""
    db.execute("ALTER TABLE alerts ADD COLUMN cap TEXT")
    rows = db.execute("SELECT id, message_hash, post FROM deliveries WHERE post IS NOT NULL")
    for did, message_hash, text in rows.fetchall():
        try:
            post = json.loads(text)
        except ValueError:
            continue  # not ours to judge: left exactly as it was
        if not isinstance(post, dict) or not isinstance(post.get("extra"), dict):
            continue
        extra = dict(post.pop("extra"))
        cap = extra.pop("cap_xml", None)
        identifier = extra.pop("cap_identifier", None)
        name = extra.pop("cap_name", None)
        if cap is not None and not _keep_cap(db, cap, identifier, message_hash):
            extra["cap_xml"] = cap  # no CAP message to keep it with
            if identifier is not None:
                extra["cap_identifier"] = identifier
        if name is not None:
            post["cap_file"] = name
        if extra:
            post["extra"] = extra
        db.execute("UPDATE deliveries SET post=? WHERE id=?",
                   (json.dumps(post, ensure_ascii=False), did))


def _keep_cap(db: Transaction, cap: str, identifier: str | None, message_hash: str) -> bool:
    """Store ``cap`` with its CAP message; False if there is none to keep it with."""
    where, key = (("identifier=?", identifier) if identifier is not None
                  else ("message_hash=?", message_hash))
    found = db.execute(f"SELECT identifier, cap FROM alerts WHERE {where}", (key,)).fetchall()
    if len(found) != 1:
        return False
    ident, kept = found[0]
    if kept is None:
        db.execute("UPDATE alerts SET cap=? WHERE identifier=?", (cap, ident))
        return True
    return bool(kept == cap)  # the same document from another channel's row


# a delivery that went out or may have: never a second one for the same message and channel
# (unless forced); "failed" is known not to have gone out and may be sent again
_LIVE = "('pending', 'sent', 'unknown')"

_INCIDENTS = """
    CREATE TABLE incidents (
        id TEXT PRIMARY KEY,
        event TEXT NOT NULL,
        level TEXT NOT NULL,
        status TEXT NOT NULL,
        channels TEXT NOT NULL,
        headline TEXT NOT NULL,
        opened TEXT NOT NULL,
        expires TEXT NOT NULL,
        closed TEXT
    );
    CREATE TABLE alerts (
        identifier TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        msg_type TEXT NOT NULL,
        sent TEXT NOT NULL,
        expires TEXT NOT NULL,
        message_hash TEXT,
        warning TEXT NOT NULL
    );
    CREATE INDEX alerts_incident ON alerts(incident_id);
    """

MIGRATIONS: list[Migration] = [
    # 1: messages and their deliveries
    """
    CREATE TABLE messages (
        hash TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        title TEXT NOT NULL,
        langs TEXT NOT NULL,
        source TEXT,
        created TEXT NOT NULL
    );
    CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        message_hash TEXT NOT NULL REFERENCES messages(hash),
        channel TEXT NOT NULL,
        channel_type TEXT NOT NULL,
        status TEXT NOT NULL,
        idempotency_key TEXT,
        remote_id TEXT,
        url TEXT,
        error TEXT,
        rendered TEXT,
        post TEXT,
        forced INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        created TEXT NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE INDEX deliveries_message ON deliveries(message_hash, channel);
    CREATE INDEX deliveries_created ON deliveries(created);
    """,
    # 2: danger-warning incidents and their CAP messages (alert, updates, all-clear); the
    # messages of an incident are read in the order they were recorded (SQLite's rowid: a
    # column of that name on PostgreSQL)
    PerBackend(_INCIDENTS, _INCIDENTS.replace(
        "identifier TEXT PRIMARY KEY,",
        "identifier TEXT PRIMARY KEY,\n        rowid BIGINT GENERATED BY DEFAULT AS IDENTITY,")),
    # 3: each CAP document kept once, with its CAP message, not in every delivery's post
    _cap_out_of_deliveries,
    # 4: limits a channel read from its server (Mastodon's max_characters) and when
    """
    CREATE TABLE channel_limits (
        channel TEXT NOT NULL,
        key TEXT NOT NULL,
        value INTEGER NOT NULL,
        fetched TEXT NOT NULL,
        PRIMARY KEY (channel, key)
    );
    """,
    # 5: one live delivery per message and channel, claimed by one run at a time (``claim``:
    # the run that sends it); incident ids handed out before the confirmation. Rows that
    # concurrent runs of an older citychan recorded twice stay, marked ``duplicate``.
    f"""
    ALTER TABLE deliveries ADD COLUMN claim TEXT;
    ALTER TABLE deliveries ADD COLUMN duplicate INTEGER NOT NULL DEFAULT 0;
    UPDATE deliveries SET duplicate = 1 WHERE forced = 0 AND status IN {_LIVE}
        AND EXISTS (SELECT 1 FROM deliveries e WHERE e.message_hash = deliveries.message_hash
                    AND e.channel = deliveries.channel AND e.forced = 0
                    AND e.status IN {_LIVE} AND e.id < deliveries.id);
    UPDATE deliveries SET duplicate = 1 WHERE status = 'pending' AND duplicate = 0
        AND EXISTS (SELECT 1 FROM deliveries e WHERE e.message_hash = deliveries.message_hash
                    AND e.channel = deliveries.channel AND e.status = 'pending'
                    AND e.duplicate = 0 AND e.id < deliveries.id);
    CREATE UNIQUE INDEX deliveries_once ON deliveries(message_hash, channel)
        WHERE forced = 0 AND duplicate = 0 AND status IN {_LIVE};
    CREATE UNIQUE INDEX deliveries_in_flight ON deliveries(message_hash, channel)
        WHERE status = 'pending' AND duplicate = 0;
    CREATE TABLE incident_ids (
        id TEXT PRIMARY KEY,
        reserved TEXT NOT NULL
    );
    """,
    # issue 11 (inc): each incident's state as its latest message set it (active, updated,
    # cleared; "expired" is read from the clock), a deliberate re-broadcast (--repeat) marked
    # on its CAP message, and what a reserved incident id is about (event, status, area) with
    # the run holding it, so a second run can see an incident that is being sent right now.
    """
    ALTER TABLE incidents ADD COLUMN state TEXT NOT NULL DEFAULT 'active';
    UPDATE incidents SET state = 'cleared' WHERE closed IS NOT NULL;
    UPDATE incidents SET state = 'updated' WHERE closed IS NULL AND EXISTS (
        SELECT 1 FROM alerts a WHERE a.incident_id = incidents.id AND a.msg_type = 'Update');
    ALTER TABLE alerts ADD COLUMN repeat INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE incident_ids ADD COLUMN subject TEXT;
    ALTER TABLE incident_ids ADD COLUMN claim TEXT;
    """,
    # issue 12 (life): a correction or withdrawal is a delivery related to the one it changes
    # (``relates_to``, ``purpose``), done by ``action`` (send a follow-up, edit, delete); it is
    # one live delivery per original and new content, as a post is one per message and
    # channel. ``expiries``: when a notice's ``expires:`` falls (UTC).
    f"""
    ALTER TABLE deliveries ADD COLUMN action TEXT NOT NULL DEFAULT 'send';
    ALTER TABLE deliveries ADD COLUMN purpose TEXT;
    ALTER TABLE deliveries ADD COLUMN relates_to INTEGER REFERENCES deliveries(id);
    CREATE TABLE expiries (
        message_hash TEXT PRIMARY KEY REFERENCES messages(hash),
        expires TEXT NOT NULL
    );
    DROP INDEX deliveries_once;
    CREATE UNIQUE INDEX deliveries_once ON deliveries(message_hash, channel)
        WHERE forced = 0 AND duplicate = 0 AND status IN {_LIVE} AND relates_to IS NULL;
    DROP INDEX deliveries_in_flight;
    CREATE UNIQUE INDEX deliveries_in_flight ON deliveries(message_hash, channel)
        WHERE status = 'pending' AND duplicate = 0 AND relates_to IS NULL;
    CREATE UNIQUE INDEX deliveries_related_once ON deliveries(relates_to, purpose, message_hash)
        WHERE relates_to IS NOT NULL AND status IN {_LIVE};
    CREATE INDEX deliveries_related ON deliveries(relates_to);
    """,
    # issue 12 (sched): who started each delivery (staff, never a subscriber); a delivery
    # closed by a person (``dismissed``: who, why) and one the service refused for good
    # (a 4xx other than 408/429); posts scheduled for later (`post --at`, `run-due`)
    """
    ALTER TABLE deliveries ADD COLUMN operator TEXT;
    ALTER TABLE deliveries ADD COLUMN dismissed_by TEXT;
    ALTER TABLE deliveries ADD COLUMN dismiss_reason TEXT;
    ALTER TABLE deliveries ADD COLUMN permanent INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE queue (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        path TEXT NOT NULL,
        message_hash TEXT NOT NULL,
        title TEXT NOT NULL,
        channels TEXT NOT NULL,
        due TEXT NOT NULL,
        forced INTEGER NOT NULL DEFAULT 0,
        operator TEXT NOT NULL,
        state TEXT NOT NULL,
        reason TEXT,
        claim TEXT,
        cancelled_by TEXT,
        created TEXT NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE INDEX queue_due ON queue(state, due);
    """,
    # issue 15 (review): notices held for a second operator (the four-eyes principle): the
    # file, its content hash and the rendered plan as drafted, the channels, an optional
    # --at time, who drafted it, and who approved or rejected it, when, and why; a warning
    # sent past review (--urgent) is kept here with its reason, too
    """
    CREATE TABLE drafts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        path TEXT NOT NULL,
        message_hash TEXT NOT NULL,
        title TEXT NOT NULL,
        channels TEXT NOT NULL,
        plan TEXT NOT NULL,
        due TEXT,
        forced INTEGER NOT NULL DEFAULT 0,
        author TEXT NOT NULL,
        state TEXT NOT NULL,
        reviewer TEXT,
        reason TEXT,
        outcome TEXT,
        claim TEXT,
        created TEXT NOT NULL,
        decided TEXT,
        updated TEXT NOT NULL
    );
    CREATE INDEX drafts_state ON drafts(state, id);
    """,
    # issue 14 (writing): why a notice whose title sounds like a warning is none, as its
    # front matter's `not_a_warning:` said when it went out (CC201 overridden); `log` shows it
    """
    CREATE TABLE overrides (
        message_hash TEXT NOT NULL REFERENCES messages(hash),
        code TEXT NOT NULL,
        reason TEXT NOT NULL,
        created TEXT NOT NULL,
        PRIMARY KEY (message_hash, code)
    );
    """,
    # issue 15 (feeddb): the website feed's entries, so that every machine sharing the store
    # writes its pages and feeds from all of them: per feed (its public_url) and anchor the
    # entry in full and its short record (JSON), its month, its place in the feed (``seq``:
    # the latest sent highest) and whether it may still change by itself (``is_open``);
    # ``feed_months``: each month's number of entries, so a post need not count the archive
    """
    CREATE TABLE feed_entries (
        feed TEXT NOT NULL,
        anchor TEXT NOT NULL,
        id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        month TEXT NOT NULL,
        published TEXT NOT NULL,
        updated TEXT NOT NULL,
        is_open INTEGER NOT NULL DEFAULT 0,
        entry TEXT NOT NULL,
        record TEXT NOT NULL,
        PRIMARY KEY (feed, anchor)
    );
    CREATE INDEX feed_entries_seq ON feed_entries(feed, seq);
    CREATE INDEX feed_entries_month ON feed_entries(feed, month, published);
    CREATE INDEX feed_entries_id ON feed_entries(feed, id);
    CREATE INDEX feed_entries_open ON feed_entries(feed, seq) WHERE is_open = 1;
    CREATE TABLE feed_months (
        feed TEXT NOT NULL,
        month TEXT NOT NULL,
        entries INTEGER NOT NULL,
        PRIMARY KEY (feed, month)
    );
    """,
    # issue 15 (review from another machine): a draft keeps its notice's files (the Markdown
    # file, its translations, its picture) by their names in the notice's folder, so that a
    # reviewer on a machine without that folder approves what was drafted. The bytes as
    # base64 text: the same on SQLite and PostgreSQL, and in `store export` as JSON
    """
    CREATE TABLE draft_files (
        draft_id INTEGER NOT NULL REFERENCES drafts(id),
        name TEXT NOT NULL,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (draft_id, name)
    );
    """,
    # issue 15 (queue from another machine): a scheduled post keeps its notice's files as
    # a draft does, so that `run-due` on a machine without the notice's folder sends what
    # was scheduled; the bytes as base64 text, as in draft_files
    """
    CREATE TABLE queue_files (
        queue_id INTEGER NOT NULL REFERENCES queue(id),
        name TEXT NOT NULL,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (queue_id, name)
    );
    """,
]




def _statements(step: str | PerBackend) -> list[str]:
    """A migration's SQLite statements, one at a time."""
    return statements(step.sqlite if isinstance(step, PerBackend) else step)


class Store:
    """One store, one connection shared by the fan-out threads. Every write is its own
    transaction, so nothing recorded is lost. Close it, or use it as a context manager.

    Several processes (on a server: several machines) may use one store at once: every write
    transaction holds the store's write lock (SQLite's ``BEGIN IMMEDIATE``, PostgreSQL's
    advisory lock) and waits for another's to end. A run that claims deliveries holds a lock
    of its own while it runs (a lock file; a session lock on the server), so another run can
    tell a delivery in flight from one a crashed run left pending."""

    def __init__(self, where: Location | Path, *, read_only: bool = False,
                 migrate: bool = True) -> None:
        self.location = where if isinstance(where, Location) else Location(where)
        self.path = self.location.path
        self.read_only = read_only
        self._lock = threading.RLock()
        self._token: str | None = None
        self._claims = 0
        self._backend = _open(self.location, read_only)
        if migrate and not read_only:
            self._ready()

    @classmethod
    def open(cls, where: Location | Path) -> Self:
        """The store, created and migrated as needed; outcomes waiting in the fallback
        journal are written into it first."""
        return cls(where)

    @classmethod
    def open_for_reading(cls, where: Location | Path) -> Self:
        """The store for a command that only reads (`log`, `retry --list`): opened as usual
        where it can be written, else read-only (a read-only file or folder, a full disk),
        with the outcomes waiting in the fallback journal shown as recorded."""
        location = where if isinstance(where, Location) else Location(where)
        if location.url is not None:
            return cls(location)
        if writable(location.path):
            try:
                return cls(location)
            except StoreError:
                pass  # cannot be written now: read it as it is
        return cls(location, read_only=True)

    @property
    def dialect(self) -> Dialect:
        return self._backend.dialect

    @property
    def name(self) -> str:
        """The store in messages: its file, or its URL (which holds no password)."""
        return self.location.describe()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.name!r})"

    def close(self) -> None:
        with self._lock:
            self._backend.close()

    def _ready(self) -> None:
        try:
            _migrate(self._backend, len(MIGRATIONS))
            # before anything else: what went out is known as such
            journal.replay(self.path, self.transaction)
        except (*self._backend.errors, OSError, StoreError) as exc:  # type: ignore[misc]
            self._backend.close()
            detail = exc.message if isinstance(exc, StoreError) else (
                getattr(exc, "strerror", None) or exc)
            raise StoreError(
                N_("{name}: cannot open the store ({detail})").format(
                    name=self.name, detail=detail),
                hint=N_("check [store] in the config, its permissions, and free disk space"),
            ) from None

    @property
    def owner(self) -> str:
        """This run's token, written into every delivery it claims; its lock is held from
        the first claim until the store is closed (or the process ends)."""
        with self._lock:
            if self._token is None:
                token = f"{os.getpid()}-{os.urandom(8).hex()}"
                try:
                    self._backend.hold_run(token)
                except OSError as exc:
                    raise StoreError(str(exc)) from None
                except self._backend.errors as exc:
                    raise StoreError(N_("{name}: cannot take the run's lock ({exc})").format(
                                         name=self.name, exc=exc)) from None
                self._token = token
            return self._token

    def new_claim(self) -> str:
        """A claim for one delivery: this run's token and a number of its own, so that even
        this run's next claim of the same delivery is told apart from this one."""
        owner = self.owner
        with self._lock:
            self._claims += 1
            return f"{owner}.{self._claims}"

    def owner_alive(self, claim: str | None) -> bool:
        """Whether the run that made ``claim`` (a delivery's) is still running; None (a row
        recorded before claims existed) is a run long gone."""
        if claim is None:
            return False
        token = claim.split(".", 1)[0]
        with self._lock:
            if token == self._token:
                return True
            try:
                return self._backend.run_alive(token)
            except self._backend.errors as exc:
                raise StoreError(N_("{name}: cannot read the store ({exc})").format(
                                     name=self.name, exc=exc)) from None

    def journal(self) -> list[dict[str, Any]]:
        """Outcomes waiting in the fallback journal (only a read-only store has any)."""
        return journal.entries(self.path) if self.read_only else []

    def keep_aside(self, entry: dict[str, Any]) -> None:
        """An outcome the store could not take goes to the fallback journal (OSError if
        that cannot be written either)."""
        journal.append(self.path, entry)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One write transaction holding the store's write lock; any exception rolls
        everything back (and a database error is raised as a ``StoreError``)."""
        if self.read_only:
            raise StoreError(N_("{path}: cannot write the store (opened read-only)").format(
                                 path=self.path))
        backend = self._backend
        with self._lock:
            try:
                backend.begin()
                yield Transaction(backend.execute)
                backend.commit()
            except (*backend.errors, Conflict) as exc:  # type: ignore[misc]
                backend.rollback()
                raise StoreError(N_("{name}: cannot write the store ({exc})").format(
                                     name=self.name, exc=exc)) from None
            except BaseException:
                backend.rollback()
                raise

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """Every row of one read; columns by name or by position."""
        try:
            with self._lock:
                return self._backend.execute(sql, params).fetchall()
        except self._backend.errors as exc:
            raise StoreError(N_("{name}: cannot read the store ({exc})").format(
                                 name=self.name, exc=exc)) from None

    def scalar(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        """The first column of the first row, or None."""
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    # --- what `citychan store` asks: version, tables, and moving rows -------------------

    def schema_version(self) -> int:
        try:
            with self._lock:
                return self._backend.schema_version()
        except self._backend.errors as exc:
            raise StoreError(N_("{name}: cannot read the store ({exc})").format(
                                 name=self.name, exc=exc)) from None

    def migrate(self, upto: int | None = None) -> None:
        """Apply the migrations not applied yet, up to ``upto`` (default: every one)."""
        try:
            with self._lock:
                _migrate(self._backend, len(MIGRATIONS) if upto is None else upto)
        except self._backend.errors as exc:
            raise StoreError(N_("{name}: cannot migrate the store ({exc})").format(
                                 name=self.name, exc=exc)) from None

    def tables(self) -> list[str]:
        with self._lock:
            return self._backend.tables()

    def after_import(self, table: str) -> None:
        with self._lock:
            self._backend.after_import(table)


def _open(location: Location, read_only: bool) -> Backend:
    if location.url is None:
        try:
            return SqliteBackend(location.path, read_only=read_only, schema=len(MIGRATIONS))
        except OSError as exc:
            raise StoreError(
                N_("{path}: cannot open the store ({exc})").format(path=location.path, exc=exc),
                hint=N_("check [store] path in the config and its permissions, and free disk "
                        "space"),
            ) from None
    try:
        return PgBackend(location.url, location.password_env)
    except ImportError:
        raise StoreError(N_("cannot reach the store {url}: psycopg is not installed").format(
                             url=location.url),
                         hint=N_("pip install 'citychan[postgres]'")) from None
    except Exception as exc:  # psycopg's errors: psycopg may not be importable here
        hint = "check [store] url, that the server runs and lets this machine in"
        if location.password_env:
            hint += f", and {location.password_env}"
        raise StoreError(N_("cannot reach the store {url} ({reason})").format(
                             url=location.url, reason=reason(exc)),
                         hint=hint) from None


def _migrate(backend: Backend, upto: int) -> None:
    """Every migration up to ``upto`` not yet applied, each in its own write transaction.
    The version is read again once the transaction holds the write lock: when several runs
    open a new store at once, each migration runs exactly once and the others find it done."""
    while True:
        version = backend.schema_version()
        if version > len(MIGRATIONS):
            raise StoreError(
                N_("store schema {version} is newer than this citychan ({n_migrations})").format(
                    version=version, n_migrations=len(MIGRATIONS)),
                hint=N_("upgrade citychan"))
        if version >= upto:
            return
        backend.begin()
        try:
            version = backend.schema_version()
            if version < upto:
                step = MIGRATIONS[version]
                if callable(step):
                    step(Transaction(backend.execute))
                else:
                    for statement in migration_sql(step, backend.dialect):
                        backend.execute(statement)
                backend.set_schema_version(version + 1)
            backend.commit()
        except BaseException:
            backend.rollback()
            raise


__all__ = ["MIGRATIONS", "Conflict", "Cursor", "Location", "Migration", "PerBackend", "Store",
           "Transaction"]
