"""export → import into an empty database gives back every row, secrets only when asked for;
a bad target, a zip bomb or a broken archive is refused with a message that says where."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app import archive as archive_module
from app.accounts.services import authenticate, create_token, start_session, user_by_email
from app.archive import ArchiveError, export_archive, import_archive
from app.cli import main
from app.db.engine import make_engine
from app.db.migrate import upgrade
from app.settings import Settings
from app.ziplimits import ZipLimits
from tests.helpers import DEMO_PASSWORD, DEMO_USERS


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


# ---- secrets ------------------------------------------------------------------------------


def _export(database_url: str, path: Path, include_secrets: bool = False) -> dict:
    source = make_engine(database_url)
    with source.begin() as conn:
        with Session(bind=conn) as session:  # an API token, so there is one to leave out
            admin = user_by_email(session, DEMO_USERS["admin"])
            create_token(session, admin, "archive-test")
            start_session(session, admin)  # a live browser session, never archived
        manifest = export_archive(conn, path, include_secrets=include_secrets)
    source.dispose()
    return manifest


def _restore(tmp_path: Path, archive: Path, name: str) -> Engine:
    target = make_engine(_fresh_sqlite(tmp_path, name))
    with target.begin() as conn:
        import_archive(conn, archive)
    return target


def _can_log_in(engine: Engine) -> bool:
    with Session(engine) as session:
        return authenticate(session, DEMO_USERS["admin"], DEMO_PASSWORD) is not None


def test_an_export_leaves_password_hashes_and_tokens_out_by_default(database_url: str, tmp_path: Path) -> None:
    archive = tmp_path / "plain.zip"
    manifest = _export(database_url, archive)
    assert manifest["secrets"] is False and manifest["tables"]["api_token"] == 0
    lines = _table_lines(archive)
    assert lines["tables/api_token.jsonl"] == []
    assert lines["tables/user_account.jsonl"] and all(u["password_hash"] == ""
                                                      for u in lines["tables/user_account.jsonl"])
    with zipfile.ZipFile(archive) as z:
        assert b"$argon2" not in b"".join(z.read(n) for n in z.namelist())
    target = _restore(tmp_path, archive, "plain.sqlite3")
    assert not _can_log_in(target)
    target.dispose()


def test_include_secrets_keeps_logins_and_tokens(database_url: str, tmp_path: Path) -> None:
    archive = tmp_path / "secrets.zip"
    manifest = _export(database_url, archive, include_secrets=True)
    assert manifest["secrets"] is True and manifest["tables"]["api_token"] >= 1
    assert "user_session" not in manifest["tables"]  # even with secrets: sessions are not the register
    target = _restore(tmp_path, archive, "secrets.sqlite3")
    assert _can_log_in(target)
    with target.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM api_token").scalar() == manifest["tables"]["api_token"]
    target.dispose()


def test_cli_export_import_and_set_password(database_url: str, settings: Settings, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "cli.zip"
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BLAASTEMPEL_FILES_DIR", str(settings.files_dir))  # the evidence files the rows name
    exported = CliRunner().invoke(main, ["export", str(archive)], catch_exceptions=False)
    assert exported.exit_code == 0 and "password hashes and API tokens were left out" in exported.output
    target_url = _fresh_sqlite(tmp_path, "cli.sqlite3")
    monkeypatch.setenv("DATABASE_URL", target_url)
    monkeypatch.setenv("BLAASTEMPEL_FILES_DIR", str(tmp_path / "files"))
    restored = CliRunner().invoke(main, ["import", str(archive)], catch_exceptions=False)
    assert restored.exit_code == 0 and "users set-password" in restored.output, restored.output
    target = make_engine(target_url)
    assert not _can_log_in(target)
    result = CliRunner().invoke(main, ["users", "set-password", "--email", DEMO_USERS["admin"]],
                                input=f"{DEMO_PASSWORD}\n{DEMO_PASSWORD}\n", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert _can_log_in(target)
    target.dispose()


# ---- hostile archives ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def good_archive(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("archive") / "good.zip"
    source = make_engine(database_url)
    with source.connect() as conn:
        export_archive(conn, path)
    source.dispose()
    return path


def _rewrite(source: Path, target: Path, changes: dict[str, bytes]) -> Path:
    """A copy of the archive with some members' contents replaced (or added)."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            dst.writestr(name, changes.pop(name, None) or src.read(name))
        for name, data in changes.items():
            dst.writestr(name, data)
    return target


def _refused(tmp_path: Path, archive: Path, match: str) -> None:
    """The import fails with that ArchiveError and leaves the target database empty."""
    target = make_engine(_fresh_sqlite(tmp_path, f"{archive.stem}.sqlite3"))
    with pytest.raises(ArchiveError, match=match), target.begin() as conn:
        import_archive(conn, archive)
    with target.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM organisation").scalar() == 0
    target.dispose()


def test_a_zip_bomb_is_refused_before_it_is_unpacked(good_archive: Path, tmp_path: Path) -> None:
    bomb = _rewrite(good_archive, tmp_path / "bomb.zip", {"tables/solution.jsonl": bytes(64 * 1024 * 1024)})
    with zipfile.ZipFile(bomb) as z:
        info = z.getinfo("tables/solution.jsonl")
        assert info.file_size // info.compress_size > 500  # a real zip bomb: zeros deflate about 1000:1
    _refused(tmp_path, bomb, r"bomb\.zip: tables/solution\.jsonl is compressed \d+:1; at most 100:1 is allowed")


def test_a_member_beyond_the_size_limit_is_refused(good_archive: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive_module, "ARCHIVE_LIMITS", ZipLimits(max_member_bytes=1000, max_total_bytes=10**9,
                                                                    max_ratio=100))
    _refused(tmp_path, good_archive, r"would unpack to \d+ bytes; at most 1000 are allowed")


def test_a_line_beyond_the_limit_is_refused(good_archive: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive_module, "MAX_LINE_BYTES", 100_000)
    long_line = _rewrite(good_archive, tmp_path / "long.zip",
                         {"tables/organisation.jsonl": b'{"name": "' + b"x" * 200_000 + b'"}\n'})
    _refused(tmp_path, long_line, r"tables/organisation\.jsonl line 1 is longer than 100,000 bytes")


@pytest.mark.parametrize(("member", "content", "match"), [
    ("tables/organisation.jsonl", b"not json\n", r"tables/organisation\.jsonl line 1 is not a row of organisation"),
    ("tables/organisation.jsonl", b"[1, 2]\n", r"line 1 is not a row of organisation: not a JSON object"),
    ("tables/organisation.jsonl", b'{"id": 1, "created_at": 5}\n', r"line 1 is not a row of organisation"),
    ("tables/organisation.jsonl", b'{"id": 1, "no_such_column": 5}\n', r"organisation: the rows do not fit"),
    ("manifest.json", b"{", r"manifest\.json is not valid JSON"),
    ("manifest.json", b'{"format": "something else"}', r"not a Blåstempel archive \(format 'something else'\)"),
    ("manifest.json", b'{"format": "blaastempel-archive/1", "tables": {"passwords": 1}}',
     r"tables this schema does not: passwords"),
])
def test_a_broken_archive_names_what_is_wrong(good_archive: Path, tmp_path: Path, member: str, content: bytes,
                                             match: str) -> None:
    broken = _rewrite(good_archive, tmp_path / "broken.zip", {member: content})
    if member == "manifest.json" and b"passwords" in content:
        with zipfile.ZipFile(good_archive) as z:  # the right revision, so the table list is what is checked
            manifest = json.loads(z.read("manifest.json")) | {"tables": {"passwords": 1}}
        broken = _rewrite(good_archive, tmp_path / "broken.zip", {member: json.dumps(manifest).encode()})
    _refused(tmp_path, broken, match)


def test_duplicate_rows_are_refused_by_the_database_and_named(good_archive: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(good_archive) as z:
        first = z.read("tables/organisation.jsonl").splitlines(keepends=True)[0]
    twice = _rewrite(good_archive, tmp_path / "twice.zip", {"tables/organisation.jsonl": first + first})
    _refused(tmp_path, twice, r"organisation: the rows do not fit the database \(IntegrityError")


def test_a_damaged_zip_is_refused(good_archive: Path, tmp_path: Path) -> None:
    data = good_archive.read_bytes()
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(data[: len(data) // 2])
    _refused(tmp_path, truncated, r"truncated\.zip: not a readable zip file")
    with zipfile.ZipFile(good_archive) as z:
        info = z.getinfo("tables/organisation.jsonl")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    corrupt = bytearray(data)
    for i in range(start + 10, start + 40):
        corrupt[i] ^= 0xFF
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(corrupt))
    _refused(tmp_path, damaged, r"damaged\.zip is damaged")


def test_the_cli_refuses_a_zip_bomb_with_a_message_not_a_traceback(good_archive: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = _rewrite(good_archive, tmp_path / "bomb.zip", {"tables/solution.jsonl": bytes(64 * 1024 * 1024)})
    monkeypatch.setenv("DATABASE_URL", _fresh_sqlite(tmp_path, "cli-bomb.sqlite3"))
    result = CliRunner().invoke(main, ["import", str(bomb)], catch_exceptions=False)
    assert result.exit_code == 1
    assert "Error: nothing imported: bomb.zip: tables/solution.jsonl is compressed" in result.output
    assert "Traceback" not in result.output
