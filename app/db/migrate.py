"""Run Alembic migrations programmatically (CLI, tests, make run)."""

from __future__ import annotations

from functools import cache
from typing import Any

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from alembic import command
from app.settings import PROJECT_ROOT

# Engine-specific search structures made by hand in 0003_search and 0022 (FTS5 table,
# PostgreSQL's search_tsv) and the trigger-kept catalogue version of 0023; the models don't
# describe them, so autogenerate must leave them alone.
HAND_MADE = ("search_fts", "search_tsv", "ix_search_tsv_", "catalogue_version")


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    return not (reflected and compare_to is None and (name or "").startswith(HAND_MADE))


def alembic_config(url: str) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


@cache
def script_heads() -> frozenset[str]:
    """The revisions the migration scripts end in (read once per process)."""
    return frozenset(ScriptDirectory.from_config(alembic_config("")).get_heads())


def current_heads(conn: Connection) -> frozenset[str]:
    """The revisions the database is at (empty before the first migration)."""
    return frozenset(MigrationContext.configure(conn).get_current_heads())
