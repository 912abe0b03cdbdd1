"""The export/import archive carries the evidence files: they come back byte for byte in
the target's file store, and a missing or altered file fails the whole import."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path
from typing import Any

import pytest

from app.archive import ArchiveError, export_archive, import_archive
from app.db.engine import make_engine
from app.files.storage import LocalDirectoryStorage
from tests.db.test_archive import _fresh_sqlite, _rewrite, _table_lines
from tests.files import samples
from tests.files.helpers import temporary_approval

EVIDENCE = samples.PDF + b"% arkivtest\n"
DIGEST = hashlib.sha256(EVIDENCE).hexdigest()


@pytest.fixture()
def archive_with_files(client: Any, auth: Any, db: Any, app: Any, database_url: str, tmp_path: Path) -> Path:
    solution, milestone = temporary_approval(client, auth, db)
    r = client.post(f"/api/approvals/{solution.slug}/milestones/{milestone}/evidence", headers=auth("vendor"),
                    files={"file": ("arkiv.pdf", EVIDENCE, "application/pdf")})
    assert r.status_code == 201, r.text
    path = tmp_path / "with-files.zip"
    source = make_engine(database_url)
    with source.connect() as conn:
        manifest = export_archive(conn, path, storage=app.state.file_storage)
    source.dispose()
    assert manifest["files"] >= 1
    return path


def test_files_survive_the_round_trip(archive_with_files: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(archive_with_files) as archive:
        assert archive.read(f"files/{DIGEST}") == EVIDENCE
    store = LocalDirectoryStorage(tmp_path / "restored-files")
    target = make_engine(_fresh_sqlite(tmp_path, "restored.sqlite3"))
    with target.begin() as conn:
        import_archive(conn, archive_with_files, storage=store)
    again = tmp_path / "again.zip"
    with target.connect() as conn:
        export_archive(conn, again, storage=store)
    target.dispose()
    assert store.get(DIGEST) == EVIDENCE
    assert _table_lines(archive_with_files)["tables/evidence_file.jsonl"] == _table_lines(again)[
        "tables/evidence_file.jsonl"]


@pytest.mark.parametrize(("change", "says"), [
    (b"%PDF-1.4\n% byttet ud!\n", "bytes; evidence_file says"),
    (EVIDENCE[:-2] + b"X\n", "does not have the content"),
])
def test_an_altered_file_fails_the_whole_import(archive_with_files: Path, tmp_path: Path, change: bytes,
                                                says: str) -> None:
    broken = _rewrite(archive_with_files, tmp_path / "altered.zip", {f"files/{DIGEST}": change})
    _refused_with_files(tmp_path, broken, says)


def test_a_missing_file_fails_the_whole_import(archive_with_files: Path, tmp_path: Path) -> None:
    broken = tmp_path / "missing.zip"
    with zipfile.ZipFile(archive_with_files) as src, zipfile.ZipFile(broken, "w") as dst:
        for name in src.namelist():
            if name != f"files/{DIGEST}":
                dst.writestr(name, src.read(name))
    _refused_with_files(tmp_path, broken, "is missing")


def _refused_with_files(tmp_path: Path, archive: Path, says: str) -> None:
    target = make_engine(_fresh_sqlite(tmp_path, f"{archive.stem}.sqlite3"))
    with pytest.raises(ArchiveError, match=says), target.begin() as conn:
        import_archive(conn, archive, storage=LocalDirectoryStorage(tmp_path / "store"))
    with target.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM evidence_file").scalar() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM organisation").scalar() == 0
    target.dispose()
