"""The SQLite file behind the outbox, the audit log and the incidents: one connection, its
migrations, and transactions. Never credentials, never subscriber data.

Migrations are a list, only ever appended to; the schema version is SQLite's
``user_version``. Every ``sqlite3.Error`` leaves this package as a ``StoreError``.

    with Store.open(path) as store:
        with store.transaction() as tx:
            tx.execute("UPDATE ...", (...))
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from citychan.errors import StoreError
from citychan.fsutil import ProcessLock, held_elsewhere
from citychan.store import journal
from citychan.store.readonly import connect_read_only


def _cap_out_of_deliveries(db: sqlite3.Connection) -> None:
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


def _keep_cap(db: sqlite3.Connection, cap: str, identifier: str | None, message_hash: str) -> bool:
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


Migration = str | Callable[[sqlite3.Connection], None]

# a delivery that went out or may have: never a second one for the same message and channel
# (unless forced); "failed" is known not to have gone out and may be sent again
_LIVE = "('pending', 'sent', 'unknown')"

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
    # 2: danger-warning incidents and their CAP messages (alert, updates, all-clear)
    """
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
    """,
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
]


BUSY_TIMEOUT = 30.0  # seconds a run waits for another run's write to finish


class Transaction:
    """The statements of one transaction; it commits when the ``with`` block ends."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        return self._db.execute(sql, params)


class Store:
    """One SQLite file, one connection shared by the fan-out threads. Every write is its
    own transaction, so nothing recorded is lost. Close it, or use it as a context manager.

    Several processes may use one store at once: every write transaction begins with
    ``BEGIN IMMEDIATE`` and waits up to ``BUSY_TIMEOUT`` for another's to end. A run that
    claims deliveries holds a lock file (``owner``) while it runs, so another run can tell a
    delivery in flight from one a crashed run left pending."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        self._lock = threading.RLock()
        self._owner: ProcessLock | None = None
        self._claims = 0
        self._db = connect_read_only(path, len(MIGRATIONS)) if read_only else _connect(path)

    @classmethod
    def open(cls, path: Path) -> Self:
        """The store at ``path``, created and migrated as needed; outcomes waiting in the
        fallback journal are written into it first."""
        return cls(path)

    @classmethod
    def open_for_reading(cls, path: Path) -> Self:
        """The store for a command that only reads (`log`, `retry --list`): opened as usual
        where it can be written, else read-only (a read-only file or folder, a full disk),
        with the outcomes waiting in the fallback journal shown as recorded."""
        if os.access(path, os.W_OK) and os.access(path.parent, os.W_OK):
            try:
                return cls(path)
            except StoreError:
                pass  # cannot be written now: read it as it is
        return cls(path, read_only=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._db.close()
            if self._owner is not None:
                self._owner.release()
                self._owner = None

    @property
    def runs_folder(self) -> Path:
        """Where each run that claims deliveries keeps its lock file."""
        return self.path.with_name(self.path.name + ".runs")

    @property
    def owner(self) -> str:
        """This run's token, written into every delivery it claims; its lock file is held
        from the first claim until the store is closed (or the process ends)."""
        with self._lock:
            if self._owner is None:
                token = f"{os.getpid()}-{os.urandom(8).hex()}"
                try:
                    self._owner = ProcessLock(self.runs_folder / f"{token}.lock")
                except OSError as exc:
                    raise StoreError(f"{self.runs_folder}: cannot write the store's run lock "
                                     f"({exc.strerror or exc})") from None
            return self._owner.path.stem

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
            if self._owner is not None and token == self._owner.path.stem:
                return True
        return held_elsewhere(self.runs_folder / f"{token}.lock")

    def journal(self) -> list[dict[str, Any]]:
        """Outcomes waiting in the fallback journal (only a read-only store has any)."""
        return journal.entries(self.path) if self.read_only else []

    def keep_aside(self, entry: dict[str, Any]) -> None:
        """An outcome the store could not take goes to the fallback journal (OSError if
        that cannot be written either)."""
        journal.append(self.path, entry)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; any exception rolls everything back (and a
        ``sqlite3.Error`` is raised as a ``StoreError``)."""
        if self.read_only:
            raise StoreError(f"{self.path}: cannot write the store (opened read-only)")
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                yield Transaction(self._db)
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise StoreError(f"{self.path}: cannot write the store ({exc})") from None
            except BaseException:
                self._rollback()
                raise

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        """Every row of one read; columns by name or by position."""
        try:
            with self._lock:
                return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the store ({exc})") from None

    def scalar(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        """The first column of the first row, or None."""
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def _rollback(self) -> None:
        try:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # the connection is gone; SQLite rolls back what was not committed


def _connect(path: Path) -> sqlite3.Connection:
    db: sqlite3.Connection | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=BUSY_TIMEOUT, check_same_thread=False,
                             isolation_level=None)
        db.row_factory = sqlite3.Row
        _wal(db)
        db.execute("PRAGMA foreign_keys=ON")
        _migrate(db)
        journal.replay(db, path)  # before anything else: what went out is known as such
    except (sqlite3.Error, OSError) as exc:
        if db is not None:
            db.close()
        raise StoreError(
            f"{path}: cannot open the store ({getattr(exc, 'strerror', None) or exc})",
            hint="check [store] path in the config and its permissions, and free disk space",
        ) from None
    return db


def _wal(db: sqlite3.Connection) -> None:
    """WAL mode (readers never wait for a writer). Switching a new file to it needs the file
    to itself: another run opening it the same moment makes it wait its turn."""
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _migrate(db: sqlite3.Connection) -> None:
    """Every migration not yet applied, each in its own write transaction. The version is
    read again once the transaction holds the write lock: when several runs open a new store
    at once, each migration runs exactly once and the others find it done."""
    while True:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise sqlite3.DatabaseError(
                f"store schema {version} is newer than this citychan ({len(MIGRATIONS)})"
            )
        if version == len(MIGRATIONS):
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version < len(MIGRATIONS):
                step = MIGRATIONS[version]
                if callable(step):
                    step(db)
                else:
                    for statement in _statements(step):
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {version + 1}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise


def _statements(script: str) -> list[str]:
    """A migration script, one statement at a time (so it runs in our transaction)."""
    out, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            out.append(pending.strip())
            pending = ""
    if pending.strip():
        out.append(pending.strip())
    return out
