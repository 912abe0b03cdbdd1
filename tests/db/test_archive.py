"""export → import into an empty database gives back every row, and a bad target is refused."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from app.db.archive import ArchiveError, export_archive, import_archive
from app.db.engine import make_engine
from app.db.migrate import upgrade


def _fresh_sqlite(tmp_path: Path, name: str) -> str:
    url = f"sqlite+pysqlite:///{tmp_path / name}"
    upgrade(url)
    return url


def _table_lines(path: Path) -> dict[str, list[dict]]:
    """Every row of every table, parsed (so 0 and 0.0 from two databases' JSON compare equal)."""
    with zipfile.ZipFile(path) as archive:
        return {n: [json.loads(line) for line in archive.read(n).decode().splitlines()]
                for n in archive.namelist() if n.startswith("tables/")}


def test_round_trip_keeps_every_row(database_url: str, tmp_path: Path) -> None:
    source = make_engine(database_url)
    first = tmp_path / "first.zip"
    with source.connect() as conn:
        manifest = export_archive(conn, first)
    source.dispose()
    assert manifest["tables"]["solution"] >= 40 and manifest["tables"]["audit_event"] > 0

    target = make_engine(_fresh_sqlite(tmp_path, "restored.sqlite3"))
    with target.begin() as conn:
        import_archive(conn, first)
    second = tmp_path / "second.zip"
    with target.connect() as conn:
        export_archive(conn, second)
    target.dispose()

    before, after = _table_lines(first), _table_lines(second)
    assert before.keys() == after.keys()
    for name in before:
        assert before[name] == after[name], f"{name} differs after the round trip"


def test_import_refuses_a_non_empty_database_and_writes_nothing(database_url: str, tmp_path: Path) -> None:
    source = make_engine(database_url)
    archive = tmp_path / "a.zip"
    with source.connect() as conn:
        export_archive(conn, archive)
    source.dispose()
    target = make_engine(_fresh_sqlite(tmp_path, "twice.sqlite3"))
    with target.begin() as conn:
        import_archive(conn, archive)
    with pytest.raises(ArchiveError, match="not empty"), target.begin() as conn:
        import_archive(conn, archive)
    target.dispose()


def test_truncated_archive_rolls_back(database_url: str, tmp_path: Path) -> None:
    source = make_engine(database_url)
    archive = tmp_path / "a.zip"
    with source.connect() as conn:
        export_archive(conn, archive)
    source.dispose()
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.namelist():
            data = src.read(item)
            if item == "tables/solution.jsonl":
                data = b"\n".join(data.splitlines()[:3]) + b"\n"
            dst.writestr(item, data)
    target = make_engine(_fresh_sqlite(tmp_path, "broken.sqlite3"))
    with pytest.raises(ArchiveError, match="solution"), target.begin() as conn:
        import_archive(conn, broken)
    with target.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM organisation").scalar() == 0
    target.dispose()
