"""`citychan store info | migrate | export FILE | import FILE`: which store is in use (the
SQLite file or the PostgreSQL server, never with its password), its schema and counts;
migrating it explicitly; a readable backup of every table; and moving a city from one
laptop's SQLite file to the shared server with nothing lost (rows and content hash per
table checked)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citychan.config import Config
from citychan.errors import UsageError
from citychan.i18n import N_
from citychan.store.db import MIGRATIONS, Store
from citychan.store.transfer import TableSummary, counts, export, import_into


@dataclass(frozen=True)
class StoreInfo:
    backend: str  # sqlite or postgresql
    where: str  # the file, or the URL (which never holds a password)
    schema: int
    newest: int  # the schema this citychan migrates to
    counts: dict[str, int]
    exists: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {"backend": self.backend, "store": self.where, "schema": self.schema,
                "newest_schema": self.newest, "exists": self.exists, "counts": self.counts}


@dataclass(frozen=True)
class Moved:
    """What export or import did: the file, the store, and every table's rows and hash."""

    file: str
    store: str
    tables: tuple[TableSummary, ...]
    schema: int = 0
    before: int = 0  # migrate: the schema the store had

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "store": self.store, "schema": self.schema,
                "tables": [t.as_dict() for t in self.tables]}


def info(config: Config) -> StoreInfo:
    """The store in use, its schema version and the rows of each table. Reads only: a
    SQLite store not made yet is reported as such, not created."""
    where = config.store
    if not where.exists():
        return StoreInfo(str(where.dialect), where.describe(), 0, len(MIGRATIONS), {},
                         exists=False)
    with Store(where, migrate=False) as store:
        return StoreInfo(str(store.dialect), store.name, store.schema_version(),
                         len(MIGRATIONS), counts(store))


def migrate(config: Config) -> Moved:
    """Bring the store to this citychan's schema (every run does it on first use too)."""
    with Store(config.store, migrate=False) as store:
        before = store.schema_version()
    with Store.open(config.store) as store:
        return Moved("", store.name, (), schema=store.schema_version(), before=before)


def export_store(config: Config, file: str | Path, *, force: bool = False) -> Moved:
    """Every table of the store into ``file`` (JSON lines: a header, then one row a line).
    No store yet is refused (none is created). An existing file is replaced only with
    ``force``, and never the store itself or the config: a backup must not destroy what it
    backs up."""
    out = Path(file)
    if not config.store.exists():  # opening it would create an empty one
        raise UsageError(N_("no store yet at {store}: nothing to export").format(
            store=config.store.describe()), hint=N_("the first post creates it"))
    if out.is_dir():
        raise UsageError(N_("{out}: is a folder; name the export file").format(out=out),
                         hint=N_("e.g. citychan store export backup-2026-11-30.jsonl"))
    if out.exists():
        own = [p for p in (config.store_path, config.path) if p is not None]
        if any(out.resolve() == p.resolve() for p in own if p.exists()):
            raise UsageError(N_("{out}: is citychan's own store or config; the export "
                                "would replace it").format(
                                 out=out), hint=N_("name a new file, e.g. backup-2026-11-30.jsonl"))
        if not force:
            raise UsageError(N_("{out}: exists already; nothing was written").format(out=out),
                             hint=N_("name a new file, or pass --force to replace it"))
    with Store.open(config.store) as store:
        tables = export(store, out)
        return Moved(str(out), store.name, tuple(tables), schema=store.schema_version())


def import_store(config: Config, file: str | Path) -> Moved:
    """Fill the (empty) store from ``file``: an SQLite store file or an export. Checked per
    table afterwards: the same rows, the same content hash."""
    source = Path(file)
    if not source.is_file():
        raise UsageError(N_("{source}: no such file").format(source=source),
                         hint=N_("give the SQLite store (citychan-out/citychan.db) or an export"))
    with Store.open(config.store) as store:
        if store.location.url is None and source.resolve() == store.path.resolve():
            raise UsageError(N_("{source}: is the store itself").format(source=source))
        tables = import_into(store, source)
        return Moved(str(source), store.name, tuple(tables), schema=store.schema_version())
