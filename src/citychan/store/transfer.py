"""Moving a city's store and keeping it: every table as rows a person can read (the export,
JSON lines), a store filled from an SQLite file or an export (the import), and per table the
number of rows and a content hash that is the same on either backend, so that "nothing was
lost" is checked, not hoped.

    {"format": "citychan-store-export", "version": 1, "schema": 9, "tables": {...}}
    {"table": "messages", "row": {"hash": "…", "kind": "info", "title": "…", …}}
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citychan import clock
from citychan.errors import StoreError
from citychan.fsutil import atomic_write
from citychan.i18n import N_
from citychan.store import journal
from citychan.store.db import MIGRATIONS, Store

FORMAT = "citychan-store-export"
FORMAT_VERSION = 1
_SQLITE_MAGIC = b"SQLite format 3\x00"
# the insertion order of alerts is read by SQLite's rowid (a column of that name on
# PostgreSQL); it is kept by the order of the rows, never as a value
_ORDER = {"alerts": "rowid"}
_HIDDEN = {"rowid"}


@dataclass(frozen=True)
class TableSummary:
    name: str
    rows: int
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.name, "rows": self.rows, "sha256": self.sha256}


def rows_of(store: Store, table: str) -> list[dict[str, Any]]:
    """Every row of ``table`` as a dict, in the order they were recorded."""
    order = _ORDER.get(table, "1")
    found = store.query(f"SELECT * FROM {table} ORDER BY {order}")  # noqa: S608 - our tables
    return [{k: r[k] for k in r.keys() if k not in _HIDDEN} for r in found]


def digest(rows: list[dict[str, Any]]) -> str:
    """A hash of the rows' content, whatever the backend and the order."""
    lines = sorted(json.dumps(r, sort_keys=True, ensure_ascii=False) for r in rows)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def summary(store: Store) -> list[TableSummary]:
    out = []
    for table in store.tables():
        rows = rows_of(store, table)
        out.append(TableSummary(table, len(rows), digest(rows)))
    return out


def counts(store: Store) -> dict[str, int]:
    return {t: int(store.scalar(f"SELECT COUNT(*) FROM {t}")) for t in store.tables()}


def export(store: Store, out: Path) -> list[TableSummary]:
    """Write every table of ``store`` to ``out`` (JSON lines, written whole or not at all)."""
    tables = {t: rows_of(store, t) for t in _in_order(store)}
    summaries = [TableSummary(t, len(rows), digest(rows)) for t, rows in tables.items()]
    header = {"format": FORMAT, "version": FORMAT_VERSION, "schema": store.schema_version(),
              "store": store.name, "exported": clock.utcnow().isoformat(timespec="seconds"),
              "tables": {s.name: {"rows": s.rows, "sha256": s.sha256} for s in summaries}}
    lines = [json.dumps(header, ensure_ascii=False)]
    for table, rows in tables.items():
        lines += [json.dumps({"table": table, "row": r}, ensure_ascii=False) for r in rows]
    try:
        atomic_write(out, "\n".join(lines) + "\n", mode=0o600)
    except OSError as exc:
        raise StoreError(N_("{out}: cannot write the export ({reason})").format(
            out=out, reason=exc.strerror or exc)) from None
    return summaries


def import_into(target: Store, source_file: Path) -> list[TableSummary]:
    """Fill the empty ``target`` with every row of ``source_file`` (an SQLite store or an
    export), then check per table that the rows and their content hash are the same."""
    with opened_source(source_file) as source:
        full = {t: n for t, n in counts(target).items() if n}
        if full:
            raise StoreError(
                N_("{store}: the store holds records already ({counts})").format(
                    store=target.name,
                    counts=", ".join(f"{t}: {n}" for t, n in sorted(full.items()))),
                hint=N_("import into a new, empty store; nothing was changed"))
        missing = sorted(set(source.tables()) - set(target.tables()))
        if missing:
            raise StoreError(N_("{store}: has no table {tables}").format(
                store=target.name, tables=", ".join(missing)),
                hint=N_("upgrade citychan where the store is imported"))
        tables = _in_order(source)
        with target.transaction() as tx:
            for table in tables:
                for row in rows_of(source, table):
                    marks = ",".join("?" * len(row))
                    tx.execute(f"INSERT INTO {table} ({','.join(row)}) VALUES ({marks})",
                               tuple(row.values()))
        for table in tables:
            target.after_import(table)
        before = {s.name: s for s in summary(source)}
    after = {s.name: s for s in summary(target)}
    lost = [t for t, s in before.items() if after.get(t) != s]
    if lost:
        raise StoreError(N_("{store}: the import differs from {file} in {tables}").format(
            store=target.name, file=source_file, tables=", ".join(lost)))
    return [after[t] for t in tables]


@contextmanager
def opened_source(path: Path) -> Iterator[Store]:
    """The store in ``path`` (an SQLite file, or an export), as a migrated copy in a
    temporary folder: the file itself is never changed."""
    try:
        with path.open("rb") as f:
            magic = f.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise StoreError(N_("{path}: cannot read it ({reason})").format(
            path=path, reason=exc.strerror or exc)) from None
    with tempfile.TemporaryDirectory(prefix="citychan-import-") as tmp:
        copy = Path(tmp) / "source.db"
        if magic == _SQLITE_MAGIC:
            _copy_sqlite(path, copy)
        else:
            _from_export(path, copy)
        with Store.open(copy) as store:  # migrated to this citychan's schema
            yield store


def _copy_sqlite(path: Path, copy: Path) -> None:
    try:
        with closing(sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)) as src, \
                closing(sqlite3.connect(copy)) as dst:
            src.backup(dst)
    except sqlite3.Error as exc:
        raise StoreError(N_("{path}: cannot read the SQLite store ({reason})").format(
            path=path, reason=exc)) from None
    waiting = journal.journal_path(path)  # outcomes that store has not taken in yet
    if waiting.exists():
        shutil.copyfile(waiting, journal.journal_path(copy))


def _from_export(path: Path, copy: Path) -> None:
    header, rows = _read_export(path)
    schema = header["schema"]
    if not isinstance(schema, int) or not 0 < schema <= len(MIGRATIONS):
        raise StoreError(N_("{path}: export of schema {schema}; this citychan knows 1 to "
                            "{newest}").format(path=path, schema=repr(schema),
                                               newest=len(MIGRATIONS)),
                         hint=N_("upgrade citychan"))
    with Store(copy, migrate=False) as store:
        store.migrate(schema)
        store.query("PRAGMA foreign_keys=OFF")
        with store.transaction() as tx:
            for table, row in rows:
                if not table.isidentifier() or not all(str(k).isidentifier() for k in row):
                    raise StoreError(N_("{path}: not a citychan export (table {table})")
                                     .format(path=path, table=repr(table)))
                marks = ",".join("?" * len(row))
                tx.execute(f"INSERT INTO {table} ({','.join(row)}) VALUES ({marks})",
                           tuple(row.values()))
        counted: dict[str, int] = {}
        for table, _ in rows:
            counted[table] = counted.get(table, 0) + 1
        for table, meta in header["tables"].items():
            if counted.get(table, 0) != meta.get("rows"):
                raise StoreError(
                    N_("{path}: table {table} has {rows} rows, the export's header says "
                       "{header}: the file is cut short").format(
                        path=path, table=table, rows=counted.get(table, 0),
                        header=meta.get("rows")))
            # the rows as read back must be those exported: an edited or damaged line is
            # refused, not imported as the city's record
            if digest(rows_of(store, table)) != meta.get("sha256"):
                raise StoreError(
                    N_("{path}: table {table} differs from the content hash in the export's "
                       "header: the file was changed or damaged after the export").format(
                        path=path, table=table),
                    hint=N_("export again from the original store; nothing was imported"))


def _read_export(path: Path) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreError(N_("{path}: cannot read it ({reason})").format(
            path=path, reason=exc)) from None
    try:
        header = json.loads(lines[0]) if lines else None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise ValueError("no header")
        rows = []
        for line in lines[1:]:
            if line.strip():
                entry = json.loads(line)
                rows.append((str(entry["table"]), dict(entry["row"])))
    except (ValueError, KeyError, TypeError, IndexError):
        raise StoreError(N_("{path}: neither an SQLite store nor a citychan store export")
                         .format(path=path),
                         hint=N_("give the store file (citychan-out/citychan.db) or a file "
                                 "written by 'citychan store export'")) from None
    return header, rows


def _in_order(store: Store) -> list[str]:
    """The tables, each after the tables it refers to (SQLite's foreign key list)."""
    tables = store.tables()
    if store.dialect != "sqlite":
        return tables
    needs = {t: {str(r["table"]) for r in store.query(f"PRAGMA foreign_key_list({t})")}
             - {t} for t in tables}
    out: list[str] = []
    while len(out) < len(tables):
        ready = [t for t in tables if t not in out and needs[t] <= set(out)]
        out += ready or [t for t in tables if t not in out]
    return out
