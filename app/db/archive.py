"""Portable archive of the whole register: every table (data and audit trail) as JSON
lines in a zip, with a manifest. `blaastempel export` writes one; `blaastempel import`
restores it into an empty database of either kind (SQLite or PostgreSQL)."""

from __future__ import annotations

import base64
import json
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Table, func, select, text

from app.db.base import import_all_models, metadata

FORMAT = "blaastempel-archive/1"
BATCH = 2_000


class ArchiveError(Exception):
    pass


# Derived state rebuilt from the data (`blaastempel reindex`), and the short-lived ledger of
# report starts (client addresses, minutes old): not part of the register.
DERIVED_TABLE_PREFIXES = ("search_", "report_start")


def _tables() -> list[Table]:
    import_all_models()
    return [t for t in metadata.sorted_tables if not t.name.startswith(DERIVED_TABLE_PREFIXES)]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def export_archive(conn: Connection, path: Path, progress: Callable[[str, int], None] | None = None) -> dict:
    counts: dict[str, int] = {}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in _tables():
            order = [c for c in table.primary_key.columns] or list(table.columns)
            n = 0
            with archive.open(f"tables/{table.name}.jsonl", "w") as fh:
                for row in conn.execute(select(table).order_by(*order)).mappings():
                    fh.write((json.dumps({k: _plain(v) for k, v in row.items()}, ensure_ascii=False)
                              + "\n").encode())
                    n += 1
            counts[table.name] = n
            if progress:
                progress(table.name, n)
        manifest = {"format": FORMAT, "revision": _revision(conn), "dialect": conn.dialect.name,
                    "created_at": datetime.now(UTC).isoformat(), "tables": counts}
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    return manifest


def _converter(table: Table) -> Callable[[dict[str, Any]], dict[str, Any]]:
    kinds: dict[str, Callable[[Any], Any]] = {}
    for column in table.columns:
        try:
            python_type = column.type.python_type
        except NotImplementedError:
            continue
        if python_type is datetime:
            kinds[column.name] = datetime.fromisoformat
        elif python_type is date:
            kinds[column.name] = date.fromisoformat
        elif python_type is bytes:
            kinds[column.name] = base64.b64decode

    def convert(row: dict[str, Any]) -> dict[str, Any]:
        return {k: (kinds[k](v) if v is not None and k in kinds else v) for k, v in row.items()}
    return convert


def _rows(archive: zipfile.ZipFile, table: Table) -> Iterator[list[dict[str, Any]]]:
    convert = _converter(table)
    batch: list[dict[str, Any]] = []
    with archive.open(f"tables/{table.name}.jsonl") as fh:
        for line in fh:
            batch.append(convert(json.loads(line)))
            if len(batch) == BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


def _check_target(conn: Connection, manifest: dict, tables: list[Table]) -> None:
    if manifest.get("format") != FORMAT:
        raise ArchiveError(f"not a Blåstempel archive (format {manifest.get('format')!r})")
    if manifest["revision"] != _revision(conn):
        raise ArchiveError(f"the archive is at schema revision {manifest['revision']}, the database at "
                           f"{_revision(conn)}; run `blaastempel db upgrade` to the same revision first")
    busy = [t.name for t in tables if conn.scalar(select(func.count()).select_from(t))]
    if busy:
        raise ArchiveError(f"the database is not empty (tables with rows: {', '.join(busy[:5])}); "
                           "import restores into an empty database only")


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        if "id" in table.columns and table.columns["id"].autoincrement is not False:
            conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"coalesce((SELECT max(id) FROM \"{table.name}\"), 0) + 1, false)"))


def import_archive(conn: Connection, path: Path,
                   progress: Callable[[str, int], None] | None = None) -> dict:
    """Restore in one transaction: either every row is back or nothing is."""
    tables = _tables()
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        _check_target(conn, manifest, tables)
        for table in tables:
            n = 0
            if f"tables/{table.name}.jsonl" in archive.namelist():
                for batch in _rows(archive, table):
                    conn.execute(table.insert(), batch)
                    n += len(batch)
            if n != manifest["tables"].get(table.name, 0):
                raise ArchiveError(f"{table.name}: archive says {manifest['tables'].get(table.name)} rows, "
                                   f"found {n}")
            if progress:
                progress(table.name, n)
    _reset_sequences(conn, tables)
    return manifest
