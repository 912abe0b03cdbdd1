"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from app.db.base import metadata
from app.db.engine import make_engine
from app.db.migrate import alembic_config, include_object
from app.registry import import_all_models


def test_models_and_migrations_agree(database_url: str) -> None:
    import_all_models()
    engine = make_engine(database_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    assert diff == [], f"models differ from the migrated schema; add a migration: {diff}"


def test_single_head(database_url: str) -> None:
    assert len(ScriptDirectory.from_config(alembic_config(database_url)).get_heads()) == 1


def test_sqlite_runs_in_wal_mode_with_busy_timeout(database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        return
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    engine.dispose()
