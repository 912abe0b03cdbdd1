"""Portable archive of the whole register: every table (data and audit trail) as JSON
lines in a zip, with a manifest. `blaastempel export` writes one; `blaastempel import`
restores it into an empty database of either kind (SQLite or PostgreSQL).

Secrets (password hashes, API token hashes) are left out unless asked for
(`--include-secrets`): the accounts are restored without a password (they cannot log in
until `blaastempel users set-password` gives them one) and without API tokens.

Evidence files travel with their rows: `files/<sha256>` holds the bytes of every file the
evidence_file table names, read from and restored into the FileStorage given (import checks
each one's size and digest; a missing or altered file fails the whole import).

An archive to import may come from anywhere: its members' sizes and compression ratios are
checked before anything is read (ARCHIVE_LIMITS), and every way it can be broken ends in
an ArchiveError that says where, never a traceback.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Table, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from app.db.base import metadata
from app.files.models import EvidenceFile
from app.files.storage import FileStorage
from app.messages import message_of
from app.registry import import_all_models
from app.ziplimits import MIB, ZipLimits, ZipRefused, open_zip

FORMAT = "blaastempel-archive/1"
BATCH = 2_000
# A real register's largest table (2 million adoption records) unpacks to about 1 GiB and
# compresses about 20:1; a row is at most a few KiB.
ARCHIVE_LIMITS = ZipLimits(max_member_bytes=8 * 1024 * MIB, max_total_bytes=64 * 1024 * MIB, max_ratio=100)
MAX_LINE_BYTES = 16 * MIB
# Left out unless the export includes secrets: these tables' rows, and these columns'
# values (replaced by WITHHELD, which no password matches).
SECRET_TABLES = ("api_token",)
SECRET_COLUMNS = {"user_account": ("password_hash",)}
WITHHELD = ""


class ArchiveError(Exception):
    pass


# Not part of the register: derived state rebuilt from the data (`blaastempel reindex`), the
# short-lived ledgers of report starts and failed logins (client addresses, minutes old), and
# live browser sessions (a restored register starts with nobody logged in).
LEFT_OUT_TABLE_PREFIXES = ("search_", "report_start", "login_failure", "user_session")


def _tables() -> list[Table]:
    import_all_models()
    return [t for t in metadata.sorted_tables if not t.name.startswith(LEFT_OUT_TABLE_PREFIXES)]


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


def _exported(table: Table, row: dict[str, Any], include_secrets: bool) -> dict[str, Any]:
    plain = {k: _plain(v) for k, v in row.items()}
    if not include_secrets:
        plain |= {column: WITHHELD for column in SECRET_COLUMNS.get(table.name, ())}
    return plain


def _stored_files(conn: Connection) -> list[tuple[str, int]]:
    """(sha256, size) of every evidence file the rows name, once each."""
    table = EvidenceFile.__table__
    return [(sha, size) for sha, size in conn.execute(
        select(table.c.sha256, table.c.size).distinct().order_by(table.c.sha256))]


def _export_files(conn: Connection, archive: zipfile.ZipFile, storage: FileStorage) -> int:
    stored = _stored_files(conn)
    for sha, _size in stored:
        try:
            content = storage.get(sha)
        except FileNotFoundError:
            raise ArchiveError(f"the file store has no file {sha}, which evidence_file names") from None
        # Stored as they are: a file that happens to compress very well must not look like a zip bomb.
        archive.writestr(f"files/{sha}", content, compress_type=zipfile.ZIP_STORED)
    return len(stored)


def export_archive(conn: Connection, path: Path, progress: Callable[[str, int], None] | None = None,
                   include_secrets: bool = False, storage: FileStorage | None = None) -> dict:
    """Every table, and with `storage` the evidence files' bytes too."""
    counts: dict[str, int] = {}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in _tables():
            order = [c for c in table.primary_key.columns] or list(table.columns)
            n = 0
            with archive.open(f"tables/{table.name}.jsonl", "w") as fh:
                if include_secrets or table.name not in SECRET_TABLES:
                    for row in conn.execute(select(table).order_by(*order)).mappings():
                        fh.write((json.dumps(_exported(table, dict(row), include_secrets), ensure_ascii=False)
                                  + "\n").encode())
                        n += 1
            counts[table.name] = n
            if progress:
                progress(table.name, n)
        files = _export_files(conn, archive, storage) if storage is not None else None
        manifest = {"format": FORMAT, "revision": _revision(conn), "dialect": conn.dialect.name,
                    "created_at": datetime.now(UTC).isoformat(), "secrets": include_secrets, "tables": counts,
                    "files": files}
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
    member = f"tables/{table.name}.jsonl"
    batch: list[dict[str, Any]] = []
    with archive.open(member) as fh:
        line_number = 0
        while line := fh.readline(MAX_LINE_BYTES + 1):
            line_number += 1
            if len(line) > MAX_LINE_BYTES:
                raise ArchiveError(f"{member} line {line_number} is longer than {MAX_LINE_BYTES:,} bytes")
            try:
                row = json.loads(line)
                if not isinstance(row, dict):
                    raise ValueError("not a JSON object")
                batch.append(convert(row))
            except (ValueError, TypeError) as exc:
                raise ArchiveError(f"{member} line {line_number} is not a row of {table.name}: {exc}") from None
            if len(batch) == BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


def _manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read("manifest.json"))
    except KeyError:
        raise ArchiveError("not a Blåstempel archive (it has no manifest.json)") from None
    except ValueError as exc:
        raise ArchiveError(f"manifest.json is not valid JSON: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise ArchiveError(f"not a Blåstempel archive (format {found!r})")
    if not isinstance(manifest.get("tables"), dict):
        raise ArchiveError("manifest.json lists no tables")
    return manifest


def _check_target(conn: Connection, manifest: dict, tables: list[Table]) -> None:
    counts = manifest["tables"]
    unknown = sorted(set(counts) - {t.name for t in tables})
    if unknown:
        raise ArchiveError(f"the archive has tables this schema does not: {', '.join(unknown[:5])}")
    if not all(type(n) is int and n >= 0 for n in counts.values()):
        raise ArchiveError("manifest.json: every table's row count must be a whole number")
    if manifest.get("revision") != _revision(conn):
        raise ArchiveError(f"the archive is at schema revision {manifest.get('revision')}, the database at "
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


@contextmanager
def _opened(path: Path) -> Iterator[zipfile.ZipFile]:
    """The archive, once every member has passed ARCHIVE_LIMITS; a broken zip is an ArchiveError."""
    try:
        with open_zip(path, ARCHIVE_LIMITS) as archive:
            yield archive
    except ZipRefused as exc:
        raise ArchiveError(f"{path.name}: {message_of(exc)}") from None
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:  # e.g. a member that is not what its header says
        raise ArchiveError(f"{path.name} is damaged: {exc}") from None


def _restore_table(conn: Connection, archive: zipfile.ZipFile, table: Table, expected: int) -> int:
    n = 0
    if f"tables/{table.name}.jsonl" in archive.namelist():
        for batch in _rows(archive, table):
            try:
                conn.execute(table.insert(), batch)
            except SQLAlchemyError as exc:
                cause = getattr(exc, "orig", None) or exc
                reason = (str(cause).splitlines() or [""])[0]
                raise ArchiveError(f"{table.name}: the rows do not fit the database "
                                   f"({type(cause).__name__}: {reason})") from None
            n += len(batch)
    if n != expected:
        raise ArchiveError(f"{table.name}: archive says {expected} rows, found {n}")
    return n


def _import_files(conn: Connection, archive: zipfile.ZipFile, storage: FileStorage) -> int:
    """Every evidence file the restored rows name, checked (size, digest) and kept. A file
    kept before a later one fails stays in the store, unnamed: it is found by content only."""
    members = {info.filename: info for info in archive.infolist()}
    stored = _stored_files(conn)
    for sha, size in stored:
        info = members.get(f"files/{sha}")
        if info is None:
            raise ArchiveError(f"files/{sha} is missing: evidence_file names it")
        if info.file_size != size:
            raise ArchiveError(f"files/{sha} is {info.file_size} bytes; evidence_file says {size}")
        content = archive.read(info)
        if hashlib.sha256(content).hexdigest() != sha:
            raise ArchiveError(f"files/{sha} does not have the content its name says")
        storage.put(sha, content)
    return len(stored)


def import_archive(conn: Connection, path: Path, progress: Callable[[str, int], None] | None = None,
                   storage: FileStorage | None = None) -> dict:
    """Restore in one transaction: either every row is back or nothing is. With `storage`
    the evidence files are restored into it as well."""
    tables = _tables()
    with _opened(path) as archive:
        manifest = _manifest(archive)
        _check_target(conn, manifest, tables)
        for table in tables:
            n = _restore_table(conn, archive, table, manifest["tables"].get(table.name, 0))
            if progress:
                progress(table.name, n)
        if storage is not None:
            files = _import_files(conn, archive, storage)
            if progress:
                progress("files", files)
    _reset_sequences(conn, tables)
    return manifest
