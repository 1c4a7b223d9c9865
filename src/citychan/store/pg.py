"""The PostgreSQL backend, for a city whose operators share one store (``[store] url``):
psycopg 3 (the optional extra ``citychan[postgres]``), imported only when a store names a
URL.

The guarantees are the database's, not one machine's files: every write transaction first
takes a transaction-level advisory lock (``pg_advisory_xact_lock``), as SQLite's ``BEGIN
IMMEDIATE`` takes the file's write lock, so "already claimed?" and the claim are one step
for every run on every machine; the unique (partial) indexes back it up. A run that claims
deliveries holds a session-level advisory lock named by its token while it is connected:
another run, on any machine, tells a live run from a crashed one by trying that lock. The
schema version is the one row of ``citychan_schema``. The password is read from the
environment variable the config names, handed to libpq, and kept nowhere."""

from __future__ import annotations

import atexit
import gc
import hashlib
import os
import re
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from enum import Enum
from typing import Any

from citychan.store.backend import Conflict, Cursor, Dialect

# the advisory lock every write transaction takes (two int4 keys: "citychan", 1; the single
# bigint keys of the runs' locks are another key space)
_WRITE_LOCK = (0x63697479, 1)
# a write transaction and its lock in one round trip (without parameters psycopg sends both
# statements at once): a post writes three or four times, and a city's server is not local
_BEGIN = "BEGIN; SELECT pg_advisory_xact_lock({}, {})".format(*_WRITE_LOCK)
_SCHEMA_TABLE = "citychan_schema"
CONNECT_TIMEOUT = 10  # seconds


# One connection kept open when a store is closed, for the next store this process opens on
# the same server as the same user (a post opens the store twice: to plan, then to send):
# a new connection, with its password exchange, costs more than the post's statements.
_spare_lock = threading.Lock()
_spare: dict[str, Any] = {}


def _take_spare(key: str) -> Any:
    with _spare_lock:
        conn = _spare.pop(key, None)
    if conn is None or conn.closed or conn.broken:
        return None
    return conn


def _keep_spare(key: str, conn: Any) -> None:
    with _spare_lock:
        old = list(_spare.values())
        _spare.clear()
        _spare[key] = conn
    for other in old:
        other.close()


def _import_psycopg() -> Any:
    """psycopg, imported on first use. Its ~80 modules (asyncio among them) stay as long as
    the process does, so once they are in, the cyclic garbage collector is told to leave every
    object that exists now alone (``gc.freeze``): otherwise the collections that follow walk
    them again and again, which cost a whole `citychan post` ~30 ms (benchmarks/bench_store.py).
    What is garbage at that moment stays until the process ends."""
    first = "psycopg" not in sys.modules
    import psycopg  # only a store on a server needs it

    if first:
        gc.freeze()
    return psycopg


@atexit.register
def _close_spare() -> None:
    with _spare_lock:
        old = list(_spare.values())
        _spare.clear()
    for conn in old:
        conn.close()


class Row(Sequence[Any]):
    """A row by position or by column name, as SQLite's ``sqlite3.Row``."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: Mapping[str, int], values: Sequence[Any]) -> None:
        self._index = index
        self._values = values

    def __getitem__(self, key: Any) -> Any:
        return self._values[self._index[key] if isinstance(key, str) else key]

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def keys(self) -> list[str]:
        return list(self._index)


def _row_factory(cursor: Any) -> Any:
    index = {c.name: i for i, c in reversed(list(enumerate(cursor.description or [])))}
    return lambda values: Row(index, values)


_IS_PARAM = re.compile(r"\bIS \?")


def translate(sql: str) -> str:
    """SQLite's ``?`` placeholders as psycopg's ``%s`` (a literal ``%`` doubled); ``IS ?``
    (NULL-safe equality in SQLite) as ``IS NOT DISTINCT FROM``."""
    sql = _IS_PARAM.sub("IS NOT DISTINCT FROM ?", sql.replace("%", "%%"))
    return sql.replace("?", "%s")


def _param(value: Any) -> Any:
    # a StrEnum as its value (psycopg would send an Enum's name)
    return value.value if isinstance(value, Enum) else value


def run_key(token: str) -> int:
    """The bigint advisory lock a run's token names (its random part)."""
    number = int(token.rsplit("-", 1)[-1], 16) & (2**64 - 1)
    return number - 2**64 if number >= 2**63 else number


class PgBackend:
    dialect = Dialect.POSTGRESQL

    def __init__(self, url: str, password_env: str | None,
                 env: Mapping[str, str] | None = None) -> None:
        psycopg = _import_psycopg()
        self._psycopg = psycopg
        self.errors: tuple[type[BaseException], ...] = (psycopg.Error,)
        env = os.environ if env is None else env
        extra: dict[str, Any] = {"autocommit": True, "connect_timeout": CONNECT_TIMEOUT,
                                 "application_name": "citychan"}
        password = env.get(password_env) if password_env else None
        if password:
            extra["password"] = password
        # the spare's key: the server, the user and the password (only as a hash)
        self._key = hashlib.sha256(f"{url}\0{password or ''}".encode()).hexdigest()
        self._sql: dict[str, str] = {}
        self.db = _take_spare(self._key)
        if self.db is not None:
            return
        self.db = psycopg.connect(url, row_factory=_row_factory, **extra)
        try:
            self._schema_table()
        except BaseException:
            self.db.close()
            raise

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> Cursor:
        query = self._sql.get(sql)
        if query is None:
            query = self._sql[sql] = translate(sql)
        try:
            return self.db.execute(query, tuple(_param(p) for p in params))
        except self._psycopg.errors.IntegrityError as exc:
            raise Conflict(str(exc).strip()) from None

    def begin(self) -> None:
        self.db.execute(_BEGIN)

    def commit(self) -> None:
        self.db.execute("COMMIT")

    def rollback(self) -> None:
        try:
            if self.db.info.transaction_status != self._psycopg.pq.TransactionStatus.IDLE:
                self.db.execute("ROLLBACK")
        except self._psycopg.Error:
            pass  # the connection is gone; the server rolls back what was not committed

    def schema_version(self) -> int:
        # a plain read of the table (not the catalog's to_regclass, whose cache may not have
        # seen another run's migration yet)
        found = self.db.execute(f"SELECT version FROM {_SCHEMA_TABLE}").fetchone()
        return int(found[0]) if found else 0

    def set_schema_version(self, version: int) -> None:
        self.db.execute(f"DELETE FROM {_SCHEMA_TABLE}")
        self.db.execute(f"INSERT INTO {_SCHEMA_TABLE}(version) VALUES (%s)", (version,))

    def _schema_table(self) -> None:
        """The table of the schema version, made by the first run (of several at once, one
        makes it; the others find it made)."""
        errors = self._psycopg.errors
        try:
            self.db.execute(f"SELECT 1 FROM {_SCHEMA_TABLE} LIMIT 0")
            return
        except errors.UndefinedTable:
            pass
        try:
            self.db.execute(
                f"CREATE TABLE IF NOT EXISTS {_SCHEMA_TABLE} (version INTEGER NOT NULL)")
        except (errors.UniqueViolation, errors.DuplicateTable, errors.DuplicateObject):
            pass  # made by another run this moment: its row type, its name or the table

    def hold_run(self, token: str) -> None:
        self.db.execute("SELECT pg_advisory_lock(%s)", (run_key(token),))

    def run_alive(self, token: str) -> bool:
        try:
            key = run_key(token)
        except ValueError:
            return False  # not a token any run of ours made
        row = self.db.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
        if row and row[0]:  # free: its run is gone (and we give the lock straight back)
            self.db.execute("SELECT pg_advisory_unlock(%s)", (key,))
            return False
        return True

    def tables(self) -> list[str]:
        rows = self.db.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = "
            "current_schema() AND table_type = 'BASE TABLE' AND table_name != %s "
            "ORDER BY table_name", (_SCHEMA_TABLE,)).fetchall()
        return [str(r[0]) for r in rows]

    def after_import(self, table: str) -> None:
        """Identity columns continue after the largest number imported."""
        columns = self.db.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = %s AND is_identity = 'YES'", (table,)).fetchall()
        for (column,) in columns:
            self.db.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE(MAX({column}), 0) + 1, "
                f"false) FROM {table}", (table, column))

    def close(self) -> None:
        # the run's lock goes now, not when the server notices the connection is gone
        try:
            if not self.db.closed:
                self.rollback()
                self.db.execute("SELECT pg_advisory_unlock_all()")
                _keep_spare(self._key, self.db)
                return
        except self._psycopg.Error:
            pass
        self.db.close()


def reason(exc: BaseException) -> str:
    """libpq's message in one line (it never holds the password)."""
    text = " ".join(str(exc).split())
    return text.removeprefix("connection failed: ") or type(exc).__name__
