"""What the store's two backends share: where a store is (``Location``), a migration written
once per dialect where the dialects differ (``PerBackend``), a key that is taken already
(``Conflict``), and the contract a backend keeps (``Backend``).

SQL is written once, with ``?`` placeholders, in the module that asks it; SQLite runs it as
it is and the PostgreSQL backend turns the placeholders into psycopg's."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from citychan.i18n import N_


class Dialect(StrEnum):
    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"


@dataclass(frozen=True)
class Location:
    """Where the store is: the SQLite file at ``path`` (the default), or the PostgreSQL
    database at ``url`` (never with a password: that comes from the environment variable
    ``password_env``). With a URL, ``path`` is where this machine keeps the fallback journal
    of outcomes the database could not take."""

    path: Path
    url: str | None = None
    password_env: str | None = None

    @property
    def dialect(self) -> Dialect:
        return Dialect.SQLITE if self.url is None else Dialect.POSTGRESQL

    def describe(self) -> str:
        """The store as a person names it: the file, or the URL (it holds no password)."""
        return str(self.path) if self.url is None else self.url

    def exists(self) -> bool:
        """Whether anything was ever recorded (a database server: always asked)."""
        return self.url is not None or self.path.exists()


_NO_PASSWORD = N_("must not hold a password: name its environment variable in password_env")


def check_url(url: str) -> str | None:
    """Why ``url`` cannot name the store (None: it can): a postgresql:// URL with a host and
    a database, and never a password."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return N_("is not a URL")
    if parts.scheme not in ("postgresql", "postgres"):
        return N_("must start with postgresql://")
    if parts.password is not None:
        return _NO_PASSWORD
    if "password" in parts.query.lower():
        return _NO_PASSWORD
    if not parts.hostname and "host=" not in parts.query:
        return N_("has no host")
    if not parts.path.strip("/"):
        return N_("names no database (postgresql://user@host/DATABASE)")
    return None


def without_password(url: str) -> str:
    """``url`` with any password cut out (for messages about a URL a person typed): the one
    in ``user:password@`` and any ``password=``/``sslpassword=`` in the query."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        hostpart = netloc.rsplit("@", 1)
        netloc = (parts.username or "") + ":***@" + hostpart[-1]
    query = "&".join(
        f"{key}=***" if "password" in key.lower() else item
        for item in parts.query.split("&") if item
        for key in [item.partition("=")[0]])
    return urlunsplit(parts._replace(netloc=netloc, query=query))


class Conflict(Exception):
    """A unique key or other constraint refused a write (the row is there already)."""


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchall(self) -> list[Any]: ...

    def fetchone(self) -> Any: ...


class Transaction:
    """The statements of one transaction; it commits when the ``with`` block ends."""

    def __init__(self, run: Callable[[str, tuple[Any, ...]], Cursor]) -> None:
        self._run = run

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> Cursor:
        return self._run(sql, params)


@dataclass(frozen=True)
class PerBackend:
    """One migration written for each dialect, where they differ."""

    sqlite: str
    postgresql: str


Migration = str | Callable[[Transaction], None] | PerBackend


class Backend(Protocol):
    """A store's connection: statements, transactions that hold the store's write lock, the
    schema version, and the lock that tells a live run from one that is gone."""

    dialect: Dialect
    errors: tuple[type[BaseException], ...]

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> Cursor: ...

    def begin(self) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def schema_version(self) -> int: ...

    def set_schema_version(self, version: int) -> None: ...

    def hold_run(self, token: str) -> None: ...

    def run_alive(self, token: str) -> bool: ...

    def tables(self) -> list[str]: ...

    def after_import(self, table: str) -> None: ...

    def close(self) -> None: ...


def statements(script: str) -> list[str]:
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


_AUTOINCREMENT = re.compile(r"INTEGER PRIMARY KEY AUTOINCREMENT", re.IGNORECASE)


def migration_sql(step: str | PerBackend, dialect: Dialect) -> list[str]:
    """The statements of one migration for ``dialect``. The one difference every table with
    its own numbering has, SQLite's AUTOINCREMENT, is PostgreSQL's identity column."""
    if isinstance(step, PerBackend):
        return statements(step.sqlite if dialect is Dialect.SQLITE else step.postgresql)
    if dialect is Dialect.POSTGRESQL:
        step = _AUTOINCREMENT.sub("INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", step)
    return statements(step)
