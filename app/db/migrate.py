"""Run Alembic migrations programmatically (CLI, tests, make run)."""

from __future__ import annotations

from typing import Any

from alembic.config import Config

from alembic import command
from app.settings import PROJECT_ROOT

# Engine-specific search structures made by hand in 0003_search (FTS5 table, GIN
# indexes) and the trigger-kept catalogue version of 0023; the models don't describe
# them, so autogenerate must leave them alone.
HAND_MADE = ("search_fts", "ix_search_doc_tsv", "ix_search_doc_facet_tokens", "catalogue_version")


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    return not (reflected and compare_to is None and (name or "").startswith(HAND_MADE))


def alembic_config(url: str) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)
